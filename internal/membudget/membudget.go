// Package membudget keeps a kgitops process within a memory budget while its
// heap is small enough to fit, and out of the way when it is not.
//
// Go's collector lets the heap grow to twice what is alive (GOGC=100) and
// gives freed memory back to the system slowly. A plan of 10,000 topics and
// 20,000 ACLs holds about 50 MB alive at its peak, and its resident memory
// reached 135-160 MB. A soft memory limit (runtime/debug.SetMemoryLimit)
// makes the collector run, and return memory, as the process nears the
// budget instead. A fixed limit would make a larger repo's process collect
// without pause once what is alive nears it, so the limit follows the live
// heap up: it is never below 1.5 times the heap alive at the last
// collection, which is what GOGC=50 allows.
package membudget

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Default is the budget of a kgitops process. With it, `kgitops plan` of
// the benchmark's scale repo (10,000 topics, 20,000 ACLs) against one real
// broker peaked at 89-93 MB resident instead of 133-144 MB, and took 1.68-1.76 s
// instead of 1.53-1.69 s (2026-12-05); about 25 MB of the resident memory is
// the binary itself.
const Default = 64 << 20

// every is how often the limit is moved after the live heap: the live heap
// changes only when a collection ends.
const every = 50 * time.Millisecond

const liveHeap = "/gc/heap/live:bytes"

// Start sets the budget as the process's soft memory limit and moves the
// limit up as the live heap grows, until stop is called, which restores the
// limit that was set before. It does nothing when getenv("GOMEMLIMIT") is
// set: the user's limit is kept as it is.
func Start(budget int64, getenv func(string) string) (stop func()) {
	if getenv("GOMEMLIMIT") != "" || budget <= 0 {
		return func() {}
	}
	before := debug.SetMemoryLimit(budget)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: liveHeap}}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return // a runtime without the metric: keep the budget
			}
			debug.SetMemoryLimit(Limit(budget, sample[0].Value.Uint64()))
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(before)
	}
}

// Limit is the soft memory limit for a budget when live bytes of heap were
// alive at the last collection: the budget, or 1.5 times the live heap when
// that is more.
func Limit(budget int64, live uint64) int64 {
	if live > math.MaxInt64/2 {
		return math.MaxInt64
	}
	return max(budget, int64(live)+int64(live)/2)
}
