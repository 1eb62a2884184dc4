package soak

import (
	"github.com/kgitops/kgitops/internal/promtext"

	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kgitops/kgitops/internal/daemon"
)

// sample is one read of the daemon's /metrics, between two reads of its
// /status that saw the same pass count.
type sample struct {
	at         time.Time
	rss        float64 // process_resident_memory_bytes
	heap       float64 // go_memstats_heap_inuse_bytes
	goroutines float64 // go_goroutines
	passes     int
	// mismatch says how /metrics and /status disagreed, after retries;
	// empty when they agree.
	mismatch string
}

// sampler reads the daemon every interval.
type sampler struct {
	p     *daemonProc
	every time.Duration

	mu      sync.Mutex
	samples []sample
	errs    []string // reads that failed
}

// The process and Go collectors must be on the daemon's registry: the
// soak's memory and goroutine figures come from them.
var requiredSeries = []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "go_goroutines",
	"kgitops_reconcile_total", "kgitops_drift_resources"}

func (s *sampler) run(ctx context.Context) {
	for {
		s.take(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.every):
		}
	}
}

// take reads status, metrics, status; it retries (up to 5 times) when a
// pass ended in between, or when the two disagree, since a pass sets its
// metrics a moment before its status.
func (s *sampler) take(ctx context.Context) {
	var last sample
	var err error
	for range 5 {
		if last, err = s.read(ctx); err != nil || last.mismatch == "" {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			s.errs = append(s.errs, err.Error())
		}
		return
	}
	s.samples = append(s.samples, last)
}

func (s *sampler) read(ctx context.Context) (sample, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	before, err := s.p.status(rctx)
	if err != nil {
		return sample{}, err
	}
	sc, err := s.p.metrics(rctx)
	if err != nil {
		return sample{}, err
	}
	after, err := s.p.status(rctx)
	if err != nil {
		return sample{}, err
	}
	for _, name := range requiredSeries {
		if !sc.Has(name) {
			return sample{}, fmt.Errorf("/metrics has no %s", name)
		}
	}
	x := sample{at: time.Now(), rss: sc.Sum("process_resident_memory_bytes", nil), heap: sc.Sum("go_memstats_heap_inuse_bytes", nil),
		goroutines: sc.Sum("go_goroutines", nil), passes: after.Passes}
	if before.Passes != after.Passes {
		x.mismatch = "a pass ended during the read"
		return x, nil
	}
	x.mismatch = strings.Join(disagreements(after, sc), "; ")
	return x, nil
}

// disagreements compares what /status and /metrics say of the same
// moment: passes, drift, the applied and the enforced revision.
func disagreements(st daemon.Status, sc promtext.Scrape) []string {
	var out []string
	if n := sc.Sum("kgitops_reconcile_total", nil); int(n) != st.Passes {
		out = append(out, fmt.Sprintf("kgitops_reconcile_total sums to %.0f, /status passes %d", n, st.Passes))
	}
	if n := sc.Sum("kgitops_drift_resources", nil); int(n) != len(st.Drift) {
		out = append(out, fmt.Sprintf("kgitops_drift_resources sums to %.0f, /status lists %d drift", n, len(st.Drift)))
	}
	if rev := sc.Label("kgitops_last_applied_revision_info", "revision"); rev != st.LastAppliedRevision {
		out = append(out, fmt.Sprintf("kgitops_last_applied_revision_info is %q, /status lastAppliedRevision %q", rev, st.LastAppliedRevision))
	}
	if rev := sc.Label("kgitops_enforced_revision_info", "revision"); rev != st.EnforcedRevision {
		out = append(out, fmt.Sprintf("kgitops_enforced_revision_info is %q, /status enforcedRevision %q", rev, st.EnforcedRevision))
	}
	return out
}

func (s *sampler) all() ([]sample, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sample(nil), s.samples...), append([]string(nil), s.errs...)
}
