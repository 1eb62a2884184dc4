package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ACLEntry is one Kafka ACL. It is comparable, so that it can key a map.
type ACLEntry struct {
	Principal    string // such as User:alice
	Host         string // "*" or an IP address
	ResourceType string // topic, group, cluster, transactionalId, delegationToken or user
	ResourceName string
	PatternType  string // literal or prefixed
	Operation    string // Kafka's name, upper snake case: READ, DESCRIBE_CONFIGS, ALL, ...
	Permission   string // ALLOW or DENY
}

// String writes e for people, such as
// "ALLOW User:alice READ topic:orders (literal) from *".
func (e ACLEntry) String() string {
	return fmt.Sprintf("%s %s %s %s:%s (%s) from %s",
		e.Permission, e.Principal, e.Operation, e.ResourceType, e.ResourceName, e.PatternType, e.Host)
}

// ACLSource is the document that asks for an ACL.
type ACLSource struct {
	Kind string // KindACL or KindRoleBinding
	Name string // the document's metadata.name
	Role string // the RoleBinding's role; empty for an ACL document
	Pos  Pos    // the rule of an ACL document; the "kind:" line of a RoleBinding
}

// DesiredACL is an ACL the repo asks for, and every document that asks.
type DesiredACL struct {
	Entry   ACLEntry
	Sources []ACLSource // sorted by position
}

// DesiredACLs expands the ACL documents, and the RoleBindings through their
// roles, into Kafka ACLs. An ACL asked for more than once appears once,
// with its sources merged. The result is sorted by principal, resource
// type, resource name, pattern type, operation, permission and host. A
// binding whose role is unknown (only possible in a State not made by the
// loader) grants nothing. Documents marked with kgitops.io/delete are left
// out: their ACLs are DeletedACLs.
func (s *State) DesiredACLs() []DesiredACL { return s.expandACLs(false) }

// DeletedACLs expands, like DesiredACLs, the ACL documents and RoleBindings
// marked with kgitops.io/delete: the ACLs the repo asks to delete.
func (s *State) DeletedACLs() []DesiredACL { return s.expandACLs(true) }

// expandACLs expands the documents marked for deletion, or the others.
func (s *State) expandACLs(marked bool) []DesiredACL {
	// Every (entry, source) pair, sorted: an entry's pairs end up side by
	// side, its sources in order. One sort of 20,000 pairs costs less than
	// a map of entries and a sort of its keys.
	type pair struct {
		e   ACLEntry
		src ACLSource
	}
	var pairs []pair
	for _, a := range s.ACLs {
		if MarkedForDeletion(a.Annotations) != marked {
			continue
		}
		for _, r := range a.Rules {
			src := ACLSource{Kind: KindACL, Name: a.Name, Pos: r.Pos}
			for _, op := range r.Operations {
				pairs = append(pairs, pair{ACLEntry{
					Principal: a.Principal, Host: r.Host,
					ResourceType: r.Resource.Type, ResourceName: r.Resource.Name, PatternType: r.Resource.PatternType,
					Operation: op, Permission: r.Permission,
				}, src})
			}
		}
	}
	for i := range s.RoleBindings {
		b := &s.RoleBindings[i]
		if MarkedForDeletion(b.Annotations) != marked {
			continue
		}
		gs, ok := s.roleGrants(b)
		if !ok {
			continue
		}
		src := ACLSource{Kind: KindRoleBinding, Name: b.Name, Role: b.Role, Pos: b.Pos}
		for _, e := range b.entries(gs) {
			pairs = append(pairs, pair{e, src})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := compareEntries(a.e, b.e); c != 0 {
			return c
		}
		return compareSources(a.src, b.src)
	})
	var out []DesiredACL
	for i, p := range pairs {
		switch {
		case i == 0 || p.e != pairs[i-1].e:
			out = append(out, DesiredACL{Entry: p.e, Sources: []ACLSource{p.src}})
		case p.src != pairs[i-1].src: // the same rule twice is one source
			last := &out[len(out)-1]
			last.Sources = append(last.Sources, p.src)
		}
	}
	if out == nil {
		out = []DesiredACL{}
	}
	return out
}

// compareSources orders the sources of an ACL by position.
func compareSources(a, b ACLSource) int {
	return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Role, b.Role))
}

// compareEntries orders ACL entries field by field. It compares a field
// only when the ones before it tie (cmp.Or would compare all seven first):
// sorting 20,000 entries spent most of its time here.
func compareEntries(a, b ACLEntry) int {
	if c := strings.Compare(a.Principal, b.Principal); c != 0 {
		return c
	}
	if c := strings.Compare(a.ResourceType, b.ResourceType); c != 0 {
		return c
	}
	if c := strings.Compare(a.ResourceName, b.ResourceName); c != 0 {
		return c
	}
	if c := strings.Compare(a.PatternType, b.PatternType); c != 0 {
		return c
	}
	if c := strings.Compare(a.Operation, b.Operation); c != 0 {
		return c
	}
	if c := strings.Compare(a.Permission, b.Permission); c != 0 {
		return c
	}
	return strings.Compare(a.Host, b.Host)
}

// roleGrants expands b's role for b: a built-in role, else a Role.
func (s *State) roleGrants(b *RoleBinding) ([]grant, bool) {
	if r, ok := builtinRole(b.Role); ok {
		return r.grants(b), true
	}
	if r, ok := findRole(s.Roles, b.Role); ok {
		return r.grants(b), true
	}
	return nil, false
}

// entries gives each grant to each of b's principals.
func (b *RoleBinding) entries(gs []grant) []ACLEntry {
	var out []ACLEntry
	for _, p := range b.Principals {
		for _, g := range gs {
			out = append(out, ACLEntry{
				Principal: p, Host: b.Host,
				ResourceType: g.resource.Type, ResourceName: g.resource.Name, PatternType: g.resource.PatternType,
				Operation: g.operation, Permission: b.Permission,
			})
		}
	}
	return out
}

// Principals returns every principal that ACL and RoleBinding documents
// name, sorted, each once; those of documents marked for deletion too.
func (s *State) Principals() []string {
	return s.principals(func(map[string]string) bool { return true })
}

// ManagedPrincipals returns, sorted, the principals whose ACLs the repo
// governs: those that documents not marked for deletion name.
func (s *State) ManagedPrincipals() []string {
	return s.principals(func(a map[string]string) bool { return !MarkedForDeletion(a) })
}

// ProtectedPrincipals returns, sorted, the principals that a document
// annotated with kgitops.io/prevent-destroy names.
func (s *State) ProtectedPrincipals() []string {
	return s.principals(PreventDestroy)
}

// principals lists the principals of the documents whose annotations
// pick.
func (s *State) principals(pick func(annotations map[string]string) bool) []string {
	var out []string
	for _, a := range s.ACLs {
		if pick(a.Annotations) {
			out = append(out, a.Principal)
		}
	}
	for _, b := range s.RoleBindings {
		if pick(b.Annotations) {
			out = append(out, b.Principals...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
