package reconcile

import (
	"fmt"
	"slices"

	"github.com/kgitops/kgitops/spec"
)

// Finding is a rule a resource breaks: a Policy's, a built-in one, or a
// check against the live cluster (see spec.Finding).
type Finding = spec.Finding

// findingKey identifies a finding across states, to tell whether the
// baseline had it already.
type findingKey struct{ rule, kind, name string }

// addFindings puts the desired state's findings in the plan. A warning is
// listed. An error refuses the plan, unless the baseline (the accepted
// revision) has the same finding: then the live cluster or a newer
// kgitops changed, not the repo, and only that resource is blocked, so
// that the daemon keeps enforcing everything else.
func (p *Plan) addFindings(fs, baseline []Finding) {
	before := map[findingKey]bool{}
	for _, f := range baseline {
		before[findingKey{f.Rule, f.Kind, f.Name}] = true
	}
	blocked := map[ResourceKey]bool{}
	for _, f := range fs {
		p.Findings = append(p.Findings, f)
		if f.Severity != spec.SeverityError {
			continue
		}
		msg := findingText(f)
		if before[findingKey{f.Rule, f.Kind, f.Name}] {
			p.block(f.Kind, f.Name, msg)
			blocked[ResourceKey{f.Kind, f.Name}] = true
			continue
		}
		p.refuse(f.Kind, f.Name, msg)
	}
	if len(blocked) > 0 {
		p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return blocked[ResourceKey{c.Kind, c.Name}] })
	}
}

// findingText is a finding's message with its rule, and where it is
// written when it is about a document.
func findingText(f Finding) string {
	if f.File == "" {
		return fmt.Sprintf("%s (rule %s)", f.Message, f.Rule)
	}
	return fmt.Sprintf("%s (rule %s, at %s)", f.Message, f.Rule, f.At())
}

// Warnings counts the plan's findings of severity warn.
func (p *Plan) Warnings() int {
	n := 0
	for _, f := range p.Findings {
		if f.Severity == spec.SeverityWarn {
			n++
		}
	}
	return n
}
