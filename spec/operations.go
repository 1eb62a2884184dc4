package spec

import (
	"slices"
	"strings"
	"unicode"
)

// This file is the one place that knows Kafka's ACL vocabulary: resource
// types, pattern types, permissions and which operations apply to which
// resource type (AclEntry.java of Apache Kafka 4.1). The broker does not
// enforce that table, only the kafka-acls tool does, so kgitops checks it.

// Resource types, as written in YAML and in ACLEntry.ResourceType.
const (
	ResourceTopic           = "topic"
	ResourceGroup           = "group"
	ResourceCluster         = "cluster"
	ResourceTransactionalID = "transactionalId"
	ResourceDelegationToken = "delegationToken"
	ResourceUser            = "user"
)

// ClusterResourceName is the name of the one cluster resource.
const ClusterResourceName = "kafka-cluster"

// Pattern types, as written in YAML and in ACLEntry.PatternType. ANY and
// MATCH exist in Kafka for filters only.
const (
	PatternLiteral  = "literal"
	PatternPrefixed = "prefixed"
)

// Permissions, as in ACLEntry.Permission.
const (
	PermissionAllow = "ALLOW"
	PermissionDeny  = "DENY"
)

// Wildcard is the literal resource name, and the host, that matches all.
const Wildcard = "*"

// OperationAll is the operation that grants (or denies) every operation.
const OperationAll = "ALL"

// resourceTypes lists the resource types in Kafka's enum order.
var resourceTypes = []string{
	ResourceTopic, ResourceGroup, ResourceCluster,
	ResourceTransactionalID, ResourceDelegationToken, ResourceUser,
}

// operationNames lists Kafka's grantable operations in its enum order.
var operationNames = []string{
	"ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
	"CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE",
	"CREATE_TOKENS", "DESCRIBE_TOKENS",
}

// resourceOperations lists the operations, besides ALL, that apply to each
// resource type.
var resourceOperations = map[string][]string{
	ResourceTopic:           {"READ", "WRITE", "CREATE", "DESCRIBE", "DELETE", "ALTER", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"},
	ResourceGroup:           {"READ", "DESCRIBE", "DELETE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"},
	ResourceCluster:         {"CREATE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "ALTER", "DESCRIBE"},
	ResourceTransactionalID: {"DESCRIBE", "WRITE"},
	ResourceDelegationToken: {"DESCRIBE"},
	ResourceUser:            {"CREATE_TOKENS", "DESCRIBE_TOKENS"},
}

// ResourceTypes returns the resource types an ACL may name, in Kafka's
// enum order.
func ResourceTypes() []string { return slices.Clone(resourceTypes) }

// Operations returns the operations that apply to resourceType, ALL first,
// then Kafka's enum order. It is nil for an unknown resource type.
func Operations(resourceType string) []string {
	ops, ok := resourceOperations[resourceType]
	if !ok {
		return nil
	}
	out := []string{OperationAll}
	for _, op := range operationNames {
		if slices.Contains(ops, op) {
			out = append(out, op)
		}
	}
	return out
}

// OperationApplies reports whether op (Kafka's name) may be granted on
// resourceType.
func OperationApplies(resourceType, op string) bool {
	return op == OperationAll && resourceOperations[resourceType] != nil ||
		slices.Contains(resourceOperations[resourceType], op)
}

// squash folds the spellings of one name together: describeConfigs,
// DESCRIBE_CONFIGS and describe-configs all become "describeconfigs".
func squash(s string) string {
	return strings.ToLower(squasher.Replace(s))
}

// squasher drops what squash ignores. Built once: building a Replacer
// costs far more than using one, and ACL loading squashes every operation
// and resource type it reads.
var squasher = strings.NewReplacer("_", "", "-", "")

// squashedOperations and squashedResourceTypes map each squashed name to
// Kafka's, for parseOperation and parseResourceType.
var (
	squashedOperations    = squashedNames(operationNames)
	squashedResourceTypes = squashedNames(resourceTypes)
)

// squashedNames maps squash(n) to n for each of names; the first name
// wins if two squash alike.
func squashedNames(names []string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		if _, ok := m[squash(n)]; !ok {
			m[squash(n)] = n
		}
	}
	return m
}

// parseOperation returns Kafka's name of the operation s, which may be
// written in any case, in snake, kebab or camel case.
func parseOperation(s string) (string, bool) {
	op, ok := squashedOperations[squash(s)]
	return op, ok
}

// parseResourceType returns the canonical name of resource type s, which
// may be written like an operation.
func parseResourceType(s string) (string, bool) {
	t, ok := squashedResourceTypes[squash(s)]
	return t, ok
}

// parsePatternType returns literal or prefixed for s, in any case.
func parsePatternType(s string) (string, bool) {
	for _, p := range []string{PatternLiteral, PatternPrefixed} {
		if strings.EqualFold(p, s) {
			return p, true
		}
	}
	return "", false
}

// parsePermission returns ALLOW or DENY for s, in any case.
func parsePermission(s string) (string, bool) {
	for _, p := range []string{PermissionAllow, PermissionDeny} {
		if strings.EqualFold(p, s) {
			return p, true
		}
	}
	return "", false
}

// spellLike writes Kafka's operation name op the way like is written, so
// that a suggestion reads like the user's own text: READ_CONFIGS stays
// upper snake, describe-configs kebab, anything else lower camel case.
func spellLike(op, like string) string {
	words := strings.Split(strings.ToLower(op), "_")
	switch {
	case strings.Contains(like, "-"):
		return strings.Join(words, "-")
	case strings.Contains(like, "_") || like == strings.ToUpper(like) && strings.ToUpper(like) != strings.ToLower(like):
		return op
	}
	for i := 1; i < len(words); i++ {
		r := []rune(words[i])
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, "")
}

// typesOf lists the resource types op applies to, ALL aside.
func typesOf(op string) []string {
	var out []string
	for _, t := range resourceTypes {
		if slices.Contains(resourceOperations[t], op) {
			out = append(out, t)
		}
	}
	return out
}

// andList joins words as "a", "a and b" or "a, b and c".
func andList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// article returns "a topic", "a user", "an ACL".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeioAEIO", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
