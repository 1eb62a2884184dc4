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
	// LastGoodRevision is the newest revision that loaded and planned
	// without errors; the daemon keeps reconciling it while a newer one is
	// invalid.
	LastGoodRevision    string    `json:"lastGoodRevision,omitempty"`
	LastAppliedRevision string    `json:"lastAppliedRevision,omitempty"`
	LastAppliedAt       time.Time `json:"lastAppliedAt,omitzero"`

	LastPassAt    time.Time          `json:"lastPassAt,omitzero"`
	LastSuccessAt time.Time          `json:"lastSuccessAt,omitzero"`
	Passes        int                `json:"passes"`
	LastPlan      *reconcile.Summary `json:"lastPlan,omitempty"`
	// Drift lists the resources whose live state differs from git after
	// the last pass: in detect mode, every planned change; in apply mode,
	// those that failed or are pending --allow-delete.
	Drift []DriftItem `json:"drift"`

	GitReachable   bool `json:"gitReachable"`
	KafkaReachable bool `json:"kafkaReachable"`
	// LastError is the last pass's failure, if it failed; ErrorClass says
	// what kind: git, spec, kafka, refused or apply.
	LastError  string    `json:"lastError,omitempty"`
	ErrorClass string    `json:"errorClass,omitempty"`
	NextPassAt time.Time `json:"nextPassAt,omitzero"`
}

// DriftItem is one resource that differs from git.
type DriftItem struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Action  string `json:"action"`
	Pending bool   `json:"pending,omitempty"` // a deletion waiting for --allow-delete
	Error   string `json:"error,omitempty"`   // why applying it failed
}

// Ready says whether the last pass reached both git and Kafka.
func (s Status) Ready() bool { return s.Passes > 0 && s.GitReachable && s.KafkaReachable }
