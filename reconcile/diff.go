package reconcile

import (
	"cmp"
	"slices"
	"sort"

	"github.com/kgitops/kgitops/spec"
)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// AllowDelete lets the plan delete resources that the inventory says
	// kgitops created and that the repo no longer declares. Without it such
	// deletions are listed as pending and never run.
	AllowDelete bool
	// IgnoreConfigs adds topic config keys (a trailing '*' matches a
	// prefix) to ignore on every topic, on top of the repo's Settings.
	IgnoreConfigs []string
}

// Diff computes the plan that brings live to desired. It is pure: the same
// inputs always give the same, sorted plan.
func Diff(desired *spec.State, live *Live, opts DiffOptions) *Plan {
	p := &Plan{Changes: []Change{}}
	p.diffTopics(desired, live, opts)
	sortChanges(p.Changes)
	p.summarize()
	return p
}

func (p *Plan) refuse(kind, name, msg string) {
	p.Errors = append(p.Errors, Refusal{Kind: kind, Name: name, Message: msg})
}

// ignored says whether key is one kgitops leaves alone.
func ignored(key string, patterns []string) bool {
	_, ok := spec.IgnoreMatch(patterns, key)
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindOrder is the order kinds appear in a plan and are applied in.
var kindOrder = map[string]int{KindTopic: 0}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		if c := cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
