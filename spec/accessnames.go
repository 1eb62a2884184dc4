package spec

import (
	"fmt"
	"net/netip"
	"slices"
)

// This file exports, for the access package, the spellings the loader
// accepts for operations and resource types, the host form Kafka compares,
// and what each built-in role grants.

// ParseOperation returns Kafka's name of the grantable operation s, written
// in any case, in snake, kebab or camel case (describeConfigs,
// DESCRIBE_CONFIGS, describe-configs). ANY is for filters only and is not
// accepted.
func ParseOperation(s string) (string, bool) { return parseOperation(s) }

// ParseResourceType returns the canonical name of resource type s (topic,
// group, cluster, transactionalId, delegationToken or user), written in any
// case or spelling the loader accepts.
func ParseResourceType(s string) (string, bool) { return parseResourceType(s) }

// ClosestOperation suggests the operation meant by the unknown s: one that
// applies to resourceType if one is close, else any.
func ClosestOperation(s, resourceType string) (string, bool) {
	return closestOperation(s, resourceType)
}

// OperationTypes lists the resource types op applies to, ALL aside.
func OperationTypes(op string) []string { return typesOf(op) }

// KafkaHost returns the IP address h as Kafka compares it with an ACL's
// host: the text Java's InetAddress.getHostAddress writes (IPv4 dotted,
// IPv6 in eight full groups). "*" stays "*". A hostname is an error.
func KafkaHost(h string) (string, error) {
	if h == Wildcard {
		return h, nil
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return "", fmt.Errorf("host %q is not an IP address: Kafka matches clients by IP address only", h)
	}
	if a.Zone() != "" {
		return "", fmt.Errorf("host %q has an IPv6 zone, which Kafka never writes", h)
	}
	return javaHost(a), nil
}

// BuiltinRoleOperations returns, by resource type, the operations the
// built-in role name grants to a binding that gives every field the role
// takes. ok is false for an unknown role.
func BuiltinRoleOperations(name string) (ops map[string][]string, ok bool) {
	b, ok := builtinRole(name)
	if !ok {
		return nil, false
	}
	ex := exampleBinding(slices.Concat(b.requires, b.optional))
	ops = map[string][]string{}
	for _, g := range b.grants(&ex) {
		if !slices.Contains(ops[g.resource.Type], g.operation) {
			ops[g.resource.Type] = append(ops[g.resource.Type], g.operation)
		}
	}
	return ops, true
}

// BuiltinRoleNames returns the names of the built-in roles, sorted.
func BuiltinRoleNames() []string { return builtinRoleNames() }
