package membudget

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitIsTheBudgetUntilTheLiveHeapNeedsMore(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, 64 << 20},
		{40 << 20, 64 << 20},            // 1.5 × 40 = 60 MiB: the budget
		{50 << 20, 75 << 20},            // 1.5 × 50 = 75 MiB: above the budget
		{1 << 30, 3 << 29},              // a large repo: collected as at GOGC=50
		{math.MaxUint64, math.MaxInt64}, // no overflow
	} {
		if got := Limit(64<<20, c.live); got != c.want {
			t.Errorf("Limit(64 MiB, %d) = %d, want %d", c.live, got, c.want)
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
