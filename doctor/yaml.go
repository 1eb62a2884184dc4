package doctor

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// topicYAML is a kgitops Topic document for t with configs set (key,
// value pairs, in order).
func topicYAML(t Topic, configs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n", yamlScalar(t.Name))
	fmt.Fprintf(&b, "  partitions: %d\n  replicationFactor: %d\n", len(t.Partitions), t.ReplicationFactor())
	writeConfigs(&b, configs)
	return b.String()
}

// brokerConfigYAML is a kgitops BrokerConfig document: for the
// cluster-wide defaults when broker is nil, else for that broker.
func brokerConfigYAML(broker *int32, configs ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\n")
	if broker == nil {
		b.WriteString("metadata: {name: cluster-defaults}\nspec:\n  broker: default\n")
	} else {
		fmt.Fprintf(&b, "metadata: {name: broker-%d}\nspec:\n  broker: %d\n", *broker, *broker)
	}
	writeConfigs(&b, configs)
	return b.String()
}

func writeConfigs(b *strings.Builder, kv []string) {
	if len(kv) == 0 {
		return
	}
	b.WriteString("  configs:\n")
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(b, "    %s: %s\n", kv[i], yamlValue(kv[i+1]))
	}
}

// plainName matches a name YAML reads as a string without quotes.
var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._-]*$`)

// yamlWords are plain scalars YAML (1.1 or 1.2) reads as something other
// than a string.
var yamlWords = []string{"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}

// yamlScalar writes s as a YAML string, quoted when a plain scalar would
// read as a number, boolean or null.
func yamlScalar(s string) string {
	if plainName.MatchString(s) && !slices.Contains(yamlWords, strings.ToLower(s)) {
		return s
	}
	return `"` + s + `"` // topic names hold only [a-zA-Z0-9._-]: nothing to escape
}

// plainValue matches config values written without quotes.
var plainValue = regexp.MustCompile(`^(-?[0-9]+|true|false)$`)

// yamlValue writes a config value as kgitops documents show them:
// numbers and booleans plain, other strings as yamlScalar does.
func yamlValue(v string) string {
	if plainValue.MatchString(v) {
		return v
	}
	return yamlScalar(v)
}
