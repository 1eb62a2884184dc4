package spec

import "slices"

// This file is the one place that defines the built-in roles. The README
// quotes BuiltinRoles, and the tests check it against a golden file, so
// that the docs, the tests and the code share this table. What clients
// need follows docs/security.html and KafkaApis.scala of Apache Kafka.

// RoleBinding fields that name what a role grants on.
const (
	fieldTopics           = "topics"
	fieldGroups           = "groups"
	fieldTransactionalIDs = "transactionalIds"
	fieldApplicationID    = "applicationId"
	fieldInputTopics      = "inputTopics"
	fieldOutputTopics     = "outputTopics"
	fieldExactlyOnce      = "exactlyOnce"
)

// roleFields are the RoleBinding fields a role may use, in the order
// messages list them.
var roleFields = []string{
	fieldTopics, fieldGroups, fieldTransactionalIDs,
	fieldApplicationID, fieldInputTopics, fieldOutputTopics, fieldExactlyOnce,
}

// builtin is a role kgitops knows without a Role document.
type builtin struct {
	name        string
	description string
	requires    []string // RoleBinding fields that must be given
	optional    []string // RoleBinding fields that may be given
	grants      func(b *RoleBinding) []grant
}

// builtins holds the built-in roles, by name.
var builtins = []builtin{
	// consumer reads topics as a member of consumer groups. Fetching needs
	// READ on the topic and on the group; DESCRIBE on the topic lets it
	// look up metadata and offsets.
	{
		name:        "consumer",
		description: "consumes the binding's topics in its consumer groups",
		requires:    []string{fieldTopics, fieldGroups},
		grants: func(b *RoleBinding) []grant {
			return slices.Concat(on(ResourceTopic, b.Topics, "READ", "DESCRIBE"), on(ResourceGroup, b.Groups, "READ"))
		},
	},
	// producer writes to topics. WRITE on any topic also allows the
	// idempotent producer, so no cluster ACL is needed.
	{
		name:        "producer",
		description: "produces to the binding's topics, idempotently or not",
		requires:    []string{fieldTopics},
		grants: func(b *RoleBinding) []grant {
			return on(ResourceTopic, b.Topics, "WRITE", "DESCRIBE")
		},
	},
	// transactional-producer is a producer that also owns transactional
	// ids. Groups, if given, get READ for sendOffsetsToTransaction.
	{
		name:        "transactional-producer",
		description: "produces to the binding's topics in transactions under its transactionalIds; READ on its groups, if given, for sendOffsetsToTransaction",
		requires:    []string{fieldTopics, fieldTransactionalIDs},
		optional:    []string{fieldGroups},
		grants: func(b *RoleBinding) []grant {
			return slices.Concat(
				on(ResourceTopic, b.Topics, "WRITE", "DESCRIBE"),
				on(ResourceTransactionalID, b.TransactionalIDs, "WRITE", "DESCRIBE"),
				on(ResourceGroup, b.Groups, "READ"))
		},
	},
	// streams-app is a Kafka Streams application. Streams names its
	// internal topics, its group and (with exactly-once) its transactional
	// ids after application.id, so it gets ALL on that prefix.
	{
		name:        "streams-app",
		description: "runs a Kafka Streams application: ALL on topics and groups prefixed with its applicationId (and its transactionalIds with exactlyOnce), reads inputTopics, writes outputTopics",
		requires:    []string{fieldApplicationID},
		optional:    []string{fieldInputTopics, fieldOutputTopics, fieldExactlyOnce},
		grants: func(b *RoleBinding) []grant {
			app := []ResourceRef{{Name: b.ApplicationID, PatternType: PatternPrefixed}}
			g := slices.Concat(on(ResourceTopic, app, OperationAll), on(ResourceGroup, app, OperationAll))
			if b.ExactlyOnce {
				g = append(g, on(ResourceTransactionalID, app, "WRITE", "DESCRIBE")...)
			}
			return slices.Concat(g,
				on(ResourceTopic, b.InputTopics, "READ", "DESCRIBE"),
				on(ResourceTopic, b.OutputTopics, "WRITE", "DESCRIBE"))
		},
	},
	// connect-worker is a Kafka Connect worker: it joins the worker group
	// and creates, reads and writes its config, offset and status topics.
	// Connectors need their own bindings for the data they move.
	{
		name:        "connect-worker",
		description: "runs a Kafka Connect worker in the binding's groups (the worker group) with its topics as the config, offset and status storage",
		requires:    []string{fieldTopics, fieldGroups},
		grants: func(b *RoleBinding) []grant {
			return slices.Concat(
				on(ResourceGroup, b.Groups, "READ", "DESCRIBE"),
				on(ResourceTopic, b.Topics, "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS", "CREATE"))
		},
	},
	// admin may do anything to the cluster and to the binding's resources;
	// a binding that names none gets ALL on every topic, group and
	// transactional id.
	{
		name:        "admin",
		description: "ALL on the cluster and on the binding's topics, groups and transactionalIds; when it names none of them, ALL on every topic, group and transactionalId (literal \"*\")",
		optional:    []string{fieldTopics, fieldGroups, fieldTransactionalIDs},
		grants: func(b *RoleBinding) []grant {
			g := onCluster(OperationAll)
			if len(b.Topics)+len(b.Groups)+len(b.TransactionalIDs) == 0 {
				all := []ResourceRef{{Name: Wildcard, PatternType: PatternLiteral}}
				return slices.Concat(g, on(ResourceTopic, all, OperationAll), on(ResourceGroup, all, OperationAll),
					on(ResourceTransactionalID, all, OperationAll))
			}
			return slices.Concat(g, on(ResourceTopic, b.Topics, OperationAll), on(ResourceGroup, b.Groups, OperationAll),
				on(ResourceTransactionalID, b.TransactionalIDs, OperationAll))
		},
	},
}

func builtinRole(name string) (builtin, bool) {
	for _, b := range builtins {
		if b.name == name {
			return b, true
		}
	}
	return builtin{}, false
}

func builtinRoleNames() []string {
	var out []string
	for _, b := range builtins {
		out = append(out, b.name)
	}
	slices.Sort(out)
	return out
}

// RoleDoc describes a built-in role, for docs and tests.
type RoleDoc struct {
	Name        string
	Description string
	Requires    []string // RoleBinding fields that must be given, such as "topics"
	Optional    []string // RoleBinding fields that may be given
	// ACLs are the ACLs a binding of User:<principal> that gives every
	// field above grants, as ACLEntry.String writes them. Placeholders
	// stand for the names: <topic>, <group>, <transactionalId>,
	// <applicationId>, <inputTopic>, <outputTopic>; exactlyOnce is true.
	ACLs []string
}

// BuiltinRoles returns the built-in roles, sorted by name.
func BuiltinRoles() []RoleDoc {
	var out []RoleDoc
	for _, name := range builtinRoleNames() {
		b, _ := builtinRole(name)
		ex := exampleBinding(slices.Concat(b.requires, b.optional))
		doc := RoleDoc{
			Name:        b.name,
			Description: b.description,
			Requires:    slices.Clone(b.requires),
			Optional:    slices.Clone(b.optional),
		}
		for _, e := range ex.entries(b.grants(&ex)) {
			doc.ACLs = append(doc.ACLs, e.String())
		}
		out = append(out, doc)
	}
	return out
}

// exampleBinding is a binding of User:<principal> with placeholder names
// in the given fields.
func exampleBinding(fields []string) RoleBinding {
	b := RoleBinding{Principals: []string{"User:<principal>"}, Host: Wildcard, Permission: PermissionAllow}
	ref := func(name string) []ResourceRef { return []ResourceRef{{Name: name, PatternType: PatternLiteral}} }
	for _, f := range fields {
		switch f {
		case fieldTopics:
			b.Topics = ref("<topic>")
		case fieldGroups:
			b.Groups = ref("<group>")
		case fieldTransactionalIDs:
			b.TransactionalIDs = ref("<transactionalId>")
		case fieldApplicationID:
			b.ApplicationID = "<applicationId>"
		case fieldInputTopics:
			b.InputTopics = ref("<inputTopic>")
		case fieldOutputTopics:
			b.OutputTopics = ref("<outputTopic>")
		case fieldExactlyOnce:
			b.ExactlyOnce = true
		}
	}
	return b
}

// grant is one operation a role grants on one resource pattern, before it
// is given a principal, host and permission.
type grant struct {
	resource  ResourcePattern
	operation string
}

// on grants ops on each of refs, of resource type rt.
func on(rt string, refs []ResourceRef, ops ...string) []grant {
	var out []grant
	for _, r := range refs {
		for _, op := range ops {
			out = append(out, grant{ResourcePattern{Type: rt, Name: r.Name, PatternType: r.PatternType}, op})
		}
	}
	return out
}

// onCluster grants ops on the cluster resource.
func onCluster(ops ...string) []grant {
	return on(ResourceCluster, []ResourceRef{{Name: ClusterResourceName, PatternType: PatternLiteral}}, ops...)
}
