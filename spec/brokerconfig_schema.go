package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The JSON Schema of BrokerConfig documents, built from the table in
// brokerconfigs_table.go, as schemakinds.go builds the others'. Keys the
// Settings document may allow (extraBrokerConfigKeys) are accepted with
// any value; only the loader knows Settings.

// listenerKeyPattern matches listener.name.<listener>.<base> for one of
// bases, or for mechanisms, listener.name.<listener>.<mechanism>.<base>.
func listenerKeyPattern(bases []string, mechanism bool) string {
	alts := make([]string, len(bases))
	for i, b := range bases {
		alts[i] = regexp.QuoteMeta(b)
	}
	mid := ""
	if mechanism {
		mid = inner(mechanismName) + `\.`
	}
	return `^` + regexp.QuoteMeta(listenerPrefix) + inner(listenerName) + `\.` + mid + `(` + strings.Join(alts, "|") + `)$`
}

// secretValueSchema is a sensitive key's value: where to read it.
func secretValueSchema() *schema {
	from := object("Where the value is: {env: NAME} or {file: PATH}. A secret is never written in the repo.", nil,
		prop{"env", &schema{Description: "The environment variable that holds the value.", Type: []string{"string", "boolean"}, Pattern: envName.String()}},
		prop{"file", text("The file that holds the value, relative to --secrets-dir; one trailing newline is dropped.")})
	from.MinProperties, from.MaxProperties = 1, 1
	return object("A sensitive value, read when kgitops plans: Kafka never returns it, and kgitops never prints it.", []string{"valueFrom"},
		prop{"valueFrom", from})
}

// brokerValueSchema is the schema of one broker key's value.
func brokerValueSchema(key string, k brokerKey) *schema {
	doc := k.doc + " "
	switch {
	case k.sensitive:
		return ref("secretValue", k.doc+" Sensitive: give it as {valueFrom: {env: NAME}} or {valueFrom: {file: PATH}}.")
	case k.typ == typeString && k.enum == nil:
		return &schema{Description: doc + "Text, as Kafka reads it.", Type: textTypes}
	case k.typ == typeList && k.enum == nil:
		return &schema{Description: doc + `A list, as [a, b] or "a,b".`, AnyOf: []*schema{
			{Type: textTypes}, {Type: "array", Items: &schema{Type: textTypes}},
		}}
	case k.typ == typeBoolean:
		return boolean(doc+"true or false.", true)
	case k.typ == typeInt || k.typ == typeLong:
		n := wholeNumber(doc+"A whole number, "+rangeText(k.ints)+".", k.ints, true)
		if kind := UnitOf(key); kind != NoUnit {
			return &schema{Description: n.Description + " Or with a unit: " + unitForms[kind] + ".",
				AnyOf: []*schema{n, {Type: "string", Pattern: unitPattern(kind)}}}
		}
		return n
	case k.typ == typeDouble && k.lo == -anyDouble:
		return &schema{Description: doc + "A number.", Type: []string{"number", "string"}, Pattern: `^\s*` + inner(decimalNumber) + `\s*$`}
	case k.typ == typeString:
		return keyword(doc+"One of "+strings.Join(k.enum, ", ")+".", k.enum, `^\s*(`+strings.Join(quoteAll(k.enum), "|")+`)\s*$`)
	}
	s := configValue(key, k.configKey) // a bounded double, or a list of words
	s.Description = doc + strings.TrimSpace(s.Description)
	return s
}

func brokerConfigSchema() *schema {
	configs := &schema{
		Description: "Dynamic broker configs: the keys Kafka changes while the brokers run. Keys Kafka reads only at startup belong in server.properties. " +
			"A key kgitops does not know must be listed in extraBrokerConfigKeys of the Settings document.",
		Type: []string{"object", "null"},
		PropertyNames: &schema{Pattern: "^" + topicChar + "+$", AllOf: []*schema{
			{Not: &schema{Description: "a listener's name in upper case: Kafka writes it in lower case", Pattern: `^listener\.name\.[^.]*[A-Z]`}},
			{Not: &schema{Description: "a key Kafka reads only at startup, from server.properties, or one Kafka 4.0 removed",
				Enum: strs(slices.Concat(staticBrokerConfigs, slices.Sorted(maps.Keys(removedBrokerConfigs))))}},
		}},
		AdditionalProps: &schema{
			Description: "A key listed in Settings.extraBrokerConfigKeys: its value is passed through unchecked.",
			AnyOf:       []*schema{{Type: textTypes}, {Type: "array", Items: &schema{Type: textTypes}}, ref("secretValue", "")},
		},
	}
	var perBroker []string // keys that must not be a cluster-wide default
	var perBrokerListener []string
	for _, key := range brokerConfigNames {
		k := brokerConfigs[key]
		if k.scope != clusterOrBroker {
			perBroker = append(perBroker, key)
		}
		if k.listener {
			if k.scope != clusterOrBroker {
				perBrokerListener = append(perBrokerListener, key)
			}
			configs.PatternProps = append(configs.PatternProps, prop{listenerKeyPattern([]string{key}, false), brokerValueSchema(key, k)})
		}
		if k.scope == perListener {
			configs.Properties = append(configs.Properties, prop{key, &schema{
				Description: key + " is set per listener only: write listener.name.<listener>." + key + ".", Not: &schema{},
			}})
			continue
		}
		configs.Properties = append(configs.Properties, prop{key, brokerValueSchema(key, k)})
	}
	mechanismKeys := slices.Sorted(maps.Keys(listenerMechanismConfigs))
	for _, key := range mechanismKeys {
		configs.PatternProps = append(configs.PatternProps, prop{listenerKeyPattern([]string{key}, true),
			brokerValueSchema(key, listenerMechanismConfigs[key])})
	}
	// A cluster-wide default takes no key Kafka sets per broker only.
	defaults := &schema{PropertyNames: &schema{Not: &schema{
		Description: "a listener key Kafka takes for one broker only",
		Pattern:     `^(` + strings.TrimSuffix(strings.TrimPrefix(listenerKeyPattern(perBrokerListener, false), "^"), "$") + `|` + strings.TrimSuffix(strings.TrimPrefix(listenerKeyPattern(mechanismKeys, true), "^"), "$") + `)$`,
	}}}
	for _, key := range perBroker {
		defaults.Properties = append(defaults.Properties, prop{key, never()})
	}

	spec := object("The dynamic configs of one broker, or the cluster-wide defaults.", []string{"broker"},
		prop{"broker", &schema{
			Description: fmt.Sprintf("%q for the cluster-wide defaults, or the id (node.id) of one broker.", DefaultBroker),
			AnyOf: []*schema{
				{Const: DefaultBroker},
				{Type: []string{"integer", "string"}, Pattern: `^\+?[0-9]+$`, Minimum: num(0), Maximum: num(maxInt)},
			},
		}},
		prop{"configs", configs},
		prop{"ignoreConfigs", ref("ignoreConfigs", "Config keys kgitops neither sets nor removes at this level; a trailing * matches a prefix. "+
			"The replication throttles a reassignment sets ("+strings.Join(brokerIgnoredByDefault, ", ")+") are left alone unless declared.")})
	spec.If = &schema{Properties: props{{"broker", &schema{Const: DefaultBroker}}}, Required: []string{"broker"}}
	spec.Then = &schema{Properties: props{{"configs", defaults}}}
	return docSchema(KindBrokerConfig, "Dynamic configs of one broker, or the cluster-wide defaults.", nil, spec, true)
}

// extraBrokerConfigKeysSchema is Settings.extraBrokerConfigKeys.
func extraBrokerConfigKeysSchema() *schema {
	return &schema{
		Description: "Dynamic broker config keys to accept in BrokerConfigs beyond Kafka 4.1's: their values are passed through unchecked.",
		Type:        []string{"array", "null"}, UniqueItems: true,
		Items: &schema{
			Description: "A dynamic broker config key kgitops does not know.",
			Type:        textTypes, MinLength: 1, Pattern: "^" + topicChar + "+$",
			Not: &schema{Enum: strs(slices.Concat(brokerConfigNames, staticBrokerConfigs))},
		},
	}
}
