package reconcile

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// ExportRoles writes the live ACLs as RoleBindings where a principal's ACLs
// match a built-in role exactly, and as raw ACL documents for the rest. Each
// principal gets one file, acls/<principal>.yaml, that holds its
// RoleBindings and, when some of its ACLs fit no role, one ACL document for
// them, written as exportACLs writes it.
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
// ExportRoles is pure and deterministic.
func ExportRoles(acls map[spec.ACLEntry]bool) []ExportedFile {
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
	var files []ExportedFile
	for _, principal := range sortedKeys(byPrincipal) {
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
			docs = append(docs, string(exportACLs(rest)[0].Data))
		}
		path := uniquePath(seen, filepath.Join("acls", fileName(principal)))
		files = append(files, ExportedFile{Path: path, Data: []byte(strings.Join(docs, "---\n"))})
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

// roleShape is what a built-in role grants, learnt from spec by expanding
// a probe binding (learnRoles), so that matching follows the table the
// loader expands. Only the candidates come from it: every binding written
// is checked against spec's own expansion.
type roleShape struct {
	role     string
	lists    []string          // the resource-list fields the role takes, required ones first
	required map[string]bool   // the fields a binding must give
	grants   map[string][]opOn // by resource-list field: what each resource it names gets
	// appOn is, for a role that takes applicationId, one of the ACLs the
	// application id gets (its resource type, pattern type and operation);
	// candidates take their application ids from the names of such ACLs.
	// A role whose probe grants nothing on the application id is skipped.
	appOn       *opOn
	exactlyOnce bool // the role takes exactlyOnce
}

// opOn is an operation on a resource type, and for appOn a pattern type.
type opOn struct{ rt, pattern, op string }

// RoleBinding fields that the matcher fills in; a role that takes any
// other field is never matched.
const (
	fieldApplicationID = "applicationId"
	fieldExactlyOnce   = "exactlyOnce"
)

// listFields are the resource-list fields, in the order a binding is written.
var listFields = []string{"topics", "groups", "transactionalIds", "inputTopics", "outputTopics"}

// refList returns b's resource-list field named field, or nil.
func refList(b *spec.RoleBinding, field string) *[]spec.ResourceRef {
	switch field {
	case "topics":
		return &b.Topics
	case "groups":
		return &b.Groups
	case "transactionalIds":
		return &b.TransactionalIDs
	case "inputTopics":
		return &b.InputTopics
	case "outputTopics":
		return &b.OutputTopics
	}
	return nil
}

// learnRoles returns the shape of each built-in role, sorted by name. A
// probe binding names one resource in each field, called after the field;
// the ACLs it grants on that name are what the field's resources get.
func learnRoles() []roleShape {
	const probe = "kgitops-probe-"
	var out []roleShape
	for _, doc := range spec.BuiltinRoles() {
		r := roleShape{role: doc.Name, required: map[string]bool{}, grants: map[string][]opOn{}}
		b := spec.RoleBinding{Role: doc.Name, Principals: []string{"User:" + probe}, Host: spec.Wildcard, Permission: spec.PermissionAllow}
		known := true
		for _, f := range slices.Concat(doc.Requires, doc.Optional) {
			r.required[f] = slices.Contains(doc.Requires, f)
			switch {
			case f == fieldApplicationID:
				b.ApplicationID = probe + f
			case f == fieldExactlyOnce:
				r.exactlyOnce = true
			case refList(&b, f) != nil:
				*refList(&b, f) = []spec.ResourceRef{{Name: probe + f, PatternType: spec.PatternLiteral}}
				r.lists = append(r.lists, f)
			default:
				known = false
			}
		}
		for _, e := range expandBinding(b) {
			if e.ResourceName == b.ApplicationID && r.appOn == nil {
				r.appOn = &opOn{e.ResourceType, e.PatternType, e.Operation}
			}
			for _, f := range r.lists {
				if e.ResourceName == probe+f {
					r.grants[f] = append(r.grants[f], opOn{rt: e.ResourceType, op: e.Operation})
				}
			}
		}
		if known && (b.ApplicationID == "" || r.appOn != nil) {
			out = append(out, r)
		}
	}
	return out
}

// shapeOf returns the shape of role; a role without one has no lists.
func shapeOf(shapes []roleShape, role string) roleShape {
	for _, r := range shapes {
		if r.role == role {
			return r
		}
	}
	return roleShape{role: role}
}

// candidates returns r's largest bindings within c: each list names every
// resource of c that has all that the list grants. A role that takes
// applicationId gets one candidate per application id, with and without
// exactlyOnce. Whether a candidate grants only ACLs of c is left to the
// caller, which expands it.
func (r roleShape) candidates(c roleCell) []spec.RoleBinding {
	b := spec.RoleBinding{Role: r.role, Principals: []string{c.principal}, Host: c.host, Permission: c.permission}
	for _, f := range r.lists {
		refs := r.resources(c, f)
		if len(refs) == 0 && r.required[f] {
			return nil
		}
		*refList(&b, f) = refs
	}
	if r.appOn == nil {
		return []spec.RoleBinding{b}
	}
	var ids []string
	for e := range c.acls {
		if e.ResourceType == r.appOn.rt && e.PatternType == r.appOn.pattern && e.Operation == r.appOn.op {
			ids = append(ids, e.ResourceName)
		}
	}
	slices.Sort(ids)
	var out []spec.RoleBinding
	for _, id := range slices.Compact(ids) {
		b.ApplicationID = id
		for _, eos := range []bool{true, false} {
			if eos && !r.exactlyOnce {
				continue
			}
			b.ExactlyOnce = eos
			out = append(out, b)
		}
	}
	return out
}

// resources returns every resource of c that has all that field f grants,
// sorted by name, then pattern type.
func (r roleShape) resources(c roleCell, f string) []spec.ResourceRef {
	gs := r.grants[f]
	if len(gs) == 0 {
		return nil
	}
	found := map[spec.ResourceRef]bool{}
	for e := range c.acls {
		ref := spec.ResourceRef{Name: e.ResourceName, PatternType: e.PatternType}
		if e.ResourceType == gs[0].rt && !found[ref] && c.acls.hasAll(r.refACLs(c.principal, c.host, c.permission, f, ref)) {
			found[ref] = true
		}
	}
	return slices.SortedFunc(maps.Keys(found), func(a, b spec.ResourceRef) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.PatternType, b.PatternType))
	})
}

// refACLs returns what field f grants on ref.
func (r roleShape) refACLs(principal, host, permission, f string, ref spec.ResourceRef) []spec.ACLEntry {
	var out []spec.ACLEntry
	for _, g := range r.grants[f] {
		out = append(out, spec.ACLEntry{
			Principal: principal, Host: host, Permission: permission,
			ResourceType: g.rt, ResourceName: ref.Name, PatternType: ref.PatternType, Operation: g.op,
		})
	}
	return out
}

// trim returns b without the resources whose ACLs others has, and whether
// that changed anything. A required list is kept whole rather than empty.
func (r roleShape) trim(b spec.RoleBinding, others grantCount) (spec.RoleBinding, bool) {
	changed := false
	for _, f := range r.lists {
		list := refList(&b, f)
		var keep []spec.ResourceRef
		for _, ref := range *list {
			if !others.hasAll(r.refACLs(b.Principals[0], b.Host, b.Permission, f, ref)) {
				keep = append(keep, ref)
			}
		}
		if len(keep) < len(*list) && (len(keep) > 0 || !r.required[f]) {
			*list, changed = keep, true
		}
	}
	return b, changed
}

// bare returns b without its optional lists, and whether it had any.
func (r roleShape) bare(b spec.RoleBinding) (spec.RoleBinding, bool) {
	changed := false
	for _, f := range r.lists {
		if list := refList(&b, f); !r.required[f] && len(*list) > 0 {
			*list, changed = nil, true
		}
	}
	return b, changed
}

// principalName is the name part of a principal: alice for User:alice.
func principalName(p string) string {
	if _, name, ok := strings.Cut(p, ":"); ok && name != "" {
		return name
	}
	return p
}

// uniqueName returns base, or base-2, base-3, ... if taken, and takes it.
func uniqueName(taken map[string]bool, base string) string {
	name := base
	for n := 2; taken[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	taken[name] = true
	return name
}

// roleBindingDoc writes b as a RoleBinding document, its fields in the
// order the loader lists them; host and permission only when not the
// default.
func roleBindingDoc(b spec.RoleBinding) string {
	var w strings.Builder
	fmt.Fprintf(&w, "apiVersion: %s\nkind: RoleBinding\nmetadata:\n  name: %s\nspec:\n  role: %s\n  principals: [%s]\n",
		spec.APIVersion, yamlString(b.Name), yamlString(b.Role), yamlString(b.Principals[0]))
	list := func(field string) {
		refs := *refList(&b, field)
		if len(refs) == 0 {
			return
		}
		fmt.Fprintf(&w, "  %s:\n", field)
		for _, r := range refs {
			if r.PatternType == spec.PatternLiteral {
				fmt.Fprintf(&w, "    - %s\n", yamlString(r.Name))
			} else {
				fmt.Fprintf(&w, "    - {name: %s, patternType: %s}\n", yamlString(r.Name), r.PatternType)
			}
		}
	}
	for _, f := range listFields[:3] {
		list(f)
	}
	if b.ApplicationID != "" {
		fmt.Fprintf(&w, "  %s: %s\n", fieldApplicationID, yamlString(b.ApplicationID))
	}
	for _, f := range listFields[3:] {
		list(f)
	}
	if b.ExactlyOnce {
		fmt.Fprintf(&w, "  %s: true\n", fieldExactlyOnce)
	}
	if b.Host != spec.Wildcard {
		fmt.Fprintf(&w, "  host: %s\n", yamlString(b.Host))
	}
	if b.Permission != spec.PermissionAllow {
		fmt.Fprintf(&w, "  permission: %s\n", strings.ToLower(b.Permission))
	}
	return w.String()
}
