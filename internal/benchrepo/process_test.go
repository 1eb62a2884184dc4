package benchrepo

import (
	"runtime"
	"testing"
)

// TestExecMeasuresTheChildAlone: a small child of a large process peaks
// at its own size. getrusage said the parent's: Go's vfork shares the
// parent's memory until the exec, and Linux carries its high-water mark
// over.
func TestExecMeasuresTheChildAlone(t *testing.T) {
	ballast := make([]byte, 300<<20)
	for i := range ballast {
		ballast[i] = 1 // resident, not just reserved
	}
	r, err := Exec("/bin/sh", "-c", "sleep 0.2")
	runtime.KeepAlive(ballast)
	if err != nil || r.ExitCode != 0 {
		t.Fatalf("exec: %v, exit %d: %s", err, r.ExitCode, r.Output)
	}
	if r.PeakRSS <= 0 || r.PeakMB() > 50 {
		t.Fatalf("sh sleeping peaked at %.1f MB beside a 300 MB parent, want its own few MB", r.PeakMB())
	}
}
