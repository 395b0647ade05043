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

// File is a record in a file of JSON lines, one line per intent or
// outcome, appended as changes are made and read back at start. It keeps
// its lines in memory too; past twice what it keeps the file is rewritten
// with the newest changes (through a temporary file and a rename, so a
// crash leaves the old or the new file, never half of one). A process
// killed while it appended leaves a torn last line: opening the file cuts
// it off (Repaired says how many bytes), so that the next line starts on
// a line of its own. One process per file: replicas share a record
// through Redis.
type File struct {
	mu    sync.Mutex
	mem   *Memory
	path  string
	f     *os.File
	lines int // lines in the file
	// Skipped counts whole lines of the file that could not be read at
	// start (written by something else).
	Skipped int
	// Repaired is how many bytes of a torn last line opening the file cut
	// off; 0 when it ended on a whole line.
	Repaired int
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
	if r.lines > 2*r.mem.lines {
		if err := r.compact(); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return r, nil
}

func (r *File) load() error {
	b, err := os.ReadFile(r.path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if whole := bytes.LastIndexByte(b, '\n') + 1; whole < len(b) {
		// The process ended while it appended: end a line it finished but
		// for its newline; cut one it did not off. Either way the next
		// line is not glued to it.
		var e Entry
		if json.Unmarshal(b[whole:], &e) == nil && !e.Time.IsZero() {
			if err := appendNewline(r.path); err != nil {
				return err
			}
			b = append(b, '\n')
		} else {
			if err := os.Truncate(r.path, int64(whole)); err != nil {
				return fmt.Errorf("record: repair the torn last line of %s: %w", r.path, err)
			}
			r.Repaired, b = len(b)-whole, b[:whole]
		}
	}
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		r.lines++
		var e Entry
		if json.Unmarshal(line, &e) != nil || e.Time.IsZero() {
			r.Skipped++
			continue
		}
		r.mem.add(e)
	}
	return nil
}

// appendNewline ends the file at path with a newline.
func appendNewline(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	_, err = f.Write([]byte{'\n'})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record: end the last line of %s: %w", path, err)
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
	if r.lines > 2*r.mem.lines {
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
