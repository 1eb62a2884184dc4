package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// schemaDefs returns the definitions of the schema, the kinds by name
// among them.
func schemaDefs() map[string]*schema {
	defs := map[string]*schema{
		"apiVersion": {Description: "The version of kgitops' document format.", Const: APIVersion},
		"name":       text("The document's name: unique among the documents of its kind."),
		"labels": {
			Description:     "Labels: names to strings, for people and tools; kgitops does not use them.",
			Type:            []string{"object", "null"},
			PropertyNames:   &schema{MinLength: 1},
			AdditionalProps: &schema{Type: textTypes},
		},
		"annotations": {
			Description:     "Annotations: names to strings. kgitops reads " + AnnotationPreventDestroy + " (\"true\": no plan may delete the resource) and " + AnnotationDelete + " (\"true\": delete it, with --allow-delete).",
			Type:            []string{"object", "null"},
			PropertyNames:   &schema{MinLength: 1},
			AdditionalProps: &schema{Type: textTypes},
			Properties: props{
				{AnnotationPreventDestroy, &schema{Description: "\"true\": any plan that deletes the resource fails, even with --allow-delete; recorded in the inventory when applied.", Enum: []any{"true", "false"}}},
				{AnnotationDelete, &schema{Description: "\"true\": delete the resource, even one kgitops did not create, when applied with --allow-delete.", Enum: []any{"true", "false"}}},
			},
		},
		"definitionAnnotations": {
			Description:     "Annotations: names to strings, for people and tools. This document is not a resource in the cluster: kgitops.io/ annotations have no meaning on it.",
			Type:            []string{"object", "null"},
			PropertyNames:   &schema{MinLength: 1, Not: &schema{Pattern: `^kgitops\.io/`}},
			AdditionalProps: &schema{Type: textTypes},
		},
		"topicName": {
			Description: "A topic name, by Kafka's rules: 1 to 249 characters from [a-zA-Z0-9._-], not \".\" or \"..\".",
			Type:        textTypes, Pattern: "^(" + topicName + ")$", MaxLength: MaxTopicNameLen,
		},
		"principal": {
			Description: "A principal with its type, such as User:alice; User:* matches every user. Kafka's types are case-sensitive: User, Group.",
			Type:        "string", Pattern: principal,
		},
		"host": {
			Description: `"*" (the default) or an IP address, IPv6 as Java prints it (0:0:0:0:0:0:0:1); never a hostname.`,
			Type:        "string", Pattern: `^(\*|` + ipv4 + `|` + javaIPv6 + `)$`,
		},
		"permission":  keyword("allow (the default) or deny, in any case; deny beats allow in Kafka.", []string{"allow", "deny", PermissionAllow, PermissionDeny}, wordsPattern([]string{"allow", "deny"}, false)),
		"patternType": keyword("literal (the default): the name itself, \"*\" for all; prefixed: every name that starts with it. In any case.", []string{PatternLiteral, PatternPrefixed}, wordsPattern([]string{PatternLiteral, PatternPrefixed}, false)),
		"resourceType": keyword("A resource type, in any case, snake or kebab case too: "+strings.Join(resourceTypes, ", ")+".",
			resourceTypes, wordsPattern(resourceTypes, true)),
		"roleResourceType": keyword("The resources of the binding the rule applies to: topic (its topics), group (its groups), transactionalId (its transactionalIds), or cluster (kafka-cluster).",
			roleResourceTypes, wordsPattern(roleResourceTypes, true)),
	}
	defs["operation"] = keyword("One of Kafka's operations, in any case: "+strings.Join(operationNames, ", ")+".",
		spellings(operationNames), wordsPattern(operationNames, true))
	for _, rt := range resourceTypes {
		ops := Operations(rt)
		defs[rt+"Operation"] = keyword(
			"An operation "+article(rt)+" takes: "+strings.Join(ops, ", ")+"; in any case, snake, kebab or camel case (DESCRIBE_CONFIGS, describe-configs, describeConfigs).",
			spellings(ops), wordsPattern(ops, true))
	}
	defs["topicRef"] = resourceRef(ResourceTopic)
	defs["nameRef"] = resourceRef(ResourceGroup)
	defs["configs"] = configsSchema()
	defs["ignoreConfigs"] = &schema{
		Type: []string{"array", "null"}, UniqueItems: true,
		Items: &schema{Description: "A config key, or a key prefix ending in '*'.", Type: textTypes, MinLength: 1, Pattern: `^` + topicChar + `*\*?$`},
	}
	defs["secretValue"] = secretValueSchema()
	defs[KindTopic] = topicSchema()
	defs[KindTopicProfile] = topicProfileSchema()
	defs[KindPolicy] = policySchema()
	defs[KindSettings] = settingsSchema()
	defs[KindACL] = aclSchema()
	defs[KindRole] = roleSchema()
	defs[KindRoleBinding] = roleBindingSchema()
	defs[KindQuota] = quotaSchema()
	defs[KindUser] = userSchema()
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	for name, k := range kinds {
		if k.schema != nil {
			defs[name] = k.schema()
		}
	}
	return defs
}

// docSchema is the schema of one kind: the header every document has, and
// its spec. A nil meta is metadata with any name.
func docSchema(kind, desc string, meta, spec *schema, specRequired bool) *schema {
	if meta == nil {
		meta = ref("name", "")
	}
	annotations := "annotations"
	if _, ok := definitions[kind]; ok {
		annotations = "definitionAnnotations"
	}
	required := []string{"apiVersion", "kind", "metadata"}
	if specRequired {
		required = append(required, "spec")
	}
	s := object(desc, required,
		prop{"apiVersion", ref("apiVersion", "Always "+APIVersion+".")},
		prop{"kind", &schema{Description: "What the document declares.", Const: kind}},
		prop{"metadata", object("The document's name, and optional labels.", []string{"name"},
			prop{"name", meta},
			prop{"labels", ref("labels", "")},
			prop{"annotations", ref(annotations, "")})},
		prop{"spec", spec})
	s.Title = kind
	return s
}

func topicSchema() *schema {
	meta := ref("topicName", "The topic's name in Kafka. Names of Kafka's and well-known tools' internal topics (__*, .*, _schemas, connect-offsets, *-changelog, ...) are reserved.")
	meta.Not = &schema{Description: "a reserved topic name", Type: "string", Pattern: reservedTopic}
	spec := object("The topic's partitions, replication factor and config overrides; with a profile, any of them may come from the profile.", nil,
		prop{"profile", text("A TopicProfile (the repo's, or a built-in one: " + builtinNames() + ") whose values the topic takes where it sets none.")},
		prop{"partitions", wholeNumber("The number of partitions: at least 1; it can grow, never shrink.", intRange{lo: 1, hi: maxInt, bits: 32}, false)},
		prop{"replicationFactor", wholeNumber("How many replicas each partition has: at least 1; a change moves replicas by reassignment (rack-aware, throttled, never below min.insync.replicas).", intRange{lo: 1, hi: 1<<15 - 1, bits: 16}, false)},
		prop{"configs", ref("configs", "")},
		prop{"ignoreConfigs", ref("ignoreConfigs", "Config keys kgitops neither sets nor removes on this topic; a trailing * matches a prefix.")},
		prop{"schemas", object("The Schema documents of the topic's keys and values, by metadata.name.", nil,
			prop{"key", text("The Schema document of the keys.")},
			prop{"value", text("The Schema document of the values.")},
			prop{"strategy", &schema{Description: "The subject naming strategy: topic (<topic>-key, <topic>-value; the default), record or topic-record.", Enum: strs([]string{"topic", "record", "topic-record"})}})},
		prop{"placement", placementSchema()})
	spec.AnyOf = []*schema{{Required: []string{"profile"}}, {Required: []string{"partitions", "replicationFactor"}}}
	return docSchema(KindTopic, "A Kafka topic.", meta, spec, true)
}

// placementSchema describes a Topic's spec.placement, as decoder.placement
// reads it. That there are as many lists as partitions, each as long as the
// replication factor, is the loader's to check.
func placementSchema() *schema {
	replicas := &schema{
		Description: "The brokers of one partition's replicas, by id, the preferred leader first: as many as replicationFactor, each once.",
		Type:        "array", MinItems: 1, UniqueItems: true,
		Items: wholeNumber("A broker id: at least 0.", intRange{lo: 0, hi: maxInt, bits: 32}, false),
	}
	static := object("Each partition's replicas, by broker id.", []string{PlacementStatic},
		prop{PlacementStatic, &schema{
			Description: "One replica list per partition, partition 0 first: as many lists as the topic has partitions.",
			Type:        "array", MinItems: 1, Items: replicas,
		}})
	return &schema{
		Description: "Where the topic's replicas go when kgitops reassigns them, to change the replication factor or to undo a move made out of band: " +
			"rack-aware (the default), in-rack <rack>, or {static: [[1, 2, 3], [2, 3, 1]]}.",
		AnyOf: []*schema{
			{Description: "rack-aware: each partition's replicas on as many racks as possible.", Enum: []any{PlacementRackAware}},
			{
				Description: "in-rack <rack>: every replica on brokers of that rack (broker.rack).",
				Type:        "string", Pattern: inRack.String(), Examples: []string{"in-rack a"},
			},
			static,
			{Description: "No placement: rack-aware.", Type: "null"},
		},
	}
}

// topicProfileSchema describes a TopicProfile.
func topicProfileSchema() *schema {
	spec := object("What topics that name the profile take where they set nothing themselves.", nil,
		prop{"description", text("What the profile is for, and why its values are what they are.")},
		prop{"partitions", wholeNumber("The number of partitions: at least 1.", intRange{lo: 1, hi: maxInt, bits: 32}, false)},
		prop{"replicationFactor", wholeNumber("How many replicas each partition has: at least 1.", intRange{lo: 1, hi: 1<<15 - 1, bits: 16}, false)},
		prop{"configs", ref("configs", "")})
	spec.AnyOf = []*schema{{Required: []string{"partitions"}}, {Required: []string{"replicationFactor"}}, {Required: []string{"configs"}}}
	return docSchema(KindTopicProfile, "A named bundle of topic settings, used by topics with spec.profile; it may replace a built-in profile of the same name.", nil, spec, true)
}

// policySchema describes a Policy.
func policySchema() *schema {
	severity := &schema{Description: "error (blocks apply and the daemon) or warn (printed and counted).", Enum: strs([]string{SeverityError, SeverityWarn})}
	withSeverity := func(desc string, required []string, ps ...prop) *schema {
		o := object(desc, required, append(ps, prop{"severity", severity})...)
		return o
	}
	keys := func(desc, list string) *schema {
		l := &schema{Description: desc, Type: []string{"array", "null"}, UniqueItems: true, Items: text("A name.")}
		return &schema{Description: desc, AnyOf: []*schema{l, withSeverity(desc, []string{list}, prop{list, l})}}
	}
	count := func(desc string, r intRange) *schema { return wholeNumber(desc, r, false) }
	bounds := func(desc string, r intRange) *schema {
		s := withSeverity(desc, nil, prop{"min", count("The least allowed.", r)}, prop{"max", count("The most allowed.", r)})
		s.AnyOf = []*schema{{Required: []string{"min"}}, {Required: []string{"max"}}}
		return s
	}
	pattern := text("A regular expression (Go's RE2 syntax).")
	configRule := withSeverity("Bounds on one config key's value.", nil,
		prop{"min", &schema{Description: "The least value, with units for .ms and .bytes keys (whole-number keys only).", Type: textTypes}},
		prop{"max", &schema{Description: "The greatest value, with units for .ms and .bytes keys (whole-number keys only); -1 (no limit) is above any maximum.", Type: textTypes}},
		prop{"oneOf", &schema{Description: "The allowed values.", Type: "array", Items: text("A value.")}})
	configRule.AnyOf = []*schema{{Required: []string{"min"}}, {Required: []string{"max"}}, {Required: []string{"oneOf"}}}
	topics := object("Rules for the topics in the policy's scope.", nil,
		prop{"namePattern", &schema{Description: "Names must match this regular expression.", AnyOf: []*schema{pattern, withSeverity("", []string{"pattern"}, prop{"pattern", pattern})}}},
		prop{"partitions", bounds("Bounds on the partition count.", intRange{lo: 1, hi: maxInt, bits: 32})},
		prop{"replicationFactor", bounds("Bounds on the replication factor.", intRange{lo: 1, hi: 1<<15 - 1, bits: 16})},
		prop{"requiredConfigs", keys("Config keys every topic must set (itself or through its profile).", "keys")},
		prop{"forbiddenConfigs", keys("Config keys no topic may set.", "keys")},
		prop{"configs", &schema{Description: "Per config key: min, max or oneOf.", Type: "object", AdditionalProps: configRule}},
		prop{"profiles", keys("The profiles topics may use; none allows a topic without one.", "allowed")},
		prop{"maxTopicsPerTeam", &schema{Description: "The most topics one team (the label team) may declare in the scope.",
			AnyOf: []*schema{count("", intRange{lo: 0, hi: maxInt, bits: 32}), withSeverity("", []string{"max"}, prop{"max", count("The most topics per team.", intRange{lo: 0, hi: maxInt, bits: 32})})}}},
		prop{"allowConfigPrefixes", &schema{Description: "Prefixes of config keys kgitops does not know (a vendor's, such as confluent.) that topics in scope may set, unchecked.",
			Type: []string{"array", "null"}, Items: text("A key prefix.")}})
	spec := object("An organisation's rules for topics: findings with severity error block apply and the daemon; warnings are printed and counted.", nil,
		prop{"severity", severity},
		prop{"match", object("The policy's scope: topics whose name matches and that carry every label; none: every topic.", nil,
			prop{"namePattern", pattern}, prop{"labels", ref("labels", "")})},
		prop{"topics", topics},
		prop{"disable", &schema{Description: "Built-in rules to turn off in the scope: " + strings.Join(BuiltinRules(), ", ") + ".",
			Type: []string{"array", "null"}, Items: &schema{Enum: strs(BuiltinRules())}}})
	spec.AnyOf = []*schema{{Required: []string{"topics"}}, {Required: []string{"disable"}}}
	return docSchema(KindPolicy, "Rules for topics, scoped by name and labels.", nil, spec, true)
}

func builtinNames() string {
	var names []string
	for _, p := range builtinProfiles {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// configsSchema describes a topic's config overrides from topicConfigs:
// each known key with its type and range. Other keys are allowed, since
// Settings.extraConfigKeys may list them.
func configsSchema() *schema {
	s := &schema{
		Description: "Topic-level overrides: any Kafka topic config key. Numbers and booleans are compared as Kafka's strings. " +
			"A key kgitops does not know must be listed in extraConfigKeys of the Settings document.",
		Type:            []string{"object", "null"},
		PropertyNames:   &schema{Pattern: "^" + topicChar + "+$"},
		AdditionalProps: &schema{Description: "A config key listed in Settings.extraConfigKeys; its value is passed through unchecked.", Type: textTypes},
	}
	for _, key := range slices.Sorted(maps.Keys(topicConfigs)) {
		s.Properties = append(s.Properties, prop{key, configValue(key, topicConfigs[key])})
	}
	return s
}

// configValue is the schema of one topic config key's value.
func configValue(key string, c configKey) *schema {
	if c.removed != "" {
		return &schema{
			Description: key + " was removed in Kafka 4.0 (" + c.removed + "); kgitops refuses it unless Settings.extraConfigKeys lists it.",
			Deprecated:  true, Type: textTypes,
		}
	}
	doc := configDocs[key] + " "
	switch c.typ {
	case typeBoolean:
		return boolean(doc+"true or false.", true)
	case typeInt, typeLong:
		n := wholeNumber(doc+"A whole number, "+rangeText(c.ints)+".", c.ints, true)
		if kind := UnitOf(key); kind != NoUnit {
			return &schema{Description: n.Description + " Or with a unit: " + unitForms[kind] + ".",
				AnyOf: []*schema{n, {Type: "string", Pattern: unitPattern(kind)}}}
		}
		return n
	case typeDouble:
		return &schema{
			Description: doc + fmt.Sprintf("A number from %g to %g.", c.lo, c.hi),
			Type:        []string{"number", "string"}, Minimum: float(c.lo), Maximum: float(c.hi),
			Pattern: `^\s*` + inner(decimalNumber) + `\s*$`,
		}
	case typeString:
		return keyword(doc+"One of "+strings.Join(c.enum, ", ")+".", c.enum, `^\s*(`+strings.Join(quoteAll(c.enum), "|")+`)\s*$`)
	}
	item := `(\*|` + inner(replicaPair) + `(\s*,\s*` + inner(replicaPair) + `)*)`
	if c.enum == nil { // partition:broker pairs
		return &schema{Description: doc + `A list as "0:1,1:2", or as [0:1, 1:2].`, AnyOf: []*schema{
			{Type: "string", Pattern: `^\s*` + item + `?\s*$`},
			{Type: "array", Items: &schema{Type: "string", Pattern: `^\s*` + item + `\s*$`}},
		}}
	}
	word := `(` + strings.Join(quoteAll(c.enum), "|") + `)`
	list := `^\s*` + word + `\s*(,\s*` + word + `\s*)*$`
	return &schema{Description: doc + "A list of " + orList(c.enum) + `, as [a, b] or "a,b".`, AnyOf: []*schema{
		{Enum: strs(c.enum)},
		{Type: "string", Pattern: list},
		{Type: "array", MinItems: 1, UniqueItems: true, Items: &schema{AnyOf: []*schema{{Enum: strs(c.enum)}, {Type: "string", Pattern: list}}}},
	}}
}

func float(f float64) json.Number { return json.Number(strconv.FormatFloat(f, 'g', -1, 64)) }

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = regexp.QuoteMeta(w)
	}
	return out
}

func settingsSchema() *schema {
	spec := object("Repo-wide options.", nil,
		prop{"ignoreConfigs", ref("ignoreConfigs", "Config keys kgitops leaves alone on every topic; a trailing * matches a prefix.")},
		prop{"extraConfigKeys", &schema{
			Description: "Topic config keys to accept beyond Kafka 4.1's, such as a vendor's: their values are passed through unchecked.",
			Type:        []string{"array", "null"}, UniqueItems: true,
			Items: &schema{
				Description: "A topic config key kgitops does not know.",
				Type:        textTypes, MinLength: 1, Pattern: "^" + topicChar + "+$",
				Not: &schema{Enum: strs(topicConfigNames)},
			},
		}},
		prop{"extraBrokerConfigKeys", extraBrokerConfigKeysSchema()},
		prop{"reassignment", reassignmentSchema()})
	spec.Type = []string{"object", "null"}
	return docSchema(KindSettings, "Repo-wide options; at most one per repo.", nil, spec, false)
}

// reassignmentSchema describes Settings' spec.reassignment, as
// decoder.reassignment reads it.
func reassignmentSchema() *schema {
	r := object("Bounds of the partition reassignments kgitops makes, such as to change a topic's replication factor or to move replicas back to its placement.", nil,
		prop{"throttle", rateSchema(fmt.Sprintf("The replication throttle per broker while replicas move, in bytes per second: a whole number, a size with a unit (%s), or none (also 0) for no throttle. %s when left out.",
			unitForms[Size], byteSize(DefaultReplicationThrottle)+"/s"))},
		prop{"maxPartitionsInFlight", wholeNumber(fmt.Sprintf("How many partitions are moved at once: 1 to %d; %d when left out.", MaxPartitionsInFlightLimit, DefaultMaxPartitionsInFlight),
			intRange{lo: 1, hi: MaxPartitionsInFlightLimit, bits: 32}, false)},
		prop{"placementDrift", &schema{
			Description: "What to do about a partition whose replicas were moved out of band, away from its topic's placement: report (the default) shows it in the plan, revert moves the replicas back.",
			Enum:        strs(placementDrifts),
		}})
	r.Type = []string{"object", "null"}
	return r
}

// rateSchema is a rate as ParseRate reads it.
func rateSchema(desc string) *schema {
	return &schema{Description: desc, AnyOf: []*schema{
		{Enum: []any{rateNone}},
		{Type: "string", Pattern: `^\s*` + rateNone + `\s*$`},
		wholeNumber("A whole number of bytes per second; 0 for no throttle.", intRange{lo: 0, hi: math.MaxInt64, bits: 64}, true),
		{Description: "A size per second, with a unit.", Type: "string", Pattern: unitPattern(Size)},
	}}
}

// resourceNames returns the schemas of a literal resource name and of a
// prefix, for resource type rt, as checkResourceName checks them.
func resourceNames(rt string) (literal, prefix *schema) {
	literal = &schema{Description: `a name, or "*" for all`, Type: textTypes, MinLength: 1}
	prefix = &schema{Description: "the start of the names", Type: textTypes, MinLength: 1, Not: &schema{Const: Wildcard}}
	if rt == ResourceTopic {
		literal.Description, literal.Pattern, literal.MaxLength = `a topic name, or "*" for all`, `^(\*|`+topicName+`)$`, MaxTopicNameLen
		prefix.Pattern, prefix.MaxLength = "^"+topicChar+"+$", MaxTopicNameLen
	}
	return literal, prefix
}

// isPrefixed holds for a mapping whose patternType is prefixed.
func isPrefixed() *schema {
	return &schema{
		Properties: props{{"patternType", &schema{Type: "string", Pattern: wordsPattern([]string{PatternPrefixed}, false)}}},
		Required:   []string{"patternType"},
	}
}

// resourceRef is an entry of a RoleBinding's list of resources of type rt.
func resourceRef(rt string) *schema {
	literal, prefix := resourceNames(rt)
	long := object("A name and its patternType.", []string{"name"},
		prop{"name", &schema{Description: "The name, or with patternType prefixed the start of the names."}},
		prop{"patternType", ref("patternType", "")})
	long.If, long.Then, long.Else = isPrefixed(), &schema{Properties: props{{"name", prefix}}}, &schema{Properties: props{{"name", literal}}}
	short := *literal
	short.Description = "A literal name: " + literal.Description + "."
	return &schema{Description: "A resource: its name, or {name: ..., patternType: literal|prefixed}.", AnyOf: []*schema{&short, long}}
}

// operations is a non-empty list of operations, narrowed to one resource
// type's by the rule that holds it.
func operations() *schema {
	return &schema{
		Description: "Kafka's operations, in any case: read, READ, describeConfigs, DESCRIBE_CONFIGS, describe-configs. ALL grants every one.",
		Type:        "array", MinItems: 1, UniqueItems: true, Items: ref("operation", ""),
	}
}

// forType holds for a rule whose field (resourceType, or resource.type
// when nested) names resource type rt, in any spelling.
func forType(rt string, nested bool) *schema {
	is := &schema{Properties: props{{"type", &schema{Pattern: wordsPattern([]string{rt}, true)}}}, Required: []string{"type"}}
	if nested {
		return &schema{Properties: props{{"resource", is}}, Required: []string{"resource"}}
	}
	return &schema{Properties: props{{"resourceType", is.Properties[0].s}}, Required: []string{"resourceType"}}
}

func aclSchema() *schema {
	resource := object("The resource, or the resources, the rule applies to.", []string{"type"},
		prop{"type", ref("resourceType", "")},
		prop{"name", &schema{Description: `The resource's name, "*" (literal) for all; with patternType prefixed, the start of the names. The cluster's is kafka-cluster, and may be left out.`}},
		prop{"patternType", ref("patternType", "")})
	rule := object("Operations allowed, or denied, on one resource pattern.", []string{"resource", "operations"},
		prop{"resource", resource},
		prop{"operations", operations()},
		prop{"permission", ref("permission", "")},
		prop{"host", ref("host", "")})
	for _, rt := range resourceTypes {
		res := &schema{Required: []string{"name"}, If: isPrefixed()}
		literal, prefix := resourceNames(rt)
		res.Then, res.Else = &schema{Properties: props{{"name", prefix}}}, &schema{Properties: props{{"name", literal}}}
		if rt == ResourceCluster {
			res = &schema{Properties: props{
				{"name", &schema{Const: ClusterResourceName}},
				{"patternType", &schema{Type: "string", Pattern: wordsPattern([]string{PatternLiteral}, false)}},
			}}
		}
		rule.AllOf = append(rule.AllOf, &schema{If: forType(rt, true), Then: &schema{Properties: props{
			{"operations", &schema{Items: ref(rt+"Operation", "")}},
			{"resource", res},
		}}})
	}
	spec := object("The raw ACLs of one principal. Several ACL documents may name the same principal: their rules add up.", []string{"principal", "rules"},
		prop{"principal", ref("principal", "")},
		prop{"rules", &schema{Description: "The rules: at least one.", Type: "array", MinItems: 1, Items: rule}})
	return docSchema(KindACL, "Raw ACLs of one principal.", nil, spec, true)
}

func roleSchema() *schema {
	rule := object("Operations on every resource of one type that a binding names.", []string{"resourceType", "operations"},
		prop{"resourceType", ref("roleResourceType", "")},
		prop{"operations", operations()})
	for _, rt := range roleResourceTypes {
		rule.AllOf = append(rule.AllOf, &schema{If: forType(rt, false), Then: &schema{Properties: props{
			{"operations", &schema{Items: ref(rt+"Operation", "")}},
		}}})
	}
	meta := ref("name", "The role's name, which RoleBindings give as their role. The built-in roles' names are taken.")
	meta.Not = &schema{Enum: strs(builtinRoleNames())}
	spec := object("The role's permissions, per resource type.", []string{"rules"},
		prop{"description", &schema{Description: "What the role is for.", Type: textTypes}},
		prop{"rules", &schema{Description: "The rules: at least one, and one per resource type.", Type: "array", MinItems: 1, Items: rule}})
	return docSchema(KindRole, "A reusable set of permissions, without resource names.", meta, spec, true)
}

func roleBindingSchema() *schema {
	var roles []string
	for _, b := range builtins {
		roles = append(roles, b.name+": "+b.description)
	}
	slices.Sort(roles)
	list := func(desc, def string) *schema {
		return &schema{Description: desc, Type: []string{"array", "null"}, UniqueItems: true, Items: ref(def, "")}
	}
	spec := object("Grants a role to principals on the resources it names.", []string{"role", "principals"},
		prop{"role", &schema{
			Description: "A built-in role or a Role of the repo. The built-in roles are " + strings.Join(roles, "; ") + ".",
			Type:        textTypes, MinLength: 1, Examples: builtinRoleNames(),
		}},
		prop{"principals", &schema{Description: "Who gets the role: at least one principal, such as User:billing.", Type: "array", MinItems: 1, UniqueItems: true, Items: ref("principal", "")}},
		prop{fieldTopics, list("The topics the role applies to: a name, or {name, patternType}.", "topicRef")},
		prop{fieldGroups, list("The consumer groups the role applies to: a name, or {name, patternType}.", "nameRef")},
		prop{fieldTransactionalIDs, list("The transactional ids the role applies to: a name, or {name, patternType}.", "nameRef")},
		prop{fieldApplicationID, &schema{
			Description: "streams-app: the application.id of the Kafka Streams application, which prefixes its topics, group and transactional ids.",
			Type:        textTypes, MinLength: 1, Pattern: "^" + topicChar + "+$",
		}},
		prop{fieldInputTopics, list("streams-app: the topics the application reads.", "topicRef")},
		prop{fieldOutputTopics, list("streams-app: the topics the application writes.", "topicRef")},
		prop{fieldExactlyOnce, boolean("streams-app: whether the application uses exactly-once, which needs its transactional ids.", false)},
		prop{"host", ref("host", "")},
		prop{"permission", ref("permission", "")})
	// A built-in role says which resource fields a binding must and may give.
	for _, b := range builtins {
		then := &schema{Required: b.requires}
		for _, f := range roleFields {
			switch {
			case slices.Contains(b.requires, f) && f != fieldApplicationID:
				then.Properties = append(then.Properties, prop{f, &schema{Type: "array", MinItems: 1}})
			case !slices.Contains(b.requires, f) && !slices.Contains(b.optional, f):
				then.Properties = append(then.Properties, prop{f, never()})
			}
		}
		spec.AllOf = append(spec.AllOf, &schema{
			If:   &schema{Properties: props{{"role", &schema{Const: b.name}}}, Required: []string{"role"}},
			Then: then,
		})
	}
	return docSchema(KindRoleBinding, "Grants a role, built in or a Role of the repo, to principals on the resources it names.", nil, spec, true)
}

func quotaSchema() *schema {
	values := object("The quota keys to set: at least one.", nil)
	values.MinProperties = 1
	var ipKeys, otherKeys props
	for _, key := range slices.Sorted(maps.Keys(quotaKeys)) {
		k := quotaKeys[key]
		v := &schema{Type: []string{"integer", "string"}, ExclusiveMinimum: "0", Pattern: decimalNumber.String()}
		switch k.typ {
		case typeInt:
			v.Description, v.Maximum = quotaDocs[key]+" A whole number, more than 0.", num(math.MaxInt32)
		case typeLong:
			v.Description, v.Maximum = quotaDocs[key]+" A whole number, more than 0.", num(math.MaxInt64)
		default:
			v.Description, v.Type = quotaDocs[key]+" A number, more than 0.", []string{"number", "string"}
		}
		if k.ip {
			v.Description += " For an ip quota only."
			ipKeys = append(ipKeys, prop{key, never()})
		} else {
			otherKeys = append(otherKeys, prop{key, never()})
		}
		values.Properties = append(values.Properties, prop{key, v})
	}
	entity := func(what string) *schema {
		return text(fmt.Sprintf("The %s the quota applies to; %q for the default %s.", what, DefaultEntity, what))
	}
	spec := object("A client quota on one entity: a user, a client id, both, or an IP address alone.", []string{"values"},
		prop{"user", entity("user")},
		prop{"clientId", entity("client id")},
		prop{"ip", &schema{
			Description: fmt.Sprintf("The IP address the quota applies to, %q for the default; not with user or clientId.", DefaultEntity),
			Type:        "string", Pattern: `^(` + regexp.QuoteMeta(DefaultEntity) + `|` + ipv4 + `|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$`,
		}},
		prop{"values", values})
	spec.AnyOf = []*schema{{Required: []string{"user"}}, {Required: []string{"clientId"}}, {Required: []string{"ip"}}}
	spec.If = &schema{Required: []string{"ip"}}
	spec.Then = &schema{Properties: props{{"user", never()}, {"clientId", never()}, {"values", &schema{Properties: otherKeys}}}}
	spec.Else = &schema{Properties: props{{"values", &schema{Properties: ipKeys}}}}
	return docSchema(KindQuota, "A client quota.", nil, spec, true)
}

func userSchema() *schema {
	from := object("Where the password is: {env: NAME} or {file: PATH}. A password is never written in the repo.", nil,
		// env is a string or a boolean: the loader reads `env: true` as "true".
		prop{"env", &schema{Description: "The environment variable that holds the password.", Type: []string{"string", "boolean"}, Pattern: envName.String()}},
		prop{"file", text("The file that holds the password, relative to kgitops' working directory; one trailing newline is dropped.")})
	from.MinProperties, from.MaxProperties = 1, 1 // env or file, not both

	mechanisms := []string{MechanismSCRAMSHA512, MechanismSCRAMSHA256}
	scram := object("The SCRAM credential kgitops sets for the user.", []string{"mechanism", "passwordFrom"},
		prop{"mechanism", keyword("SCRAM-SHA-512 or SCRAM-SHA-256, in any case.", mechanisms, wordsPattern(mechanisms, false))},
		prop{"iterations", wholeNumber(fmt.Sprintf("The SCRAM iteration count: %d to %d; %d when left out.", MinIterations, MaxIterations, DefaultIterations),
			intRange{lo: MinIterations, hi: MaxIterations, bits: 32}, false)},
		prop{"passwordFrom", from})
	spec := object("The user's credentials.", []string{"scram"}, prop{"scram", scram})
	meta := ref("name", "The SCRAM user name; the user's principal is User:<name>.")
	return docSchema(KindUser, "A SCRAM user.", meta, spec, true)
}
