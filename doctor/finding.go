package doctor

import (
	"cmp"
	"slices"
	"strconv"
)

// Severity says how bad a finding is.
type Severity string

// The severities, worst first. Error is something broken or about to
// break (offline partitions, a full disk); Warn is a risk to fix (no
// failover, data that can be lost); Info is worth knowing and needs no
// action.
const (
	Error Severity = "error"
	Warn  Severity = "warn"
	Info  Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warn:
		return 1
	}
	return 2
}

// Finding is one thing the doctor found.
type Finding struct {
	// Check names the check that found it, such as "under-min-isr".
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Resource is what it is about: "cluster", "broker 2", "topic
	// orders", "controllers", "log dir /data on broker 1".
	Resource string `json:"resource"`
	// Evidence is what was seen, with the numbers.
	Evidence string `json:"evidence"`
	// Why says why it matters.
	Why string `json:"why"`
	// Fix says what to change.
	Fix string `json:"fix"`
	// YAML is the kgitops document that makes the change, when kgitops
	// manages the thing (a Topic or BrokerConfig); empty otherwise.
	YAML string `json:"yaml,omitempty"`
}

// Summary counts the findings per severity and says how big the cluster
// is.
type Summary struct {
	Error      int `json:"error"`
	Warn       int `json:"warn"`
	Info       int `json:"info"`
	Brokers    int `json:"brokers"`
	Topics     int `json:"topics"`
	Partitions int `json:"partitions"`
}

// Report is what the renderers print: the findings, sorted, and their
// summary.
type Report struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
}

// NewReport sorts findings (see SortFindings) and counts them.
func NewReport(c *Cluster, findings []Finding) Report {
	r := Report{Findings: slices.Clone(findings)}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	SortFindings(r.Findings)
	for _, f := range r.Findings {
		switch f.Severity {
		case Error:
			r.Summary.Error++
		case Warn:
			r.Summary.Warn++
		default:
			r.Summary.Info++
		}
	}
	r.Summary.Brokers = len(c.Brokers)
	r.Summary.Topics = len(c.Topics)
	for _, t := range c.Topics {
		r.Summary.Partitions += len(t.Partitions)
	}
	return r
}

// Worst is the worst severity in the report, or "" when there is no
// finding.
func (r Report) Worst() Severity {
	switch {
	case r.Summary.Error > 0:
		return Error
	case r.Summary.Warn > 0:
		return Warn
	case r.Summary.Info > 0:
		return Info
	}
	return ""
}

// SortFindings orders findings worst first, then by check, then by
// resource with numbers compared as numbers ("broker 2" before "broker
// 10"), then by evidence: the same cluster always gives the same report.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(a.Check, b.Check),
			naturalCompare(a.Resource, b.Resource),
			cmp.Compare(a.Evidence, b.Evidence),
		)
	})
}

// naturalCompare compares a and b, runs of digits by their value.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(a[:da], 10, 64)
			nb, _ := strconv.ParseUint(b[:db], 10, 64)
			if c := cmp.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && n < 18 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
