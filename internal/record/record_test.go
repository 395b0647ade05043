package record_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	if n := strings.Count(string(b), "\n"); n > 20 || n < 10 {
		t.Errorf("%d lines in the file, want 10 to 20", n)
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
	if g.Skipped != 1 || len(got) != 10 || got[0] != entry(94) {
		t.Errorf("after a torn line: skipped %d, %d entries, newest %+v", g.Skipped, len(got), got[0])
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
