package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// Metrics are the daemon's Prometheus metrics. Their names are a contract:
// dashboards and alerts (examples/monitoring) depend on them. Labels come
// only from small fixed sets.
type Metrics struct {
	reconciles  *prometheus.CounterVec // result
	duration    prometheus.Histogram   //
	drift       *prometheus.GaugeVec   // kind
	planChanges *prometheus.GaugeVec   // kind, action
	applied     *prometheus.CounterVec // kind, action
	appliedRev  *prometheus.GaugeVec   // revision
	gitFetches  *prometheus.CounterVec // result
	lastSuccess prometheus.Gauge       //
	leader      prometheus.Gauge       //
	errors      *prometheus.CounterVec // class
	enforcedRev *prometheus.GaugeVec   // revision
	newestRev   *prometheus.GaugeVec   // revision, held_back
	findings    *prometheus.GaugeVec   // severity
	reassign    *prometheus.GaugeVec   // state
	bytesLeft   prometheus.Gauge       //
	throttle    prometheus.Gauge       //
}

var actions = []reconcile.Action{reconcile.ActionCreate, reconcile.ActionUpdate, reconcile.ActionDelete}

// NewMetrics creates the metrics on reg (never the global registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	m := &Metrics{
		reconciles: f.NewCounterVec(prometheus.CounterOpts{Name: "kgitops_reconcile_total",
			Help: "Reconcile passes, by result (success or failure)."}, []string{"result"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{Name: "kgitops_reconcile_duration_seconds",
			Help: "How long one reconcile pass took.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}),
		drift: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_drift_resources",
			Help: "Resources whose live state differs from git right now, by kind."}, []string{"kind"}),
		planChanges: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_plan_changes",
			Help: "Changes in the last plan, by kind and action."}, []string{"kind", "action"}),
		applied: f.NewCounterVec(prometheus.CounterOpts{Name: "kgitops_applied_changes_total",
			Help: "Changes applied successfully, by kind and action."}, []string{"kind", "action"}),
		appliedRev: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_last_applied_revision_info",
			Help: "The revision last applied in full; the value is always 1."}, []string{"revision"}),
		gitFetches: f.NewCounterVec(prometheus.CounterOpts{Name: "kgitops_git_fetch_total",
			Help: "Fetches of the desired state's source, by result (success or failure)."}, []string{"result"}),
		lastSuccess: f.NewGauge(prometheus.GaugeOpts{Name: "kgitops_last_success_timestamp_seconds",
			Help: "Unix time of the last successful reconcile pass."}),
		leader: f.NewGauge(prometheus.GaugeOpts{Name: "kgitops_leader",
			Help: "1 on the replica that applies changes, 0 on standbys."}),
		errors: f.NewCounterVec(prometheus.CounterOpts{Name: "kgitops_reconcile_errors_total",
			Help: "Problems met by reconcile passes, by class: git_auth, git_unreachable, kafka_auth, kafka_unreachable, spec, refused, apply."}, []string{"class"}),
		enforcedRev: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_enforced_revision_info",
			Help: "The revision the daemon enforces; the value is always 1."}, []string{"revision"}),
		newestRev: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_newest_revision_info",
			Help: "The newest revision fetched, and why it is held back (none, spec or refused); the value is always 1."}, []string{"revision", "held_back"}),
		findings: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_policy_findings",
			Help: "Findings of the policies, built-in rules and cluster checks in the last plan, by severity (error or warn)."}, []string{"severity"}),
		reassign: f.NewGaugeVec(prometheus.GaugeOpts{Name: "kgitops_reassignment_partitions",
			Help: "Partitions of the repo's topics that a reassignment moves (a replication-factor change, a placement moved back), by state: pending (not started yet), moving, done."}, []string{"state"}),
		bytesLeft: f.NewGauge(prometheus.GaugeOpts{Name: "kgitops_reassignment_bytes_remaining",
			Help: "Bytes the reassignments of the repo's topics have yet to copy."}),
		throttle: f.NewGauge(prometheus.GaugeOpts{Name: "kgitops_throttle_active",
			Help: "1 while a replication throttle kgitops set is in place on some broker, else 0."}),
	}
	for _, s := range []string{"pending", "moving", "done"} {
		m.reassign.WithLabelValues(s)
	}
	for _, s := range []string{spec.SeverityError, spec.SeverityWarn} {
		m.findings.WithLabelValues(s)
	}
	for _, c := range ErrorClasses {
		m.errors.WithLabelValues(string(c))
	}
	// Every series exists from the start, so that rate() and absent()
	// behave before the first failure.
	for _, r := range []string{"success", "failure"} {
		m.reconciles.WithLabelValues(r)
		m.gitFetches.WithLabelValues(r)
	}
	for _, k := range reconcile.Kinds() {
		m.drift.WithLabelValues(k)
		for _, a := range actions {
			m.planChanges.WithLabelValues(k, string(a))
			m.applied.WithLabelValues(k, string(a))
		}
	}
	return m
}

func result(ok bool) string {
	if ok {
		return "success"
	}
	return "failure"
}

// recordPlan sets the plan and drift gauges. notApplied counts, per kind,
// the plan's changes that did not take effect this pass.
func (m *Metrics) recordPlan(p *reconcile.Plan, notApplied map[string]int) {
	for _, k := range reconcile.Kinds() {
		for _, a := range actions {
			m.planChanges.WithLabelValues(k, string(a)).Set(0)
		}
		m.drift.WithLabelValues(k).Set(float64(notApplied[k]))
	}
	for _, c := range p.Changes {
		m.planChanges.WithLabelValues(c.Kind, string(c.Action)).Inc()
	}
	var pending, moving, done, left float64
	for _, pr := range p.Reassignments {
		pending += float64(pr.Pending)
		moving += float64(pr.Moving)
		done += float64(pr.Done)
		left += float64(pr.BytesRemaining)
	}
	m.reassign.WithLabelValues("pending").Set(pending)
	m.reassign.WithLabelValues("moving").Set(moving)
	m.reassign.WithLabelValues("done").Set(done)
	m.bytesLeft.Set(left)
	throttled := 0.0
	if p.Throttled {
		throttled = 1
	}
	m.throttle.Set(throttled)
	m.findings.WithLabelValues(spec.SeverityWarn).Set(float64(p.Warnings()))
	m.findings.WithLabelValues(spec.SeverityError).Set(float64(len(p.Findings) - p.Warnings()))
}

func (m *Metrics) recordApplied(revision string) {
	m.appliedRev.Reset()
	m.appliedRev.WithLabelValues(revision).Set(1)
}

// recordRevisions shows the enforced and the newest revision; heldBack is
// "none" or the class that holds the newest back.
func (m *Metrics) recordRevisions(enforced, newest, heldBack string) {
	m.enforcedRev.Reset()
	if enforced != "" {
		m.enforcedRev.WithLabelValues(enforced).Set(1)
	}
	m.newestRev.Reset()
	if newest != "" {
		m.newestRev.WithLabelValues(newest, heldBack).Set(1)
	}
}
