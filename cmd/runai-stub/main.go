// Command runai-stub serves the in-memory Run:ai service-accounts API stub
// on its own, for trying the dashboard against a separate process or for
// poking at the API with curl.
//
//	go run ./cmd/runai-stub --addr 127.0.0.1:9090 --admin-token TOKEN --seed 30
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "runai-stub:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("runai-stub", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9090", "address to listen on")
	adminToken := fs.String("admin-token", "", "a static bearer token accepted as the admin (optional)")
	seed := fs.Int("seed", 0, "preload this many realistic service accounts")
	clientID := fs.String("admin-client-id", "runai-admin", "client ID of the bootstrap admin credentials")
	clientSecret := fs.String("admin-client-secret", "", "client secret of the bootstrap admin (default: random, printed at start)")
	email := fs.String("admin-email", "admin@example.com", "identity of the admin, recorded as createdBy")
	noV2 := fs.Bool("disable-token-v2", false, "answer 404 on /api/v2/token so clients must fall back to /api/v1/token")
	latency := fs.Duration("latency", 0, "delay every answer by this much")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := stub.Config{
		AdminClientID: *clientID, AdminClientSecret: *clientSecret, AdminEmail: *email,
		DisableTokenV2: *noV2, Seed: *seed, Logger: logger,
	}
	if *adminToken != "" {
		cfg.AdminTokens = []string{*adminToken}
	}
	s := stub.New(cfg)
	s.SetLatency(*latency)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	id, secret := s.AdminCredentials()
	// The operator asked for a stub: showing its own made-up admin
	// credentials once at start is the point. Requests are never logged
	// with secrets.
	fmt.Printf("runai-stub listening on http://%s\n  admin client ID:     %s\n  admin client secret: %s\n", ln.Addr(), id, secret)
	if *adminToken != "" {
		fmt.Println("  admin bearer token:  (as given by --admin-token)")
	}

	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
