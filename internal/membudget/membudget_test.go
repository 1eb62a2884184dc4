package membudget

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitIsTheBudgetUntilTheLiveHeapNeedsMore(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, other uint64
		want        int64
	}{
		{0, 0, 64 * mib},
		{40 * mib, 20 * mib, 64 * mib},        // 1.5 × 40 = 60 MiB, other not counted within the budget: the budget
		{50 * mib, 20 * mib, 75 * mib},        // 1.5 × 50 = 75 MiB: above the budget, other still not counted
		{96 * mib, 20 * mib, 154 * mib},       // 144 MiB and half of other: halfway to twice the budget
		{1 << 30, 100 * mib, 3<<29 + 100*mib}, // a large repo: 1.5 × live plus all of other, as at GOGC=50
		{math.MaxUint64, 0, math.MaxInt64},    // no overflow
	} {
		if got := Limit(64*mib, c.live, c.other); got != c.want {
			t.Errorf("Limit(64 MiB, live %d MiB, other %d MiB) = %d MiB, want %d MiB", c.live/mib, c.other/mib, got/mib, c.want/mib)
		}
	}
}

func TestStartSetsTheBudgetFollowsTheHeapAndRestores(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	noenv := func(string) string { return "" }
	stop := Start(8<<20, noenv)
	if got := debug.SetMemoryLimit(-1); got != 8<<20 {
		stop()
		t.Fatalf("limit after Start = %d, want the budget %d", got, 8<<20)
	}
	// Keep 32 MiB alive: the limit must rise above it, to 1.5 times it,
	// or the process would collect without pause.
	keep := make([][]byte, 32)
	for i := range keep {
		keep[i] = make([]byte, 1<<20)
		for j := range keep[i] {
			keep[i][j] = byte(j)
		}
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 48<<20 {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("with 32 MiB alive the limit stayed at %d, want at least 48 MiB", debug.SetMemoryLimit(-1))
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(keep)
	stop()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("limit after stop = %d, want the one before Start, %d", got, before)
	}
}

func TestStartLeavesAUsersLimitAlone(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	stop := Start(8<<20, func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	})
	defer stop()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("GOMEMLIMIT set: Start changed the limit from %d to %d", before, got)
	}
}
