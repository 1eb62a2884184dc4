package spec

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Role is a reusable set of permissions: operations per resource type,
// without resource names. A RoleBinding grants it to principals on the
// resources it names. Its name must not be that of a built-in role.
type Role struct {
	Name        string
	Labels      map[string]string
	Description string
	Rules       []RoleRule

	Pos Pos // the document's "kind:" line
}

// RoleRule grants operations on every resource of one type that a binding
// names: its topics, groups or transactionalIds. A cluster rule applies to
// the cluster resource, kafka-cluster.
type RoleRule struct {
	ResourceType string   // topic, group, cluster or transactionalId
	Operations   []string // Kafka's names, as written
}

// roleResourceTypes are the resource types a Role may grant on: those a
// RoleBinding can name, and the cluster.
var roleResourceTypes = []string{ResourceTopic, ResourceGroup, ResourceCluster, ResourceTransactionalID}

// decodeRole reads a Role document.
func decodeRole(d *decoder, doc document, st *State) {
	r := Role{Name: doc.Name, Labels: doc.Labels, Pos: doc.Pos}
	errs := len(d.l.errs)
	defer func() {
		if len(d.l.errs) > errs {
			d.l.invalid(doc.Pos)
		}
	}()
	if _, ok := builtinRole(doc.Name); ok {
		d.errorf(doc.NameNode, "rename it: the built-in roles are "+strings.Join(builtinRoleNames(), ", "),
			"role %q is built in", doc.Name)
		r.Name = ""
	}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {rules: [{resourceType: topic, operations: [...]}]}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "description", "rules")
	if !ok {
		return
	}
	if f, ok := fs["description"]; ok {
		r.Description, _ = d.text(f, "a string")
	}
	f, ok := fs["rules"]
	switch {
	case !ok:
		d.errorf(doc.SpecAt, "add rules: [{resourceType: topic, operations: [...]}] under spec", "rules is missing")
	case isNull(f.Value) || f.Value.Kind == yaml.SequenceNode && len(f.Value.Content) == 0:
		d.errorf(f.Value, "list at least one rule", "rules is empty")
	case f.Value.Kind != yaml.SequenceNode:
		d.errorf(f.Value, "write rules: [{resourceType: topic, operations: [...]}]", "rules must be a list, got %s", describe(f.Value))
	default:
		r.Rules = d.roleRules(f.Value)
	}
	if r.Name != "" {
		st.Roles = append(st.Roles, r)
	}
}

// roleRules reads a Role's rules: at most one per resource type.
func (d *decoder) roleRules(list *yaml.Node) []RoleRule {
	var out []RoleRule
	lines := map[string]int{}
	for _, item := range list.Content {
		item = resolve(item)
		if item == nil {
			continue
		}
		fs, ok := d.fields(item, "a rule", "resourceType", "operations")
		if !ok {
			continue
		}
		var r RoleRule
		tf, ok := fs["resourceType"]
		if !ok {
			d.errorf(item, "add resourceType: topic, group, cluster or transactionalId", "the rule has no resourceType")
		} else if r.ResourceType, ok = d.resourceType(tf, roleResourceTypes, "a RoleBinding names only topics, groups and transactionalIds, and the cluster; use an ACL document"); ok {
			if line, dup := lines[r.ResourceType]; dup {
				d.errorf(tf.Value, "merge their operations into one rule", "resourceType %s has a rule already at line %d", r.ResourceType, line)
				continue
			}
			lines[r.ResourceType] = tf.Value.Line
		}
		if of, ok := fs["operations"]; !ok {
			d.errorf(item, "add operations: [read, describe]", "the rule has no operations")
		} else {
			r.Operations = d.operations(of, r.ResourceType)
		}
		if r.ResourceType != "" && len(r.Operations) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// bindingFields returns the RoleBinding fields a Role needs: one for each
// resource type it grants on, besides the cluster.
func (r Role) bindingFields() []string {
	var out []string
	for _, rule := range r.Rules {
		if f := refField(rule.ResourceType); f != "" {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// grants expands the Role for binding b.
func (r Role) grants(b *RoleBinding) []grant {
	var out []grant
	for _, rule := range r.Rules {
		if rule.ResourceType == ResourceCluster {
			out = append(out, onCluster(rule.Operations...)...)
			continue
		}
		out = append(out, on(rule.ResourceType, b.refs(rule.ResourceType), rule.Operations...)...)
	}
	return out
}
