package access

import (
	"fmt"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// ParseResource reads RESOURCE as type:name, such as topic:shop.orders or
// transactionalId:tx-1. The type is written in any spelling the repo
// accepts; the cluster's name may be left out (cluster, or
// cluster:kafka-cluster).
func ParseResource(s string) (Resource, error) {
	typ, name, found := strings.Cut(s, ":")
	rt, ok := spec.ParseResourceType(typ)
	switch {
	case !ok:
		return Resource{}, fmt.Errorf("resource %q: unknown resource type %q: write type:name with a type of %s",
			s, typ, strings.Join(spec.ResourceTypes(), ", "))
	case rt == spec.ResourceCluster && (!found || name == spec.ClusterResourceName):
		return Resource{Type: rt, Name: spec.ClusterResourceName}, nil
	case rt == spec.ResourceCluster:
		return Resource{}, fmt.Errorf("resource %q: the cluster resource is named %s: write cluster", s, spec.ClusterResourceName)
	case !found || name == "":
		return Resource{}, fmt.Errorf("resource %q has no name: write %s:<name>", s, rt)
	}
	return Resource{Type: rt, Name: name}, nil
}

// ParseOperation reads OPERATION in any spelling the repo accepts (read,
// READ, describeConfigs, describe-configs) and checks that it applies to
// resource type rt.
func ParseOperation(s, rt string) (string, error) {
	op, ok := spec.ParseOperation(s)
	if !ok {
		hint := "operations on " + article(rt) + ": " + strings.ToLower(strings.Join(spec.Operations(rt), ", "))
		if c, ok := spec.ClosestOperation(s, rt); ok {
			hint = "did you mean " + strings.ToLower(c) + "? " + hint
		}
		return "", fmt.Errorf("unknown operation %q: %s", s, hint)
	}
	if !spec.OperationApplies(rt, op) {
		return "", fmt.Errorf("operation %s does not apply to %s (it applies to %s): %s takes %s",
			op, article(rt), strings.Join(spec.OperationTypes(op), ", "), article(rt), strings.ToLower(strings.Join(spec.Operations(rt), ", ")))
	}
	return op, nil
}

// ParsePrincipal checks a principal asked about: Type:name, not a wildcard.
func ParsePrincipal(p string) (string, error) {
	if msg, hint, ok := spec.CheckPrincipal(p); !ok {
		return "", fmt.Errorf("%s: %s", msg, hint)
	}
	if strings.HasSuffix(p, ":*") {
		return "", fmt.Errorf("principal %q stands for every user in ACLs: ask about one principal, such as User:alice, or use access who-can", p)
	}
	return p, nil
}

// article returns "a topic", "a group", "an apple".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeioAEIO", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
