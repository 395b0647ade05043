package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// lighthouseRun is what one Lighthouse audit found.
type lighthouseRun struct {
	Scores   map[string]float64  // category id → 0..1
	Failed   map[string][]string // category id → the weighted audits that did not pass
	TBT, LCP float64             // milliseconds
	DOMSize  int
}

// score is a category's score out of 100.
func (r lighthouseRun) score(id string) int { return int(r.Scores[id]*100 + 0.5) }

// medianRun is the run with the median performance score.
func medianRun(runs []lighthouseRun) lighthouseRun {
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b lighthouseRun) int { return a.score("performance") - b.score("performance") })
	return s[len(s)/2]
}

// scores lists the runs' performance scores.
func scores(runs []lighthouseRun) []int {
	var out []int
	for _, r := range runs {
		out = append(out, r.score("performance"))
	}
	return out
}

// audit signs a browser in to t and runs Lighthouse (desktop preset) on
// its accounts page o.lhRuns times.
func audit(ctx context.Context, o options, t *target) ([]lighthouseRun, error) {
	b := newBrowser()
	if err := b.signIn(ctx, t); err != nil {
		return nil, err
	}
	headers, _ := json.Marshal(map[string]string{"Cookie": b.cookie(t)})
	dir, err := os.MkdirTemp("", "loadbench-lighthouse")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var (
		runs    []lighthouseRun
		retried bool
	)
	for i := 0; i < o.lhRuns; i++ {
		out := filepath.Join(dir, fmt.Sprintf("run-%d.json", i))
		cmd := exec.CommandContext(ctx, o.lighthouse, t.url(paths.Accounts.Link()),
			"--preset=desktop", "--quiet", "--output=json", "--output-path="+out,
			"--only-categories=performance,accessibility,best-practices,seo",
			"--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-background-networking --disable-component-update --disable-sync",
			"--extra-headers="+string(headers))
		cmd.Env = append(os.Environ(), "CHROME_PATH="+o.chromium)
		if msg, err := cmd.CombinedOutput(); err != nil {
			// Lighthouse's own failures to record a load (NO_NAVSTART, a
			// trace lost on a busy machine) are its, not the page's: such
			// a run is made again, once.
			if !strings.Contains(string(msg), "Runtime error encountered") || retried {
				return nil, fmt.Errorf("lighthouse: %w\n%s", err, strings.TrimSpace(string(msg)))
			}
			retried = true
			fmt.Fprintf(os.Stderr, "loadbench: Lighthouse failed to record run %d (%s), running it again\n", i+1, lighthouseReason(msg))
			i--
			continue
		}
		r, err := readLighthouse(out)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// readLighthouse reads the parts of a Lighthouse JSON report the bench
// reports.
func readLighthouse(path string) (lighthouseRun, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return lighthouseRun{}, err
	}
	var rep struct {
		Categories map[string]struct {
			Score     *float64 `json:"score"`
			AuditRefs []struct {
				ID     string  `json:"id"`
				Weight float64 `json:"weight"`
			} `json:"auditRefs"`
		} `json:"categories"`
		Audits map[string]struct {
			Score        *float64 `json:"score"`
			NumericValue float64  `json:"numericValue"`
		} `json:"audits"`
		RuntimeError *struct{ Code, Message string } `json:"runtimeError"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return lighthouseRun{}, fmt.Errorf("%s: %w", path, err)
	}
	if rep.RuntimeError != nil {
		return lighthouseRun{}, fmt.Errorf("lighthouse: %s: %s", rep.RuntimeError.Code, rep.RuntimeError.Message)
	}
	r := lighthouseRun{Scores: map[string]float64{}, Failed: map[string][]string{}}
	for id, c := range rep.Categories {
		if c.Score == nil {
			return r, fmt.Errorf("lighthouse gave no %s score", id)
		}
		r.Scores[id] = *c.Score
		for _, ref := range c.AuditRefs {
			if a := rep.Audits[ref.ID]; ref.Weight > 0 && a.Score != nil && *a.Score < 1 {
				r.Failed[id] = append(r.Failed[id], ref.ID)
			}
		}
	}
	r.TBT = rep.Audits["total-blocking-time"].NumericValue
	r.LCP = rep.Audits["largest-contentful-paint"].NumericValue
	r.DOMSize = int(rep.Audits["dom-size"].NumericValue)
	return r, nil
}

// lighthouseReason is the code in brackets of a Lighthouse runtime error
// ("NO_NAVSTART"), or its first line.
func lighthouseReason(msg []byte) string {
	m := string(msg)
	if i := strings.LastIndex(m, "("); i >= 0 {
		if j := strings.Index(m[i:], ")"); j > 0 {
			return m[i+1 : i+j]
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(m), "\n")
	return first
}
