package deploy

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// stage is one FROM … block of the Dockerfile.
type stage struct {
	from, name string
	lines      []*parser.Node // instructions after FROM
}

func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			s := stage{from: n.Next.Value}
			if a := n.Next.Next; a != nil && strings.EqualFold(a.Value, "as") && a.Next != nil {
				s.name = a.Next.Value
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			continue // ARG before FROM
		}
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, n)
	}
	return stages
}

func instr(s stage, name string) []*parser.Node {
	var out []*parser.Node
	for _, n := range s.lines {
		if strings.EqualFold(n.Value, name) {
			out = append(out, n)
		}
	}
	return out
}

func args(n *parser.Node) string {
	var parts []string
	for a := n.Next; a != nil; a = a.Next {
		parts = append(parts, a.Value)
	}
	return strings.Join(parts, " ")
}

// buildCommand is the Dockerfile's go build line.
func buildCommand(t *testing.T, stages []stage) string {
	t.Helper()
	for _, r := range instr(stages[0], "run") {
		if a := args(r); strings.Contains(a, "go build") {
			return a
		}
	}
	t.Fatal("no go build in the build stage")
	return ""
}

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t)
	if len(stages) < 2 || stages[0].name == "" {
		t.Fatalf("want a named build stage and a run stage, got %d stages", len(stages))
	}
	build, final := buildCommand(t, stages), stages[len(stages)-1]
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-ldflags", "-X github.com/runai-tools/sa-dashboard/internal/version.Version=${VERSION}", "./cmd/web"} {
		if !strings.Contains(build, want) {
			t.Errorf("build command lacks %q: %s", want, build)
		}
	}
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		t.Errorf("final image %q is neither distroless static nor scratch", final.from)
	}
	if len(instr(final, "run")) != 0 {
		t.Error("the final stage runs commands (it has no shell)")
	}
	users := instr(final, "user")
	if len(users) == 0 {
		t.Fatal("no USER in the final stage")
	}
	if u := args(users[len(users)-1]); u == "root" || u == "0" || strings.HasPrefix(u, "0:") {
		t.Errorf("runs as %q", u)
	}
	if len(instr(final, "expose")) == 0 {
		t.Error("no EXPOSE")
	}
	copies := instr(final, "copy")
	if len(copies) != 1 || !strings.Contains(strings.Join(copies[0].Flags, " "), "--from="+stages[0].name) {
		t.Error("the final stage should copy only the binary from the build stage")
	}
	if len(instr(final, "entrypoint")) != 1 {
		t.Error("no ENTRYPOINT")
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(".dockerignore missing")
	}
	for _, want := range []string{".git", ".cache"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).Match(ignore) {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
}

// TestBinaryAsInDockerfile builds the binary with the Dockerfile's own
// build command and runs it the way the image does: from an empty
// directory, with an empty environment. It must serve the demo.
func TestBinaryAsInDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmdline := buildCommand(t, parseDockerfile(t))
	out := t.TempDir()
	cmdline = strings.ReplaceAll(cmdline, "/out/", out+"/")
	cmdline = strings.ReplaceAll(cmdline, "${VERSION}", "v9.9.9-test")
	build := exec.Command("sh", "-c", cmdline)
	build.Dir = ".."
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, b)
	}
	bin := filepath.Join(out, "runai-sa-dashboard")
	if b, err := exec.Command("go", "version", "-m", bin).Output(); err != nil || !strings.Contains(string(b), "CGO_ENABLED=0") || !strings.Contains(string(b), "-trimpath=true") {
		t.Errorf("binary is not a static trimpath build:\n%s", b)
	}

	run := exec.Command(bin, "--listen", "127.0.0.1:0")
	run.Dir = t.TempDir()
	run.Env = []string{}
	stdout, _ := run.StdoutPipe()
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = run.Process.Kill(); _ = run.Wait() }()
	sc := bufio.NewScanner(stdout)
	var banner []string
	for sc.Scan() && len(banner) < 2 {
		banner = append(banner, sc.Text())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	text := strings.Join(banner, "\n")
	if !strings.Contains(text, "v9.9.9-test") {
		t.Errorf("version not stamped: %q", text)
	}
	m := regexp.MustCompile(`open:\s+(\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no URL in %q", text)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, p := range []string{"healthz", "readyz", "signin"} {
		res, err := client.Get(m[1] + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET /%s: %d", p, res.StatusCode)
		}
	}
	if entries, _ := os.ReadDir(run.Dir); len(entries) != 0 {
		t.Errorf("the binary wrote %d files into its working directory", len(entries))
	}
}
