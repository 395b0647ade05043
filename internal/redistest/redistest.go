// Package redistest runs a real redis-server for tests: on a free loopback
// port, with a password, persisting nothing, stopped when the test ends.
//
// The server binary is $TEST_REDIS_SERVER or redis-server on the PATH (the
// test command installs Debian's redis-server when it is missing). Without
// one a test is skipped, unless REDIS_REQUIRED is set (as in CI), when it
// fails.
package redistest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process.
type Server struct {
	// URL is the server's redis:// URL, password included.
	URL string

	t        testing.TB
	bin      string
	port     int
	password string
	cmd      *exec.Cmd
}

// Start runs a redis-server for the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("TEST_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			if os.Getenv("REDIS_REQUIRED") != "" {
				t.Fatal("redis-server is required (REDIS_REQUIRED is set) but not installed: run the tests with make test, which installs it")
			}
			t.Skip("no redis-server; make test installs it")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, bin: bin, port: port, password: rand.Text()}
	s.URL = fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", s.password, port)
	s.run()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) run() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--requirepass", s.password,
		"--save", "", "--appendonly", "no", "--dir", s.t.TempDir(), "--daemonize", "no", "--loglevel", "warning")
	out := &limited{max: 4096}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server did not answer within 10 s: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the server (all data is lost).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart stops the server and starts an empty one on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.run()
}

// Client is a client of the server, for looking at what is stored.
func (s *Server) Client() *redis.Client {
	opt, err := redis.ParseURL(s.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	return redis.NewClient(opt)
}

// limited keeps the first max bytes written to it.
type limited struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (l *limited) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - len(l.buf); room > 0 {
		l.buf = append(l.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limited) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
