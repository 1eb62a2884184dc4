package spec

import "go.yaml.in/yaml/v3"

// ACL is a document of raw ACLs for one principal. Several ACL documents
// may name the same principal: their rules add up.
type ACL struct {
	Name   string
	Labels map[string]string
	// Annotations are metadata.annotations: kgitops.io/delete deletes the
	// document's ACLs; kgitops.io/prevent-destroy protects its principal.
	Annotations map[string]string
	Principal   string // such as User:alice
	Rules       []ACLRule

	Pos Pos // the document's "kind:" line
}

// ACLRule grants (or denies) operations on one resource pattern.
type ACLRule struct {
	Resource   ResourcePattern
	Operations []string // Kafka's names, such as READ and DESCRIBE_CONFIGS, as written
	Permission string   // ALLOW or DENY
	Host       string   // "*" or an IP address

	Pos Pos // the rule's first line
}

// ResourcePattern is the resource, or the resources, an ACL applies to.
type ResourcePattern struct {
	Type        string // topic, group, cluster, transactionalId, delegationToken or user
	Name        string // "*" (with literal) for all; kafka-cluster for the cluster
	PatternType string // literal or prefixed
}

// decodeACL reads an ACL document.
func decodeACL(d *decoder, doc document, st *State) {
	a := ACL{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {principal: User:..., rules: [...]}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "principal", "rules")
	if !ok {
		return
	}
	if f, ok := fs["principal"]; !ok {
		d.errorf(doc.SpecAt, "add principal: User:<name> under spec", "principal is missing")
	} else {
		a.Principal, _ = d.principal(f)
	}
	f, ok := fs["rules"]
	if !ok {
		d.errorf(doc.SpecAt, "add rules: [{resource: ..., operations: [...]}] under spec", "rules is missing")
	} else if isNull(f.Value) || f.Value.Kind == yaml.SequenceNode && len(f.Value.Content) == 0 {
		d.errorf(f.Value, "list at least one rule, or remove the document", "rules is empty")
	} else if f.Value.Kind != yaml.SequenceNode {
		d.errorf(f.Value, "write rules: [{resource: ..., operations: [...]}]", "rules must be a list, got %s", describe(f.Value))
	} else {
		for _, item := range f.Value.Content {
			if item = resolve(item); item != nil {
				if r, ok := d.aclRule(item); ok {
					a.Rules = append(a.Rules, r)
				}
			}
		}
	}
	if doc.Name != "" {
		st.ACLs = append(st.ACLs, a)
	}
}

// aclRule reads one entry of an ACL's rules.
func (d *decoder) aclRule(n *yaml.Node) (ACLRule, bool) {
	r := ACLRule{Permission: PermissionAllow, Host: Wildcard, Pos: d.pos(n)}
	fs, ok := d.fields(n, "a rule", "resource", "operations", "permission", "host")
	if !ok {
		return r, false
	}
	good := true
	f, ok := fs["resource"]
	if !ok {
		d.errorf(n, "add resource: {type: topic, name: ...}", "the rule has no resource")
		good = false
	} else {
		r.Resource, ok = d.resourcePattern(f)
		good = good && ok
	}
	if f, ok := fs["operations"]; !ok {
		d.errorf(n, "add operations: [read, describe]", "the rule has no operations")
		good = false
	} else {
		r.Operations = d.operations(f, r.Resource.Type)
		good = good && len(r.Operations) > 0
	}
	if f, ok := fs["permission"]; ok {
		r.Permission, ok = d.permission(f)
		good = good && ok
	}
	if f, ok := fs["host"]; ok {
		r.Host, ok = d.host(f)
		good = good && ok
	}
	return r, good
}

// resourcePattern reads a rule's resource: {type, name, patternType}. The
// cluster's name may be left out. Type is left empty when it is bad, so
// that operations are not checked against it.
func (d *decoder) resourcePattern(f field) (ResourcePattern, bool) {
	p := ResourcePattern{PatternType: PatternLiteral}
	fs, ok := d.fields(f.Value, "resource", "type", "name", "patternType")
	if !ok {
		return p, false
	}
	tf, ok := fs["type"]
	if !ok {
		d.errorf(f.Key, "add type: topic, group, cluster, transactionalId, delegationToken or user", "resource type is missing")
		return p, false
	}
	if p.Type, ok = d.resourceType(tf, resourceTypes, ""); !ok {
		return p, false
	}
	good := true
	if pf, ok := fs["patternType"]; ok {
		p.PatternType, good = d.patternType(pf)
		if good && p.Type == ResourceCluster && p.PatternType == PatternPrefixed {
			d.errorf(pf.Value, "remove patternType: the cluster resource is always literal", "the cluster resource cannot be prefixed")
			good = false
		}
	}
	nf, ok := fs["name"]
	switch {
	case !ok && p.Type == ResourceCluster:
		p.Name = ClusterResourceName
		return p, good
	case !ok:
		d.errorf(f.Key, `add name: ..., or name: "*" for all`, "resource name is missing")
		return p, false
	}
	nf.Name = "resource name"
	if p.Name, ok = d.text(nf, "a string"); !ok {
		return p, false
	}
	if msg, hint, ok := checkResourceName(p.Type, p.PatternType, p.Name); !ok && good {
		d.errorf(nf.Value, hint, "%s", msg)
		return p, false
	}
	return p, good
}
