package reconcile

// Action is what a change does to a resource.
type Action string

// The actions a Change can carry.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Kinds of resources a plan can change (see kind_*.go).
const (
	KindTopic = "Topic"
	KindUser  = "User"  // SCRAM credentials of one user
	KindQuota = "Quota" // the client quotas of one entity
	KindACL   = "ACL"   // one Kafka ACL; Name is its text
)

// Plan is what it takes to bring the cluster to the repo's state. It is a
// plain value: renderers print it, Apply executes it.
type Plan struct {
	// Changes are sorted by kind, then name.
	Changes []Change `json:"changes"`
	// Errors are changes the repo asks for that kgitops refuses to make,
	// such as shrinking partitions. A plan with errors is never applied.
	Errors []Refusal `json:"errors,omitempty"`
	// Blocked are resources the plan leaves alone because the live cluster,
	// not the repo, stands in the way: a broker that is down, a topic
	// raised out of band past what the repo already asked for. They need a
	// person or a wait; every other change of the plan still applies.
	Blocked []Refusal `json:"blocked,omitempty"`
	// Notes are what a reviewer should know that changes nothing, such as
	// a topic kgitops created that was recreated by someone else and so
	// is no longer kgitops' to delete.
	Notes []Refusal `json:"notes,omitempty"`
	// Drift lists what differs from git that the plan leaves as it is on
	// purpose and reports: a partition moved away from its topic's
	// placement while Settings say placementDrift: report. The daemon
	// counts it as drift.
	Drift []Refusal `json:"drift,omitempty"`
	// Findings are the rules the desired state breaks, as the repo's
	// Policies, the built-in rules and the checks against the live
	// cluster find them. Each error is also in Errors (or in Blocked).
	Findings []Finding `json:"findings,omitempty"`
	// Reassignments are the replica moves in progress or planned, per
	// topic: partitions done, moving and pending, bytes left and an ETA.
	// A reassignment in progress is not a change.
	Reassignments []ReassignmentProgress `json:"reassignments,omitempty"`
	// Throttled says a replication throttle kgitops set is in place: the
	// inventory records brokers it throttled, and has not forgotten them.
	Throttled bool    `json:"throttled,omitempty"`
	Summary   Summary `json:"summary"`

	// Claims and Unclaims are what Apply records of the conflicts with
	// other inventories the plan found: this repo's claims to record, and
	// those it no longer needs (see guardConflicts).
	Claims   []ResourceKey `json:"-"`
	Unclaims []ResourceKey `json:"-"`
}

// Change is one resource to create, update or delete.
type Change struct {
	Action Action `json:"action"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	// Pending marks a deletion that will not run because deletion was not
	// allowed (--allow-delete).
	Pending bool `json:"pending,omitempty"`
	// Fields lists what changes, field by field. For a create it is the
	// whole new resource; for a delete of a topic it is empty.
	Fields []Field `json:"fields,omitempty"`
	// Sources names the repo documents that ask for the resource, such as
	// "RoleBinding billing-reads-orders (role consumer) at rbac.yaml:12".
	Sources []string `json:"sources,omitempty"`
	// Drift marks the deletion of something a managed principal or entity
	// has in the cluster but the repo does not declare. It needs no flag.
	Drift bool `json:"drift,omitempty"`
	// Held says why a deletion that would otherwise run is not run, such
	// as more deletions than --max-deletes allows. A held change is also
	// Pending.
	Held string `json:"held,omitempty"`
	// Requested marks a deletion a document asks for (kgitops.io/delete).
	Requested bool `json:"requested,omitempty"`
	// Risks flags what a reviewer should look at twice (see Risks).
	Risks []Risk `json:"risks,omitempty"`

	// Payload is what Apply needs, which only the change's kind reads
	// (such as *TopicChange). Never rendered: a UserChange holds a
	// password.
	Payload any `json:"-"`
}

// Field is one changed value. Path is a dotted field name such as
// "partitions" or "configs.retention.ms". Old is nil for a value being set
// for the first time, New is nil for a value being removed.
type Field struct {
	Path string `json:"path"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
	// Source says who set the new value, for a topic with a profile:
	// "topic", or its profile ("profile durable (built-in)").
	Source string `json:"source,omitempty"`
}

// Refusal is a change kgitops will not make, with the reason.
type Refusal struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (r Refusal) Error() string {
	if r.Kind == "*" { // the whole plan's, not one resource's
		return r.Message
	}
	return r.Kind + " " + r.Name + ": " + r.Message
}

// Summary counts a plan's changes.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	// PendingDelete counts deletions that will not run without --allow-delete.
	PendingDelete int `json:"pendingDelete"`
	Errors        int `json:"errors"`
	// Blocked counts resources held back by the live cluster (Plan.Blocked).
	Blocked int `json:"blocked,omitempty"`
	// Warnings counts the findings of severity warn.
	Warnings int `json:"warnings,omitempty"`
}

// NeedsApply says whether apply has anything to do: changes to the
// cluster, or records to put right in the inventory (intents a dead
// process left, topics recreated by others, claims of conflicts).
func (p *Plan) NeedsApply(live *Live) bool {
	return p.HasChanges() || live.InventoryRepairs() > 0 || len(p.Claims)+len(p.Unclaims) > 0
}

// HasChanges says whether applying the plan would change the cluster.
// Pending deletions count: they are a difference a user should see.
func (p *Plan) HasChanges() bool {
	return p.Summary.Create+p.Summary.Update+p.Summary.Delete+p.Summary.PendingDelete > 0
}

// summarize counts the changes and flags their risks; every plan maker
// calls it last.
func (p *Plan) summarize() {
	for i := range p.Changes {
		p.Changes[i].Risks = Risks(p.Changes[i])
	}
	s := Summary{Errors: len(p.Errors), Blocked: len(p.Blocked), Warnings: p.Warnings()}
	for _, c := range p.Changes {
		switch {
		case c.Action == ActionCreate:
			s.Create++
		case c.Action == ActionUpdate:
			s.Update++
		case c.Action == ActionDelete && c.Pending:
			s.PendingDelete++
		case c.Action == ActionDelete:
			s.Delete++
		}
	}
	p.Summary = s
}
