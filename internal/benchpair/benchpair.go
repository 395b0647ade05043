// Package benchpair times a piece of work against the floor it is
// compared with, interleaved in one benchmark so that a noisy machine
// slows both alike, and reports both times and their ratio.
package benchpair

import (
	"testing"
	"time"
)

// Run times subject and floor alternately, once each per iteration, and
// reports ns/op-subject, ns/op-floor and ratio (subject over floor).
// loadbench reads the ratio.
func Run(b *testing.B, subject, floor func()) {
	b.Helper()
	b.ReportAllocs()
	var ts, tf time.Duration
	i := 0
	for b.Loop() {
		first, second := subject, floor
		if i%2 == 1 {
			first, second = floor, subject
		}
		t0 := time.Now()
		first()
		t1 := time.Now()
		second()
		t2 := time.Now()
		if i%2 == 1 {
			tf, ts = tf+t1.Sub(t0), ts+t2.Sub(t1)
		} else {
			ts, tf = ts+t1.Sub(t0), tf+t2.Sub(t1)
		}
		i++
	}
	b.ReportMetric(float64(ts.Nanoseconds())/float64(i), "ns/op-subject")
	b.ReportMetric(float64(tf.Nanoseconds())/float64(i), "ns/op-floor")
	b.ReportMetric(float64(ts)/float64(tf), "ratio")
}
