package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// line is one row of the report: a measure, what it is compared with, the
// ratio and the target. A line without a target is context.
type line struct {
	measure, value, floor, ratio, target string
	verdict                              string // "ok", "MISSED" or "" without a target
}

// report collects the lines of a run.
type report struct {
	lines  []line
	missed int
}

// check records l with its verdict.
func (r *report) check(l line, ok bool) {
	l.verdict = "ok"
	if !ok {
		l.verdict = "MISSED"
		r.missed++
	}
	r.lines = append(r.lines, l)
}

// note records a line without a target.
func (r *report) note(l line) { r.lines = append(r.lines, l) }

// ratioLine is a timed measure against its floor, with at most target as
// the ratio.
func (r *report) ratioLine(measure string, v time.Duration, floor string, f time.Duration, target float64) {
	ratio := v.Seconds() / f.Seconds()
	r.check(line{measure: measure, value: ms(v), floor: floor + " " + ms(f),
		ratio: fmt.Sprintf("%.2f", ratio), target: fmt.Sprintf("≤ %g", target)}, ratio <= target)
}

// goBenchTargets are the ratios the Go benchmark pairs report, by
// benchmark name prefix.
var goBenchTargets = []struct {
	prefix, measure, floor string
	target                 float64
}{
	{"BenchmarkRenderPair", "view render", "json.Marshal of the shown accounts", 3},
	{"BenchmarkDecodePair", "API client's decode (one pass, json/v2, tolerant):", "encoding/json into plain structs", 1},
}

// addGoBench reads `go test -bench` output and records every pair's ratio
// (the "ratio" metric) against its target.
func (r *report) addGoBench(out []byte) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				m[f[i+1]] = v
			}
		}
		ratio, ok := m["ratio"]
		if !ok {
			continue
		}
		for _, t := range goBenchTargets {
			if !strings.HasPrefix(f[0], t.prefix) {
				continue
			}
			name := strings.TrimPrefix(f[0], t.prefix)
			if i := strings.LastIndexByte(name, '-'); i >= 0 {
				name = name[:i] // the GOMAXPROCS suffix
			}
			r.check(line{
				measure: t.measure + strings.ReplaceAll(name, "/", " "),
				value:   ms(time.Duration(m["ns/op-subject"])),
				floor:   t.floor + " " + ms(time.Duration(m["ns/op-floor"])),
				ratio:   fmt.Sprintf("%.2f", ratio), target: fmt.Sprintf("≤ %g", t.target),
			}, ratio <= t.target)
		}
	}
}

// addLighthouse records the median scores of the audits at n accounts.
func (r *report) addLighthouse(n int, runs []lighthouseRun) {
	med := medianRun(runs)
	perf := 95
	if n <= 30 {
		perf = 100
	}
	at := fmt.Sprintf(" at %d accounts", n)
	r.check(line{measure: "Lighthouse performance (desktop)" + at, value: strconv.Itoa(med.score("performance")),
		floor:  fmt.Sprintf("runs %v; TBT %.0f ms, LCP %.0f ms, %d DOM elements", scores(runs), med.TBT, med.LCP, med.DOMSize),
		target: "≥ " + strconv.Itoa(perf)}, med.score("performance") >= perf)
	for _, c := range []string{"accessibility", "best-practices", "seo"} {
		var failed string
		if len(med.Failed[c]) > 0 {
			failed = "failed: " + strings.Join(med.Failed[c], ", ")
		}
		r.check(line{measure: "Lighthouse " + c + at, value: strconv.Itoa(med.score(c)), floor: failed, target: "100"}, med.score(c) == 100)
	}
}

// print writes the report as an aligned Markdown table.
func (r *report) print(out io.Writer) {
	rows := [][]string{{"measure", "value", "compared with", "ratio", "target", ""}}
	for _, l := range r.lines {
		rows = append(rows, []string{l.measure, l.value, l.floor, l.ratio, l.target, l.verdict})
	}
	width := []int{3, 3, 3, 3, 3, 3}
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	cells := func(row []string) string {
		var b strings.Builder
		for i, c := range row {
			b.WriteString("| " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " ")
		}
		return b.String() + "|\n"
	}
	fmt.Fprint(out, cells(rows[0]))
	rule := make([]string, len(width))
	for i, w := range width {
		rule[i] = strings.Repeat("-", w)
	}
	fmt.Fprint(out, strings.ReplaceAll(cells(rule), " ", "-"))
	for _, row := range rows[1:] {
		fmt.Fprint(out, cells(row))
	}
	if r.missed == 0 {
		fmt.Fprintln(out, "\nEvery target holds.")
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
