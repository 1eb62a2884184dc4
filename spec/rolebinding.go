package spec

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RoleBinding grants a role, built in or declared by a Role document, to
// principals on the resources it names. Which resource fields it must and
// may give depends on the role.
type RoleBinding struct {
	Name   string
	Labels map[string]string
	// Annotations are metadata.annotations: kgitops.io/delete deletes the
	// ACLs the binding grants; kgitops.io/prevent-destroy protects its
	// principals.
	Annotations map[string]string
	Role        string
	Principals  []string

	Topics           []ResourceRef
	Groups           []ResourceRef
	TransactionalIDs []ResourceRef
	// ApplicationID, InputTopics, OutputTopics and ExactlyOnce are for the
	// streams-app role only.
	ApplicationID string
	InputTopics   []ResourceRef
	OutputTopics  []ResourceRef
	ExactlyOnce   bool

	Host       string // "*" unless given
	Permission string // ALLOW unless given

	Pos Pos // the document's "kind:" line
}

// ResourceRef names a resource, or a prefix of resource names, whose type
// the field that holds it implies.
type ResourceRef struct {
	Name        string
	PatternType string // literal or prefixed
}

// refs returns the binding's resources of type rt.
func (b *RoleBinding) refs(rt string) []ResourceRef {
	switch rt {
	case ResourceTopic:
		return b.Topics
	case ResourceGroup:
		return b.Groups
	case ResourceTransactionalID:
		return b.TransactionalIDs
	}
	return nil
}

// refField is the RoleBinding field that names resources of type rt, or ""
// for the cluster.
func refField(rt string) string {
	switch rt {
	case ResourceTopic:
		return fieldTopics
	case ResourceGroup:
		return fieldGroups
	case ResourceTransactionalID:
		return fieldTransactionalIDs
	}
	return ""
}

// decodeRoleBinding reads a RoleBinding document. Whether its role exists
// and gets the resources it needs is checked once every Role is read.
func decodeRoleBinding(d *decoder, doc document, st *State) {
	b := RoleBinding{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Host: Wildcard, Permission: PermissionAllow, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {role: ..., principals: [...], ...}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", slices.Concat([]string{"role", "principals"}, roleFields, []string{"host", "permission"})...)
	if !ok {
		return
	}
	rf, hasRole := fs["role"]
	if !hasRole {
		d.errorf(doc.SpecAt, "add role: under spec: a built-in role ("+strings.Join(builtinRoleNames(), ", ")+"), or a Role's name", "role is missing")
	} else {
		b.Role, hasRole = d.name(rf)
	}
	if f, ok := fs["principals"]; !ok {
		d.errorf(doc.SpecAt, "add principals: [User:<name>] under spec", "principals is missing")
	} else {
		b.Principals = d.principals(f)
	}
	for _, r := range []struct {
		field, rt string
		into      *[]ResourceRef
	}{
		{fieldTopics, ResourceTopic, &b.Topics},
		{fieldGroups, ResourceGroup, &b.Groups},
		{fieldTransactionalIDs, ResourceTransactionalID, &b.TransactionalIDs},
		{fieldInputTopics, ResourceTopic, &b.InputTopics},
		{fieldOutputTopics, ResourceTopic, &b.OutputTopics},
	} {
		if f, ok := fs[r.field]; ok {
			*r.into = d.resourceRefs(f, r.rt)
		}
	}
	if f, ok := fs[fieldApplicationID]; ok {
		if id, ok := d.name(f); ok {
			if msg, hint, ok := checkApplicationID(id); !ok {
				d.errorf(f.Value, hint, "%s", msg)
			}
			b.ApplicationID = id
		}
	}
	if f, ok := fs[fieldExactlyOnce]; ok {
		b.ExactlyOnce, _ = d.boolean(f)
	}
	if f, ok := fs["host"]; ok {
		b.Host, _ = d.host(f)
	}
	if f, ok := fs["permission"]; ok {
		b.Permission, _ = d.permission(f)
	}
	if hasRole {
		role := b.Role
		d.l.after(func(st *State) { d.checkBinding(role, rf, fs, st) })
	}
	if doc.Name != "" {
		st.RoleBindings = append(st.RoleBindings, b)
	}
}

// checkBinding checks that role exists, and that the binding, whose spec
// fields are fs, gives every resource field the role needs and none that
// it does not use.
func (d *decoder) checkBinding(role string, rf field, fs map[string]field, st *State) {
	var requires, optional []string
	if b, ok := builtinRole(role); ok {
		requires, optional = b.requires, b.optional
	} else if r, ok := findRole(st.Roles, role); ok {
		if d.l.isInvalid(r.Pos) {
			return // its own errors are reported; what it needs is unknown
		}
		requires = r.bindingFields()
	} else {
		names := builtinRoleNames()
		for _, r := range st.Roles {
			names = append(names, r.Name)
		}
		hint := "built-in roles: " + strings.Join(builtinRoleNames(), ", ") + "; declare any other in a Role document"
		if c, ok := closest(role, names); ok {
			hint = "did you mean " + c + "? " + hint
		}
		d.errorf(rf.Value, hint, "unknown role %q", role)
		return
	}
	takes := slices.Concat(requires, optional)
	for _, name := range roleFields {
		f, ok := fs[name]
		if ok && !slices.Contains(takes, name) {
			hint := "remove it: role " + role + " names no resources"
			if len(takes) > 0 {
				hint = "remove it: role " + role + " takes " + andList(orderFields(takes))
			}
			d.errorf(f.Key, hint, "role %s does not use %s", role, name)
		}
	}
	for _, name := range orderFields(requires) {
		if f, ok := fs[name]; !ok || !given(f.Value) {
			d.errorf(rf.Value, requiredHint(name), "role %s needs %s", role, name)
		}
	}
}

// findRole returns the first Role named name.
func findRole(roles []Role, name string) (Role, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// given reports whether a binding field has a value: a non-empty list, or
// a scalar other than null.
func given(n *yaml.Node) bool {
	if n.Kind == yaml.SequenceNode {
		return len(n.Content) > 0
	}
	return !isNull(n)
}

// orderFields sorts binding field names in the order of roleFields.
func orderFields(fields []string) []string {
	out := slices.Clone(fields)
	slices.SortFunc(out, func(a, b string) int { return slices.Index(roleFields, a) - slices.Index(roleFields, b) })
	return out
}

func requiredHint(field string) string {
	if field == fieldApplicationID {
		return "add applicationId: <the application.id of the Streams app> under spec"
	}
	return fmt.Sprintf("add %s: [{name: ...}] under spec", field)
}

// boolean reads true or false.
func (d *decoder) boolean(f field) (bool, bool) {
	s, ok := d.text(f, "true or false")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.errorf(f.Value, "", "%s must be true or false, got %q", f.Name, s)
	return false, false
}
