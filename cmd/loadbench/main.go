// Command loadbench measures the dashboard the way a new user's browser
// meets it (keep-alive, gzip) at the API's maximum of 1000 accounts, and
// prints each figure as a ratio to the upstream answer it depends on,
// measured in the same run: the list page and its fragments against the
// upstream's own list answer, 20 concurrent clients against the upstream
// alone, the HTML per row, and (with -lighthouse) Lighthouse's scores.
// With -gobench it adds the ratios `go test -bench` printed.
//
// It starts the stub Run:ai API in process and the dashboard binary as a
// child process on loopback, so the dashboard's peak RSS is its own.
//
//	go build -o /tmp/web ./cmd/web && go run ./cmd/loadbench -dashboard /tmp/web
//
// `make bench` runs it with everything.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// options are loadbench's flags.
type options struct {
	dashboard  string        // the dashboard binary
	accounts   int           // accounts in the stub for the load figures
	small      int           // accounts in the stub for the second Lighthouse audit
	pairs      int           // interleaved request pairs per measure
	clients    int           // concurrent clients
	duration   time.Duration // how long the concurrent clients run, in total per side
	goBench    string        // a file of `go test -bench` output to report the ratios of
	lighthouse string        // the lighthouse CLI; empty skips the audits
	chromium   string        // the browser Lighthouse drives
	lhRuns     int           // Lighthouse runs per page (the median is reported)
	flood      int           // anonymous requests of the flood measure; 0 skips it
	rules      int           // service-account access rules in the stub of the load figures
	sessions   int           // signed-in sessions of the memory measure; 0 skips it
	idle       time.Duration // how long the memory measure waits before its second reading
	delivery   bool          // also measure memory with delivery into Kubernetes on (envtest)
}

func main() {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ExitOnError)
	fs.StringVar(&o.dashboard, "dashboard", "", "the dashboard binary (go build ./cmd/web); required")
	fs.IntVar(&o.accounts, "accounts", 1000, "accounts in the stub")
	fs.IntVar(&o.small, "small", 30, "accounts in the stub of the second Lighthouse audit")
	fs.IntVar(&o.pairs, "pairs", 300, "interleaved request pairs per measure")
	fs.IntVar(&o.clients, "clients", 20, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 6*time.Second, "how long the concurrent clients run on each side, in total")
	fs.StringVar(&o.goBench, "gobench", "", "file with `go test -bench` output whose ratios to report")
	fs.StringVar(&o.lighthouse, "lighthouse", "", "the lighthouse CLI (npm lighthouse@12.2.3); empty skips the audits")
	fs.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "the browser Lighthouse drives")
	fs.IntVar(&o.lhRuns, "lighthouse-runs", 3, "Lighthouse runs per page; the median is reported")
	fs.IntVar(&o.flood, "flood", 100000, "anonymous requests sent to the sign-in page, with an admin signed in; 0 skips")
	fs.IntVar(&o.rules, "rules", 1500, "service-account access rules in the stub of the load figures")
	fs.IntVar(&o.sessions, "sessions", 600, "admins who sign in and open the list once each, for the memory figures; 0 skips")
	fs.DurationVar(&o.idle, "idle", time.Minute, "how long the memory measure waits, idle, before its second reading")
	fs.BoolVar(&o.delivery, "delivery", false, "repeat the memory measure with delivery into Kubernetes Secrets on: a real kube-apiserver (KUBEBUILDER_ASSETS, scripts/envtest-deps.sh) holding one delivered Secret per account")
	_ = fs.Parse(os.Args[1:])
	if o.dashboard == "" {
		fmt.Fprintln(os.Stderr, "loadbench: -dashboard is required (go build -o /tmp/web ./cmd/web)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// run takes every measure and prints the report to out, with progress on
// log.
func run(ctx context.Context, o options, out, log io.Writer) error {
	var rep report
	if o.goBench != "" {
		b, err := os.ReadFile(o.goBench)
		if err != nil {
			return err
		}
		rep.addGoBench(b)
	}

	fmt.Fprintf(log, "loadbench: stub with %d accounts, dashboard %s\n", o.accounts, o.dashboard)
	big, err := start(ctx, o.dashboard, o.accounts, o.rules, variant{})
	if err != nil {
		return err
	}
	defer big.stop()
	if err := measureLoad(ctx, big, o, &rep, log); err != nil {
		return fmt.Errorf("%w\n%s", err, big.output())
	}

	if o.flood > 0 {
		// A dashboard of its own: the load above must not blur its memory.
		fl, err := start(ctx, o.dashboard, o.small, 0, variant{})
		if err != nil {
			return err
		}
		err = measureFlood(ctx, fl, o.flood, &rep, log)
		fl.stop()
		if err != nil {
			return fmt.Errorf("%w\n%s", err, fl.output())
		}
	}

	if o.sessions > 0 {
		// A dashboard of its own, at the load figures' size.
		ms, err := start(ctx, o.dashboard, o.accounts, o.rules, variant{})
		if err != nil {
			return err
		}
		err = measureSessions(ctx, ms, o, "", &rep, log)
		ms.stop()
		if err != nil {
			return fmt.Errorf("%w\n%s", err, ms.output())
		}
		if o.delivery {
			if err := measureDelivery(ctx, o, &rep, log); err != nil {
				return err
			}
		}
		for _, h := range []struct {
			name string
			h    stub.Hostile
		}{{"250,000 rules claimed", stub.Hostile{RulesTotal: 250_000}}, {"25,000 accounts listed", stub.Hostile{Accounts: 25_000}}} {
			if err := measureHostile(ctx, o, h.name, h.h, &rep, log); err != nil {
				return err
			}
		}
	}

	if o.lighthouse != "" {
		small, err := start(ctx, o.dashboard, o.small, 0, variant{})
		if err != nil {
			return err
		}
		defer small.stop()
		for _, t := range []*target{big, small} {
			fmt.Fprintf(log, "loadbench: Lighthouse at %d accounts, %d runs\n", t.accounts, o.lhRuns)
			r, err := audit(ctx, o, t)
			if err != nil {
				return err
			}
			rep.addLighthouse(t.accounts, r)
		}
	}
	rep.print(out)
	if rep.missed > 0 {
		return errors.New(plural(rep.missed, "target") + " missed (see the table)")
	}
	return nil
}

// plural is "1 target" or "3 targets".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
