package export

import (
	"cmp"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// Roles writes the live ACLs as RoleBindings where a principal's ACLs
// match a built-in role exactly, and as raw ACL documents for the rest. Each
// principal gets one file, acls/<principal>.yaml, that holds its
// RoleBindings and, when some of its ACLs fit no role, one ACL document for
// them, written as ACLs writes it.
//
// Loading the files and expanding them gives back exactly acls: a binding
// is written only when every ACL it grants is live, and every live ACL that
// no binding grants is written raw. Bindings may grant the same ACL (a
// consumer and a producer of one topic both grant DESCRIBE on it); the
// loader merges them.
//
// A binding carries one host and one permission, so roles are matched per
// principal, host and permission, greedily: the candidate binding that
// grants the most ACLs not yet granted wins, ties going to the role whose
// name sorts first, then to the first application id. A role's candidate
// names every resource that has all the operations the role gives it (see
// roleShape), so there is one candidate per role, and one per application
// id for streams-app; it must grant nothing that is not live. Then each
// binding leaves out the resources whose ACLs the other bindings grant
// anyway (see tidyBindings). A principal's ACLs that are exactly one
// binding's therefore export as that binding.
//
// Admin is matched only when ALL on the cluster is live, with the topics,
// groups and transactional ids that have ALL; with none of them it would
// mean ALL on "*" of each, so it is written that way only when those are
// live.
//
// DENY ACLs always stay raw. A role says what a client needs to work;
// "deny a consumer" would hide which operations are denied, and denying
// DESCRIBE, say, hides a topic altogether: a reviewer should see each one.
//
// Roles is pure and deterministic.
func Roles(acls map[spec.ACLEntry]bool) []File {
	byPrincipal := map[string]map[roleCellKey]entrySet{}
	for e := range acls {
		k := roleCellKey{host: e.Host, permission: e.Permission}
		if byPrincipal[e.Principal] == nil {
			byPrincipal[e.Principal] = map[roleCellKey]entrySet{}
		}
		if byPrincipal[e.Principal][k] == nil {
			byPrincipal[e.Principal][k] = entrySet{}
		}
		byPrincipal[e.Principal][k][e] = true
	}
	shapes := learnRoles()
	names := map[string]bool{} // RoleBinding names given so far: they are unique in a repo
	seen := map[string]int{}
	var files []File
	for _, principal := range slices.Sorted(maps.Keys(byPrincipal)) {
		cells := byPrincipal[principal]
		var docs []string
		rest := map[spec.ACLEntry]bool{}
		for _, k := range slices.SortedFunc(maps.Keys(cells), compareRoleCells) {
			live := cells[k]
			var matches []roleMatch
			if k.permission == spec.PermissionAllow { // DENY stays raw
				matches = matchRoles(shapes, roleCell{principal, k.host, k.permission, live})
			}
			granted := entrySet{}
			for _, m := range matches {
				m.b.Name = uniqueName(names, principalName(principal)+"-"+m.b.Role)
				docs = append(docs, roleBindingDoc(m.b))
				granted.add(m.acls)
			}
			for e := range live {
				if !granted[e] {
					rest[e] = true
				}
			}
		}
		if len(rest) > 0 {
			docs = append(docs, string(ACLs(rest)[0].Data))
		}
		path := uniquePath(seen, filepath.Join("acls", fileName(principal)))
		files = append(files, File{Path: path, Data: []byte(strings.Join(docs, "---\n"))})
	}
	return files
}

// roleCellKey is the host and permission that the ACLs of one binding share.
type roleCellKey struct{ host, permission string }

// compareRoleCells puts ALLOW before DENY, then sorts by host ("*" first).
func compareRoleCells(a, b roleCellKey) int {
	return cmp.Or(cmp.Compare(a.permission, b.permission), cmp.Compare(a.host, b.host))
}

// roleCell is the ACLs of one principal, host and permission.
type roleCell struct {
	principal, host, permission string
	acls                        entrySet
}

// entrySet is a set of ACLs.
type entrySet map[spec.ACLEntry]bool

func (s entrySet) add(es []spec.ACLEntry) {
	for _, e := range es {
		s[e] = true
	}
}

func (s entrySet) hasAll(es []spec.ACLEntry) bool {
	for _, e := range es {
		if !s[e] {
			return false
		}
	}
	return true
}

// missing counts the ACLs of es that s lacks.
func (s entrySet) missing(es []spec.ACLEntry) int {
	n := 0
	for _, e := range es {
		if !s[e] {
			n++
		}
	}
	return n
}

// roleMatch is a binding and the ACLs it grants.
type roleMatch struct {
	b    spec.RoleBinding
	acls []spec.ACLEntry
}

// expandBinding returns the ACLs b grants, as the loader expands them.
func expandBinding(b spec.RoleBinding) []spec.ACLEntry {
	st := spec.State{RoleBindings: []spec.RoleBinding{b}}
	var out []spec.ACLEntry
	for _, d := range st.DesiredACLs() {
		out = append(out, d.Entry)
	}
	return out
}

// matchRoles picks bindings for the ACLs of c. Every binding grants only
// ACLs of c.
func matchRoles(shapes []roleShape, c roleCell) []roleMatch {
	var cands []roleMatch
	for _, r := range shapes {
		for _, b := range r.candidates(c) {
			if acls := expandBinding(b); c.acls.hasAll(acls) {
				cands = append(cands, roleMatch{b, acls})
			}
		}
	}
	return tidyBindings(shapes, c, pickGreedy(cands))
}

// pickGreedy picks, again and again, the candidate that grants the most
// ACLs not yet granted, the first one on a tie, until none grants anything
// new.
//
// What a candidate grants anew only shrinks as more is granted, so a stale
// count is an upper bound: only the candidate with the highest bound is
// counted again, until its count is fresh (lazy greedy). That picks what
// counting every candidate each time would, in far fewer counts when a
// principal has many candidates (one per application id).
func pickGreedy(cands []roleMatch) []roleMatch {
	bound := make([]int, len(cands))
	for i, m := range cands {
		bound[i] = len(m.acls)
	}
	granted := entrySet{}
	var picked []roleMatch
	for len(cands) > 0 {
		best := 0
		for i := range bound {
			if bound[i] > bound[best] {
				best = i
			}
		}
		if bound[best] == 0 {
			break
		}
		if n := granted.missing(cands[best].acls); n < bound[best] {
			bound[best] = n
			continue
		}
		picked = append(picked, cands[best])
		granted.add(cands[best].acls)
		bound[best] = 0
	}
	return picked
}

// tidyBindings makes the bindings read better without granting less. It
// visits them from the one picked last, so that a binding picked earlier
// keeps what it names. A binding whose ACLs the others grant is dropped.
// Otherwise it leaves out the resources whose ACLs the others grant anyway,
// such as the Connect storage topics in a consumer binding next to a
// connect-worker one; a required list is kept whole rather than left
// empty. Last, it leaves out optional lists that change nothing: admin on
// "*" is admin with no lists. Each step keeps every ACL granted and grants
// only ACLs of c.
func tidyBindings(shapes []roleShape, c roleCell, ms []roleMatch) []roleMatch {
	grants := grantCount{} // how many bindings grant each ACL
	for _, m := range ms {
		grants.add(m.acls, 1)
	}
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		grants.add(m.acls, -1) // grants is now what the others grant
		if grants.hasAll(m.acls) {
			ms = slices.Delete(ms, i, i+1)
			continue
		}
		r := shapeOf(shapes, m.b.Role)
		if b, ok := r.trim(m.b, grants); ok {
			acls := expandBinding(b)
			mine := entrySet{}
			mine.add(acls)
			lost := func(e spec.ACLEntry) bool { return grants[e] <= 0 && !mine[e] }
			if c.acls.hasAll(acls) && !slices.ContainsFunc(m.acls, lost) {
				m = roleMatch{b, acls}
			}
		}
		if b, ok := r.bare(m.b); ok {
			if acls := expandBinding(b); slices.Equal(acls, m.acls) {
				m = roleMatch{b, acls}
			}
		}
		ms[i] = m
		grants.add(m.acls, 1)
	}
	return ms
}

// grantCount counts, for each ACL, the bindings that grant it.
type grantCount map[spec.ACLEntry]int

func (g grantCount) add(es []spec.ACLEntry, n int) {
	for _, e := range es {
		g[e] += n
	}
}

func (g grantCount) hasAll(es []spec.ACLEntry) bool {
	for _, e := range es {
		if g[e] <= 0 {
			return false
		}
	}
	return true
}
