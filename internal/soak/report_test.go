package soak

import (
	"github.com/kgitops/kgitops/internal/promtext"

	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kgitops/kgitops/internal/daemon"
)

// The flatness criteria: the last third's peak within the first third's
// peak × ratio + slack. RSS and the heap may grow a little with the repo
// (pushes add topics: 150 over 30 minutes, 3% of 5,000); 25% is well
// above that and well below what a leak of one allocation per pass or per
// drift shows over 30 minutes. Goroutines are counted, not sized: a few
// come and go with connections and the webhook's requests, a leak adds one
// per pass or per wake.
const (
	memRatio        = 1.25
	goroutineSlack  = 5
	reportTimeRound = 10 * time.Millisecond
)

// report is what the soak saw, judged and printed.
type report struct {
	cfg        soakConfig
	broker     string
	firstApply time.Duration
	soaked     time.Duration
	drifts     []driftResult
	pushes     []pushResult
	samples    []sample
	sampleErrs []string
	logs       passLog
	last       daemon.Status
	scrape     promtext.Scrape
	exitCode   int
	exitTook   time.Duration
}

func (r report) trends() (rss, heap, goroutines Trend) {
	var a, b, c []float64
	for _, s := range r.samples {
		a, b, c = append(a, s.rss/1e6), append(b, s.heap/1e6), append(c, s.goroutines)
	}
	return TrendOf("RSS (MB)", a), TrendOf("heap in use (MB)", b), TrendOf("goroutines", c)
}

// judge returns every pass criterion the soak missed.
func (r report) judge() []string {
	var out []string
	if len(r.drifts) == 0 {
		out = append(out, "no drift was injected")
	}
	for _, d := range r.drifts {
		switch {
		case d.reverted:
		case d.late:
			out = append(out, fmt.Sprintf("drift %q on %s at %s reverted after %s, beyond %s", d.kind, d.target, d.at.Format(time.TimeOnly), d.latency.Round(reportTimeRound), r.cfg.bound))
		default:
			out = append(out, fmt.Sprintf("drift %q on %s at %s: %s", d.kind, d.target, d.at.Format(time.TimeOnly), d.err))
		}
	}
	for _, p := range r.pushes {
		if !p.applied {
			out = append(out, fmt.Sprintf("push %s: applied after %s (bound %s), %s, cluster differs on %v", p.sha, p.latency.Round(reportTimeRound), r.cfg.bound, p.err, p.mismatch))
		}
	}
	rss, heap, gs := r.trends()
	for _, err := range []error{rss.Flat(memRatio, 0), heap.Flat(memRatio, 0), gs.Flat(1, goroutineSlack)} {
		if err != nil {
			out = append(out, err.Error())
		}
	}
	for _, s := range r.samples {
		if s.mismatch != "" {
			out = append(out, fmt.Sprintf("/status and /metrics disagree at %s: %s", s.at.Format(time.TimeOnly), s.mismatch))
		}
	}
	for _, e := range r.sampleErrs {
		out = append(out, "read /status or /metrics: "+e)
	}
	if n := r.scrape.Sum("kgitops_reconcile_total", map[string]string{"result": "failure"}); n > 0 {
		out = append(out, fmt.Sprintf("%.0f passes failed: %s; changes failed: %v", n, r.errorClasses(), r.logs.failed))
	}
	return out
}

// errorClasses lists kgitops_reconcile_errors_total's non-zero classes.
func (r report) errorClasses() string {
	var parts []string
	for _, s := range r.scrape {
		if s.Name == "kgitops_reconcile_errors_total" && s.Value > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f", s.Labels["class"], s.Value))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func latencies[T any](xs []T, ok func(T) bool, d func(T) time.Duration) []time.Duration {
	var out []time.Duration
	for _, x := range xs {
		if ok(x) {
			out = append(out, d(x))
		}
	}
	return out
}

func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	return fmt.Sprintf("p50 %s, p95 %s, max %s", s(Percentile(ds, 50)), s(Percentile(ds, 95)), s(Percentile(ds, 100)))
}

// String is the summary, for the test log and the README.
func (r report) String(failures []string) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	passes := r.scrape.Sum("kgitops_reconcile_total", nil)
	failed := r.scrape.Sum("kgitops_reconcile_total", map[string]string{"result": "failure"})
	f("Soak of kgitops run, %s: %s of soak after the first apply, on the broker at %s", time.Now().Format(time.DateOnly), r.soaked.Round(time.Second), r.broker)
	f("- repo: %d topics (1 partition, 2 overrides each) + %d added by pushes, %d principals' ACLs, %d user quotas; --interval %s; bound %s (2 intervals + %s of polling)",
		r.cfg.topics, pushAdds*len(r.pushes), soakPrincipals, soakQuotaUsers, r.cfg.interval, r.cfg.bound, pollSlack)
	f("- first apply, until a pass found nothing left: %.1f s", r.firstApply.Seconds())
	reverted := latencies(r.drifts, func(d driftResult) bool { return d.reverted || d.late }, func(d driftResult) time.Duration { return d.latency })
	inTime := len(latencies(r.drifts, func(d driftResult) bool { return d.reverted }, func(driftResult) time.Duration { return 0 }))
	f("- drift: %d injected, %d reverted within the bound, %d late, %d never; revert latency %s", len(r.drifts), inTime, len(reverted)-inTime, len(r.drifts)-len(reverted), spread(reverted))
	byKind := map[string][]driftResult{}
	for _, d := range r.drifts {
		byKind[d.kind] = append(byKind[d.kind], d)
	}
	for _, k := range slices.Sorted(maps.Keys(byKind)) {
		ds := byKind[k]
		f("  - %s: %d, %s", k, len(ds), spread(latencies(ds, func(d driftResult) bool { return d.reverted || d.late }, func(d driftResult) time.Duration { return d.latency })))
	}
	applied := latencies(r.pushes, func(p pushResult) bool { return p.latency > 0 }, func(p pushResult) time.Duration { return p.latency })
	f("- pushes (each followed by a push webhook): %d, %d applied; push → lastAppliedRevision %s", len(r.pushes), len(applied), spread(applied))
	f("- passes: %.0f (%.0f failed; errors by class: %s); soak's successful passes took %s; %d changes applied during the soak", passes, failed, r.errorClasses(), spread(r.logs.durations), r.logs.applied)
	rss, heap, gs := r.trends()
	for _, t := range []Trend{rss, heap, gs} {
		f("- %s: first third %.4g–%.4g, last third %.4g–%.4g (%d samples every %s)", t.Name, t.FirstMin, t.FirstMax, t.LastMin, t.LastMax, t.Samples, r.cfg.sampleEvery)
	}
	mismatches := 0
	for _, s := range r.samples {
		if s.mismatch != "" {
			mismatches++
		}
	}
	f("- /status against /metrics (passes, drift, applied and enforced revision): %d samples, %d disagreements; at the end: %d passes, %d drift, lastAppliedRevision %.12s",
		len(r.samples), mismatches, r.last.Passes, len(r.last.Drift), r.last.LastAppliedRevision)
	f("- SIGINT at the end: exit %d after %.2f s", r.exitCode, r.exitTook.Seconds())
	if len(failures) == 0 {
		f("- result: PASS")
	} else {
		f("- result: FAIL (%d)", len(failures))
		for _, x := range failures {
			f("  - %s", x)
		}
	}
	return b.String()
}
