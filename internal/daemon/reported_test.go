package daemon

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kgitops/kgitops/reconcile"
)

// What a plan reports and leaves as it is on purpose (a partition away
// from its topic's placement, under placementDrift: report) is drift in
// the status, with its message, and in kgitops_drift_resources; the
// reassignments in progress and the throttle reach the metrics.
func TestReportedDriftAndReassignmentMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := &harness{t: t, reg: reg}
	h.d = New(Config{Source: &memSource{}, Metrics: NewMetrics(reg)})
	plan := &reconcile.Plan{
		Drift:         []reconcile.Refusal{{Kind: "Topic", Name: "pinned", Message: "placement drift: partition 0 on [1, 2], which placement static does not allow"}},
		Reassignments: []reconcile.ReassignmentProgress{{Topic: "orders", Partitions: 6, Done: 2, Moving: 3, Pending: 1, BytesRemaining: 1 << 20}},
		Throttled:     true,
	}
	h.d.recordDrift(plan, nil)
	s := h.d.Status()
	if len(s.Drift) != 1 || s.Drift[0].Action != "reported" || s.Drift[0].Name != "pinned" || s.Drift[0].Reported == "" {
		t.Fatalf("drift %+v", s.Drift)
	}
	for _, m := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kgitops_drift_resources", map[string]string{"kind": "Topic"}, 1},
		{"kgitops_reassignment_partitions", map[string]string{"state": "pending"}, 1},
		{"kgitops_reassignment_partitions", map[string]string{"state": "moving"}, 3},
		{"kgitops_reassignment_partitions", map[string]string{"state": "done"}, 2},
		{"kgitops_reassignment_bytes_remaining", nil, 1 << 20},
		{"kgitops_throttle_active", nil, 1},
	} {
		if got := h.metric(m.name, m.labels); got != m.want {
			t.Errorf("%s%v = %v, want %v", m.name, m.labels, got, m.want)
		}
	}
}
