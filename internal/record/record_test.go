package record_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/redistest"
)

func entry(i int) record.Entry {
	return record.Entry{Time: time.Unix(int64(1_700_000_000+i), 0).UTC(), SSO: "ada@corp.example", Subject: "admin",
		Action: "disable", AccountID: fmt.Sprint("id-", i), AccountName: fmt.Sprint("bot-", i), Outcome: record.Succeeded,
		RequestID: fmt.Sprint("req-", i)}
}

// stores opens each kind of store over the same fresh storage twice: the
// second open is the process after a restart (nil for memory).
func stores(t *testing.T, limit int) map[string]func() record.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "record.jsonl")
	out := map[string]func() record.Store{
		"file": func() record.Store {
			f, err := record.OpenFile(path, limit)
			if err != nil {
				t.Fatal(err)
			}
			return f
		},
	}
	mem := record.NewMemory(limit)
	out["memory"] = func() record.Store { return mem }
	if os.Getenv("SKIP_REDIS") == "" {
		srv := redistest.Start(t)
		out["redis"] = func() record.Store {
			r, err := record.OpenRedis(srv.URL, limit)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	return out
}

// checkAcrossRestart checks s, then (but for memory) the store opened
// again after closing it.
func checkAcrossRestart(name string, s record.Store, open func() record.Store, check func(record.Store)) {
	check(s)
	if name == "memory" {
		return
	}
	s.Close()
	again := open()
	defer again.Close()
	check(again)
}

// TestBoundedNewestFirst: every store keeps the newest limit entries,
// newest first; the file and Redis keep them across a restart.
func TestBoundedNewestFirst(t *testing.T) {
	const limit = 100
	for name, open := range stores(t, limit) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open()
			for i := range 3*limit + 7 {
				if err := s.Add(ctx, entry(i)); err != nil {
					t.Fatal(err)
				}
			}
			check := func(s record.Store) {
				t.Helper()
				got, err := s.Recent(ctx, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != limit || got[0] != entry(3*limit+6) || got[limit-1] != entry(2*limit+7) {
					t.Fatalf("%d entries, first %+v, last %+v", len(got), got[0], got[len(got)-1])
				}
				few, _ := s.Recent(ctx, 3)
				if len(few) != 3 || few[2] != entry(3*limit+4) {
					t.Errorf("Recent(3) = %+v", few)
				}
			}
			checkAcrossRestart(name, s, open, check)
		})
	}
}

// TestFileCompactsAndSurvivesATornLine: the file never grows past about
// twice the limit, and a torn last line (a crash mid-write) loses only
// that entry.
func TestFileCompactsAndSurvivesATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record.jsonl")
	f, err := record.OpenFile(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 95 {
		if err := f.Add(context.Background(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	b, _ := os.ReadFile(path)
	// Two lines a change (intent, outcome), and twice that before the
	// file is compacted.
	if n := strings.Count(string(b), "\n"); n > 40 || n < 10 {
		t.Errorf("%d lines in the file, want 10 to 40", n)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if err := os.WriteFile(path, append(b, []byte(`{"time":"2026-`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := record.OpenFile(path, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got, _ := g.Recent(context.Background(), 10)
	if g.Repaired != len(`{"time":"2026-`) || g.Skipped != 0 || len(got) != 10 || got[0] != entry(94) {
		t.Errorf("after a torn line: repaired %d bytes, skipped %d, %d entries, newest %+v", g.Repaired, g.Skipped, len(got), got[0])
	}
}

// TestFileKilledMidLine: a process killed at any byte of the line it was
// appending loses that line only; the file, opened again, takes the next
// change on a line of its own, and every change written whole is found.
func TestFileKilledMidLine(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.jsonl")
	f, err := record.OpenFile(whole, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		_ = f.Add(context.Background(), entry(i))
	}
	f.Close()
	b, _ := os.ReadFile(whole)
	lastStart := strings.LastIndex(strings.TrimSuffix(string(b), "\n"), "\n") + 1
	for cut := lastStart; cut <= len(b); cut++ {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d.jsonl", cut))
		if err := os.WriteFile(path, b[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		g, err := record.OpenFile(path, 100)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if err := g.Add(context.Background(), entry(99)); err != nil {
			t.Fatal(err)
		}
		g.Close()
		h, err := record.OpenFile(path, 100)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := h.Recent(context.Background(), 100)
		h.Close()
		want := 5 // the last line whole (cut at its newline or past it)
		if cut < len(b)-1 {
			want = 4 // torn: lost, alone
		}
		if len(got) != want+1 || got[0] != entry(99) || h.Skipped != 0 {
			t.Fatalf("cut at byte %d of %d: %d entries (want %d), newest %+v, skipped %d", cut, len(b), len(got), want+1, got[0], h.Skipped)
		}
	}
}

// TestIntentAndOutcome: a change's intent and outcome read as one entry,
// the outcome's; an intent alone (the process ended before the answer)
// reads as pending, in every store.
func TestIntentAndOutcome(t *testing.T) {
	for name, open := range stores(t, 50) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open()
			a, b := entry(1), entry(2)
			a.ID, b.ID = "change-a", "change-b"
			a.Outcome, b.Outcome = record.Pending, record.Pending
			_ = s.Add(ctx, a)
			_ = s.Add(ctx, b)
			a.Outcome = record.Succeeded
			_ = s.Add(ctx, a)
			check := func(s record.Store) {
				got, err := s.Recent(ctx, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].ID != "change-b" || got[0].Outcome != record.Pending || got[1].ID != "change-a" || got[1].Outcome != record.Succeeded {
					t.Errorf("%+v", got)
				}
			}
			checkAcrossRestart(name, s, open, check)
		})
	}
}

// TestRedisDown: a record in a Redis that does not answer says so.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	r, err := record.OpenRedis(srv.URL, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := r.Add(ctx, entry(1)); !errors.Is(err, record.ErrUnavailable) {
		t.Errorf("Add: %v", err)
	}
	if _, err := r.Recent(ctx, 1); !errors.Is(err, record.ErrUnavailable) {
		t.Errorf("Recent: %v", err)
	}
}

// TestIdentities: each store finds the identities behind request ids
// without the whole record, one per distinct identity; ids it does not
// hold are absent; the file and Redis answer after a restart.
func TestIdentities(t *testing.T) {
	for name, open := range stores(t, 100) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open()
			add := func(id, sso string) {
				e := entry(1)
				e.RequestID, e.SSO = id, sso
				if err := s.Add(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			add("bulk", "ada@corp.example")
			add("bulk", "ada@corp.example") // a bulk job: one request, many changes
			add("reused", "ada@corp.example")
			add("reused", "mallory@corp.example")
			add("plain", "")
			check := func(s record.Store) {
				t.Helper()
				got, err := s.Identities(ctx, []string{"bulk", "reused", "plain", "unknown"})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 3 || len(got["bulk"]) != 1 || got["bulk"][0] != "ada@corp.example" || len(got["reused"]) != 2 ||
					len(got["plain"]) != 1 || got["plain"][0] != "" {
					t.Errorf("identities = %q", got)
				}
			}
			checkAcrossRestart(name, s, open, check)
		})
	}
}

// TestFileSurvivesKill: a writer killed (SIGKILL) while it appends loses
// nothing it was told was written: every change it reported is found
// when the file is opened again, and the file takes new changes.
func TestFileSurvivesKill(t *testing.T) {
	if path := os.Getenv("RECORD_KILL_WRITER"); path != "" {
		f, err := record.OpenFile(path, 100_000)
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(2)
		}
		for i := 0; ; i++ {
			e := entry(i)
			e.ID, e.Outcome = fmt.Sprint("change-", i), record.Pending
			if err := f.Add(context.Background(), e); err != nil {
				os.Exit(3)
			}
			fmt.Println(i) // written: the parent may count on it
		}
	}
	path := filepath.Join(t.TempDir(), "record.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileSurvivesKill$")
	cmd.Env = append(os.Environ(), "RECORD_KILL_WRITER="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	reported := -1
	for sc.Scan() {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			t.Fatalf("writer said %q", sc.Text())
		}
		reported = n
		if n == 2000 {
			_ = cmd.Process.Kill() // mid-write, most likely
			break
		}
	}
	_ = cmd.Wait()
	f, err := record.OpenFile(path, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := f.Recent(context.Background(), 100_000)
	have := map[string]bool{}
	for _, e := range got {
		have[e.ID] = true
	}
	for i := 0; i <= reported; i++ {
		if !have[fmt.Sprint("change-", i)] {
			t.Fatalf("change %d was reported written but is not in the record (%d entries, repaired %d bytes)", i, len(got), f.Repaired)
		}
	}
	t.Logf("killed after %d reported changes: %d in the record, a torn line of %d bytes cut off", reported+1, len(got), f.Repaired)
	e := entry(99_999)
	e.ID = "after"
	if err := f.Add(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.Recent(context.Background(), 1); len(again) != 1 || again[0].ID != "after" {
		t.Errorf("after the repair: %+v", again)
	}
}
