package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the command, so the test below runs
// the real main with real flags and signals.
func TestMain(m *testing.M) {
	if os.Getenv("RUNAI_STUB_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestCommandServesAndShutsDown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			const token = "tok-e3b0c44298fc1c14"
			cmd := exec.Command(os.Args[0], "--addr", "127.0.0.1:0", "--admin-token", token, "--seed", "30")
			cmd.Env = append(os.Environ(), "RUNAI_STUB_AS_MAIN=1")
			stdout, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, stdout)
			base := strings.TrimSpace(strings.TrimPrefix(line, "runai-stub listening on "))

			req, _ := http.NewRequest("GET", base+"/api/v1/service-accounts", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || strings.Count(string(b), `"clientId"`) != 30 {
				t.Fatalf("list = %d, %d accounts", resp.StatusCode, strings.Count(string(b), `"clientId"`))
			}

			_ = cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit: %v\n%s", err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("did not shut down")
			}
			logs := stderr.String()
			if !strings.Contains(logs, "path=/api/v1/service-accounts") || !strings.Contains(logs, "status=200") {
				t.Errorf("no request line in the log:\n%s", logs)
			}
			if strings.Contains(logs, token) {
				t.Error("the log contains the bearer token")
			}
		})
	}
}

func TestRejectsUnknownFlags(t *testing.T) {
	if err := run([]string{"--nope"}); err == nil {
		t.Error("unknown flag accepted")
	}
	if err := run([]string{"extra"}); err == nil {
		t.Error("stray argument accepted")
	}
}
