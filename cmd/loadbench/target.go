package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// deployment is the shipped manifest the dashboard is measured as: its
// container's environment (GOMEMLIMIT) is the child's.
const deployment = "deploy/k8s/deployment.yaml"

// deployedEnv is the value the shipped deployment gives the dashboard's
// container for name; "" when it gives none.
func deployedEnv(name string) (string, error) {
	b, err := os.ReadFile(deployment)
	if err != nil {
		return "", fmt.Errorf("read the deployment (run loadbench from the repository's root): %w", err)
	}
	var m struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name string `json:"name"`
						Env  []struct{ Name, Value string }
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("%s: %w", deployment, err)
	}
	for _, c := range m.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			if c.Name == "dashboard" && e.Name == name {
				return e.Value, nil
			}
		}
	}
	return "", nil
}

// target is one stub Run:ai API (in this process) and one dashboard (a
// child process) in front of it.
type target struct {
	accounts int
	stub     *stub.Server
	stubSrv  *http.Server
	stubURL  string
	token    string // the upstream bearer token, for the floor requests
	dashURL  string // the dashboard's root, without a trailing "/"
	cmd      *exec.Cmd
	logs     *headWriter
}

// variant is how a measure's dashboard differs from the deployed one.
type variant struct {
	hostile *stub.Hostile // answers the stub cannot give, when set
	env     []string      // the dashboard's extra environment (delivery, say)
}

// start seeds a stub with n accounts (and, when rules > 0, that many
// service-account access rules), behind v's hostile answers when set,
// and starts the dashboard against it, with v's environment.
func start(ctx context.Context, bin string, n, rules int, v variant) (*target, error) {
	t := &target{accounts: n, token: randomHex(16), logs: &headWriter{max: 16 << 10}}
	t.stub = stub.New(stub.Config{Seed: n, AdminTokens: []string{t.token}})
	t.stub.GrowRules(rules)
	var upstream http.Handler = t.stub
	if v.hostile != nil {
		upstream = v.hostile.Wrap(t.stub)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t.stubURL = "http://" + ln.Addr().String()
	t.stubSrv = &http.Server{Handler: upstream, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = t.stubSrv.Serve(ln) }()

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	t.dashURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	memLimit, err := deployedEnv("GOMEMLIMIT")
	if err != nil {
		return nil, err
	}
	t.cmd = exec.CommandContext(ctx, bin)
	t.cmd.Env = append(os.Environ(),
		"RUNAI_URL="+t.stubURL,
		"SESSION_KEYS="+randomHex(32),
		"LISTEN_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"LOG_LEVEL=info",       // as deployed: one line per request
		"GOMEMLIMIT="+memLimit, // as deployed
	)
	t.cmd.Env = append(t.cmd.Env, v.env...)
	t.cmd.Stdout, t.cmd.Stderr = t.logs, t.logs
	if err := t.cmd.Start(); err != nil {
		t.stop()
		return nil, fmt.Errorf("start the dashboard: %w", err)
	}
	if err := t.waitReady(ctx); err != nil {
		t.stop()
		return nil, fmt.Errorf("%w\n%s", err, t.output())
	}
	return t, nil
}

// url is p on the dashboard.
func (t *target) url(p paths.Path) string { return t.dashURL + string(p) }

// waitReady polls /readyz until the dashboard answers 200.
func (t *target) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", t.url(paths.Readyz.Link()), nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the dashboard at %s was not ready within 30 s", t.dashURL)
}

// peakRSS is the dashboard process's peak resident set (VmHWM), in bytes.
func (t *target) peakRSS() (int64, error) { return t.status("VmHWM") }

// rss is the dashboard process's resident set now (VmRSS), in bytes.
func (t *target) rss() (int64, error) { return t.status("VmRSS") }

// status reads a size in kB from the process's /proc status.
func (t *target) status(field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, t.cmd.Process.Pid)
}

// stop ends the dashboard and the stub.
func (t *target) stop() {
	if t.cmd != nil && t.cmd.Process != nil {
		_ = t.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = t.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = t.cmd.Process.Kill()
		}
	}
	if t.stubSrv != nil {
		_ = t.stubSrv.Close()
	}
}

// output is the start of the dashboard's output, for a failure message.
func (t *target) output() string { return "dashboard output:\n" + t.logs.String() }

// headWriter keeps the first max bytes written to it and drops the rest.
type headWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (w *headWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
