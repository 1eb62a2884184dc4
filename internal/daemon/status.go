package daemon

import (
	"time"

	"github.com/kgitops/kgitops/reconcile"
)

// Status is what the daemon knows of its last passes. It is served as JSON
// on /status and rendered on /. It holds no secret.
type Status struct {
	Mode     string `json:"mode"`     // apply or detect, as configured
	Leader   bool   `json:"leader"`   // this replica applies; a standby only detects
	Source   string `json:"source"`   // the repo URL (credentials stripped) or folder
	Interval string `json:"interval"` // between successful passes

	LastFetchedRevision string    `json:"lastFetchedRevision,omitempty"`
	LastFetchedAt       time.Time `json:"lastFetchedAt,omitzero"`
	LastFetchedSubject  string    `json:"lastFetchedSubject,omitempty"`
	// EnforcedRevision is the revision the daemon reconciles the cluster
	// to: the newest one that loaded, whose secrets resolved and whose
	// plan was not refused. It stays in force while a newer one is held
	// back and while git cannot be reached.
	EnforcedRevision string `json:"enforcedRevision,omitempty"`
	// NewestRevision is the newest revision fetched: the enforced one, or
	// the held-back one (HeldBack says why).
	NewestRevision string    `json:"newestRevision,omitempty"`
	HeldBack       *HeldBack `json:"heldBack,omitempty"`
	// LastGoodRevision is EnforcedRevision, under its older name.
	LastGoodRevision    string    `json:"lastGoodRevision,omitempty"`
	LastAppliedRevision string    `json:"lastAppliedRevision,omitempty"`
	LastAppliedAt       time.Time `json:"lastAppliedAt,omitzero"`

	LastPassAt    time.Time          `json:"lastPassAt,omitzero"`
	LastSuccessAt time.Time          `json:"lastSuccessAt,omitzero"`
	Passes        int                `json:"passes"`
	LastPlan      *reconcile.Summary `json:"lastPlan,omitempty"`
	// Reassignments are the replica moves of the repo's topics in
	// progress or waiting to start, as the last plan saw them: partitions
	// done, moving and waiting, bytes left and an ETA. A move in progress
	// is not drift; the daemon starts the waiting ones in later passes.
	Reassignments []reconcile.ReassignmentProgress `json:"reassignments,omitempty"`
	// Drift lists the resources whose live state differs from git after
	// the last pass: in detect mode, every planned change; in apply mode,
	// those that failed or are pending --allow-delete.
	Drift []DriftItem `json:"drift"`

	GitReachable   bool `json:"gitReachable"`
	KafkaReachable bool `json:"kafkaReachable"`
	// LastError is the last pass's failure, if it failed, in full (every
	// problem, with file:line where the repo is at fault); ErrorClass is
	// the first problem's class (see ErrorClass). Errors lists each
	// problem with its class.
	LastError  string      `json:"lastError,omitempty"`
	ErrorClass string      `json:"errorClass,omitempty"`
	Errors     []PassError `json:"errors,omitempty"`
	NextPassAt time.Time   `json:"nextPassAt,omitzero"`
}

// DriftItem is one resource that differs from git.
type DriftItem struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Action  string `json:"action"`            // create, update, delete, blocked, or reported
	Pending bool   `json:"pending,omitempty"` // a deletion waiting for --allow-delete
	Error   string `json:"error,omitempty"`   // why applying it failed
	// Fields are the values that differ, as the plan shows them.
	Fields []reconcile.Field `json:"fields,omitempty"`
	// Blocked says why the live cluster stops kgitops from changing the
	// resource (Action "blocked"); it needs a person, or a broker back.
	Blocked string `json:"blocked,omitempty"`
	// Reported says what differs that kgitops leaves as it is on
	// purpose (Action "reported"): a partition away from its topic's
	// placement, under placementDrift: report.
	Reported string `json:"reported,omitempty"`
}

// HeldBack is the newest revision when it is not the enforced one, and why.
type HeldBack struct {
	Revision string `json:"revision"`
	Subject  string `json:"subject,omitempty"`
	Class    string `json:"class"` // spec or refused
	Error    string `json:"error"` // in full, with file:line
}

// PassError is one problem of the last pass.
type PassError struct {
	Class string `json:"class"` // one of ErrorClasses
	Error string `json:"error"`
}

// Ready says whether the last pass reached both git and Kafka.
func (s Status) Ready() bool { return s.Passes > 0 && s.GitReachable && s.KafkaReachable }
