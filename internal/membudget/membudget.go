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
// heap up after every collection (see Limit): well above the budget, the
// heap grows as GOGC=50 lets it.
package membudget

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Default is the budget of a kgitops process. With it, `kgitops plan` of
// the benchmark's scale repo (10,000 topics, 20,000 ACLs) against one real
// broker peaked at 89-93 MB resident instead of 133-144 MB, and took 1.68-1.76 s
// instead of 1.53-1.69 s (2026-12-05); about 25 MB of the resident memory is
// the binary itself. `kgitops validate` of 60,000 topics and 80,000 ACLs
// takes 2.3 s with it, 2.0 s at GOGC=50 and 1.7 s without either.
const Default = 64 << 20

const (
	liveHeap     = "/gc/heap/live:bytes"
	totalMemory  = "/memory/classes/total:bytes"
	releasedHeap = "/memory/classes/heap/released:bytes"
	heapObjects  = "/memory/classes/heap/objects:bytes"
)

// Start sets the budget as the process's soft memory limit and moves the
// limit up as the live heap grows, until stop is called, which restores the
// limit that was set before. It does nothing when getenv("GOMEMLIMIT") is
// set: the user's limit is kept as it is.
//
// The limit moves at the end of every collection (a finalizer on an object
// made for it runs once the collection that found it dead ends). Polling
// lagged: while a large repo loads, the live heap grows between two polls,
// and the collector ran again and again at the old limit (a 60,000-topic
// validate took 2.6 s instead of 1.7 s without a limit; 2.0 s at GOGC=50).
func Start(budget int64, getenv func(string) string) (stop func()) {
	if getenv("GOMEMLIMIT") != "" || budget <= 0 {
		return func() {}
	}
	before := debug.SetMemoryLimit(budget)
	var stopped atomic.Bool
	var mu sync.Mutex // orders a move with stop's restore
	sample := []metrics.Sample{{Name: liveHeap}, {Name: totalMemory}, {Name: releasedHeap}, {Name: heapObjects}}
	move := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if stopped.Load() {
			return false
		}
		metrics.Read(sample)
		for _, m := range sample {
			if m.Value.Kind() != metrics.KindUint64 {
				return false // a runtime without the metrics: keep the budget
			}
		}
		live, total, released, objects := sample[0].Value.Uint64(), sample[1].Value.Uint64(), sample[2].Value.Uint64(), sample[3].Value.Uint64()
		// What the limit counts besides the heap's objects: free spans not
		// yet returned, stacks, the runtime's own structures.
		other := total - released - min(objects, total-released)
		debug.SetMemoryLimit(Limit(budget, live, other))
		return true
	}
	afterEachGC(move)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped.Store(true)
		debug.SetMemoryLimit(before)
	}
}

// sentinel is made only to be collected: its finalizer runs after the
// collection that found it unreachable. It holds a pointer so that it is
// never batched with other small objects.
type sentinel struct{ _ *byte }

// afterEachGC calls fn after every collection while fn returns true.
func afterEachGC(fn func() bool) {
	s := &sentinel{}
	runtime.SetFinalizer(s, func(*sentinel) {
		if fn() {
			afterEachGC(fn)
		}
	})
}

// Limit is the soft memory limit for a budget when live bytes of heap were
// alive at the last collection and the runtime held other bytes besides
// the heap's objects: the budget, or, when that is more, 1.5 times the live
// heap plus a share of other that grows from none, while the live heap is
// within the budget, to all of it once the live heap is twice the budget.
//
// The limit counts all of the runtime's memory, not the heap alone. Well
// above the budget, the heap may then grow by half of what is alive before
// the next collection, as GOGC=50 allows: 1.5 times the live heap alone
// collected a 60,000-topic repo's load as at GOGC=30, in 2.45 s instead of
// 2.0 s. Near the budget, where other is a large share, counting it would
// leave the budget unused: kgitops plan of 10,000 topics, whose live heap
// peaks near 50 MB, rose from 89-93 MB to 99-110 MB resident.
func Limit(budget int64, live, other uint64) int64 {
	share := min(max((float64(live)-float64(budget))/float64(budget), 0), 1)
	lim := float64(live)*1.5 + float64(other)*share
	if lim >= math.MaxInt64 {
		return math.MaxInt64
	}
	return max(budget, int64(lim))
}
