package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Selector picks documents by their metadata.labels: every key must be
// there with its value. The empty Selector picks everything.
type Selector map[string]string

// ParseSelector reads "key=value[,key=value]", as --selector takes it.
func ParseSelector(text string) (Selector, error) {
	sel := Selector{}
	if strings.TrimSpace(text) == "" {
		return sel, nil
	}
	for _, part := range strings.Split(text, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("--selector %q: write key=value[,key=value], such as team=billing", text)
		}
		if prev, dup := sel[k]; dup && prev != v {
			return nil, fmt.Errorf("--selector %q: %s is given twice, as %q and %q", text, k, prev, v)
		}
		sel[k] = v
	}
	return sel, nil
}

// Matches says whether labels hold every pair of the selector.
func (sel Selector) Matches(labels map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// String is the selector as --selector takes it, sorted.
func (sel Selector) String() string {
	parts := make([]string, 0, len(sel))
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}

// Select returns the state with only the documents sel picks. Roles are
// kept whole: they are definitions, which a selected RoleBinding may use.
// Settings are kept.
func (s *State) Select(sel Selector) *State {
	if len(sel) == 0 {
		return s
	}
	out := *s
	out.Topics = filter(s.Topics, func(t Topic) bool { return sel.Matches(t.Labels) })
	out.ACLs = filter(s.ACLs, func(a ACL) bool { return sel.Matches(a.Labels) })
	out.RoleBindings = filter(s.RoleBindings, func(b RoleBinding) bool { return sel.Matches(b.Labels) })
	out.Quotas = filter(s.Quotas, func(q Quota) bool { return sel.Matches(q.Labels) })
	out.Users = filter(s.Users, func(u User) bool { return sel.Matches(u.Labels) })
	out.BrokerConfigs = filter(s.BrokerConfigs, func(b BrokerConfig) bool { return sel.Matches(b.Labels) })
	out.Schemas = filter(s.Schemas, func(sc Schema) bool { return sel.Matches(sc.Labels) })
	if s.Objects != nil {
		out.Objects = map[string][]Object{}
		for kind, objs := range s.Objects {
			out.Objects[kind] = filter(objs, func(o Object) bool { return sel.Matches(o.Labels) })
		}
	}
	return &out
}

func filter[T any](in []T, keep func(T) bool) []T {
	var out []T
	for _, v := range in {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}
