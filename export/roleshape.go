package export

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

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
