package spec

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file holds the decoder helpers that ACL, Role and RoleBinding
// documents share.

// principal reads one principal, such as User:alice.
func (d *decoder) principal(f field) (string, bool) {
	s, ok := d.text(f, "a string such as User:alice")
	if !ok {
		return "", false
	}
	if msg, hint, ok := CheckPrincipal(s); !ok {
		d.errorf(f.Value, hint, "%s", msg)
		return "", false
	}
	return s, true
}

// principals reads a non-empty list of principals.
func (d *decoder) principals(f field) []string {
	if isNull(f.Value) || f.Value.Kind == yaml.SequenceNode && len(f.Value.Content) == 0 {
		d.errorf(f.Value, "write principals: [User:alice]", "%s is empty", f.Name)
		return nil
	}
	list, nodes := d.stringList(f)
	var out []string
	for i, p := range list {
		if msg, hint, ok := CheckPrincipal(p); !ok {
			d.errorf(nodes[i], hint, "%s", msg)
			continue
		}
		out = append(out, p)
	}
	return out
}

// host reads a host: "*" or an IP address.
func (d *decoder) host(f field) (string, bool) {
	s, ok := d.text(f, `"*" or an IP address`)
	if !ok {
		return "", false
	}
	if msg, hint, ok := CheckHost(s); !ok {
		d.errorf(f.Value, hint, "%s", msg)
		return "", false
	}
	return s, true
}

// permission reads allow or deny, in any case.
func (d *decoder) permission(f field) (string, bool) {
	s, ok := d.text(f, "allow or deny")
	if !ok {
		return "", false
	}
	p, ok := parsePermission(s)
	if !ok {
		d.errorf(f.Value, suggestHint(s, []string{"allow", "deny"}, "write allow or deny"), "%s must be allow or deny, got %q", f.Name, s)
	}
	return p, ok
}

// patternType reads literal or prefixed, in any case.
func (d *decoder) patternType(f field) (string, bool) {
	s, ok := d.text(f, "literal or prefixed")
	if !ok {
		return "", false
	}
	p, ok := parsePatternType(s)
	switch {
	case ok:
	case strings.EqualFold(s, "any") || strings.EqualFold(s, "match"):
		d.errorf(f.Value, "write literal or prefixed", "patternType %s is for filters only: an ACL is literal or prefixed", s)
	default:
		d.errorf(f.Value, suggestHint(s, []string{PatternLiteral, PatternPrefixed}, "write literal or prefixed"), "unknown patternType %q", s)
	}
	return p, ok
}

// resourceType reads a resource type, one of allowed (canonical names).
// why says why the others are not allowed, for the message.
func (d *decoder) resourceType(f field, allowed []string, why string) (string, bool) {
	s, ok := d.text(f, "a resource type")
	if !ok {
		return "", false
	}
	known := "resource types: " + strings.Join(allowed, ", ")
	t, ok := parseResourceType(s)
	switch {
	case !ok:
		hint := known
		if c, ok := closest(s, allowed); ok {
			hint = "did you mean " + c + "? " + known
		}
		d.errorf(f.Value, hint, "unknown resource type %q", s)
		return "", false
	case !slices.Contains(allowed, t):
		d.errorf(f.Value, known, "resource type %s is not allowed here: %s", t, why)
		return "", false
	}
	return t, true
}

// operations reads a non-empty list of operations and returns Kafka's
// names of them, in the order written. rt, when not empty, is the resource
// type they are granted on: each must apply to it.
func (d *decoder) operations(f field, rt string) []string {
	v := f.Value
	if isNull(v) || v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		d.errorf(v, "list at least one, such as [read, describe]", "%s is empty", f.Name)
		return nil
	}
	ops, _ := d.textList(f, "[read, describe]", func(n *yaml.Node, s string) (string, bool) {
		return d.operation(n, s, rt)
	})
	return ops
}

// operation checks one operation s, written at n, against resource type rt.
func (d *decoder) operation(n *yaml.Node, s, rt string) (string, bool) {
	takes := func(rt string) string {
		ops := Operations(rt)
		for i, op := range ops {
			ops[i] = spellLike(op, s)
		}
		return article(rt) + " takes " + strings.Join(ops, ", ")
	}
	if squash(s) == "any" {
		d.errorf(n, "write "+spellLike(OperationAll, s)+" to grant every operation",
			"operation ANY cannot be granted: it matches operations in filters only")
		return "", false
	}
	op, ok := parseOperation(s)
	if !ok {
		hint := "operations: " + strings.ToLower(strings.Join(operationNames, ", "))
		if rt != "" {
			hint = takes(rt)
		}
		if c, ok := closestOperation(s, rt); ok {
			hint = "did you mean " + spellLike(c, s) + "?"
		}
		d.errorf(n, hint, "unknown operation %q", s)
		return "", false
	}
	if rt == "" || OperationApplies(rt, op) {
		return op, true
	}
	on := typesOf(op)
	why := "it applies to " + andList(on)
	if len(on) == 1 {
		why = "it is " + article(on[0]) + " operation"
	}
	d.errorf(n, takes(rt), "operation %s does not apply to %s: %s", op, article(rt), why)
	return "", false
}

// closestOperation suggests an operation for the unknown s: one that
// applies to rt if one is close, else any.
func closestOperation(s, rt string) (string, bool) {
	for _, ops := range [][]string{Operations(rt), operationNames} {
		squashed := make([]string, len(ops))
		for i, op := range ops {
			squashed[i] = squash(op)
		}
		if c, ok := closest(squash(s), squashed); ok {
			for _, op := range ops {
				if squash(op) == c {
					return op, true
				}
			}
		}
	}
	return "", false
}

// resourceRefs reads the resources of a RoleBinding field: a list whose
// entries are a name, or {name: ..., patternType: literal|prefixed}.
func (d *decoder) resourceRefs(f field, rt string) []ResourceRef {
	v := f.Value
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, fmt.Sprintf("write %s: [{name: ...}]", f.Name), "%s must be a list, got %s", f.Name, describe(v))
		return nil
	}
	var out []ResourceRef
	seen := map[ResourceRef]int{}
	for _, item := range v.Content {
		item = resolve(item)
		if item == nil {
			continue
		}
		what := "an entry of " + f.Name
		ref := ResourceRef{PatternType: PatternLiteral}
		at := item
		if item.Kind == yaml.MappingNode {
			fs, _ := d.fields(item, what, "name", "patternType")
			nf, ok := fs["name"]
			if !ok {
				d.errorf(item, "add name: ...", "%s has no name", what)
				continue
			}
			nf.Name = f.Name + " name"
			if ref.Name, ok = d.text(nf, "a string"); !ok {
				continue
			}
			at = nf.Value
			if pf, ok := fs["patternType"]; ok {
				if ref.PatternType, ok = d.patternType(pf); !ok {
					continue
				}
			}
		} else if s, ok := d.text(field{Name: what, Value: item}, "a name or {name: ..., patternType: ...}"); ok {
			ref.Name = s
		} else {
			continue
		}
		if msg, hint, ok := checkResourceName(rt, ref.PatternType, ref.Name); !ok {
			d.errorf(at, hint, "%s", msg)
			continue
		}
		if line, dup := seen[ref]; dup {
			d.errorf(at, "remove one of them", "%s lists %s %q twice: also at line %d", f.Name, ref.PatternType, ref.Name, line)
			continue
		}
		seen[ref] = at.Line
		out = append(out, ref)
	}
	return out
}
