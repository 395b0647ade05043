package record

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// File is a record in a file of JSON lines, one entry per line, appended
// as changes are made and read back at start. It keeps its entries in
// memory too; past twice the limit the file is rewritten with the newest
// limit entries (through a temporary file and a rename, so a crash leaves
// the old or the new file, never half of one). One process per file:
// replicas share a record through Redis.
type File struct {
	mu    sync.Mutex
	mem   *Memory
	path  string
	f     *os.File
	lines int // lines in the file
	// Skipped counts lines of the file that could not be read at start.
	Skipped int
}

// OpenFile opens (or creates) the record at path, keeping at most limit
// entries.
func OpenFile(path string, limit int) (*File, error) {
	r := &File{mem: NewMemory(limit), path: path}
	if err := r.load(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r.f = f
	if r.lines > 2*r.mem.limit {
		if err := r.compact(); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return r, nil
}

func (r *File) load() error {
	f, err := os.Open(r.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		r.lines++
		var e Entry
		if json.Unmarshal(line, &e) != nil || e.Time.IsZero() {
			r.Skipped++ // a torn last line after a crash, say
			continue
		}
		r.mem.add(e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("record: read %s: %w", r.path, err)
	}
	return nil
}

// Add implements Store.
func (r *File) Add(_ context.Context, e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mem.Add(context.Background(), e) //nolint:errcheck // never fails
	if _, err := r.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r.lines++
	if r.lines > 2*r.mem.limit {
		return r.compact()
	}
	return nil
}

// compact rewrites the file with the entries in memory; r.mu is held (or
// r is not shared yet).
func (r *File) compact() error {
	entries := r.mem.recent(r.mem.limit)
	tmp, err := os.CreateTemp(filepath.Dir(r.path), ".record-*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	w := bufio.NewWriter(tmp)
	for i := len(entries) - 1; i >= 0; i-- { // oldest first, as appended
		line, _ := json.Marshal(entries[i])
		w.Write(append(line, '\n')) //nolint:errcheck // Flush reports it
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := os.Rename(tmp.Name(), r.path); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r.f.Close()
	r.f, r.lines = f, len(entries)
	return nil
}

// Recent implements Store.
func (r *File) Recent(ctx context.Context, n int) ([]Entry, error) { return r.mem.Recent(ctx, n) }

// Identities implements Store.
func (r *File) Identities(ctx context.Context, ids []string) (map[string][]string, error) {
	return r.mem.Identities(ctx, ids)
}

// Backend implements Store.
func (r *File) Backend() string { return "file" }

// Close implements Store.
func (r *File) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.f.Close()
}
