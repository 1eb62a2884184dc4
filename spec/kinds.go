package spec

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// kind is how the loader reads one kind of document. A new kind is a file
// holding its decode (and maybe check) function, plus one entry in kinds.
type kind struct {
	// decode reads one document of the kind into st. The header (apiVersion,
	// kind, metadata) has been read and checked already.
	decode func(d *decoder, doc document, st *State)
	// check, if set, runs once after every document has been decoded, for
	// rules that span documents, such as names declared twice.
	check func(l *loader, st *State)
	// order, noun and count give the kind's line in summaries (State.Counts);
	// a kind without count is not summarised.
	order int
	noun  string
	count func(st *State) int
	// schema, set for kinds added with Register, is the kind's JSON
	// Schema; the built-in kinds' are in schemakinds.go.
	schema func() *schema
}

// kinds holds every kind the loader understands, by the name in "kind:".
// Kinds added with Register join it.
var kinds = map[string]kind{
	KindTopic:        {decode: decodeTopic, check: checkTopics, order: 0, noun: "topic(s)", count: func(s *State) int { return len(s.Topics) }},
	KindSettings:     {decode: decodeSettings},
	KindACL:          {decode: decodeACL, check: checkACLs, order: 1, noun: "ACL document(s)", count: func(s *State) int { return len(s.ACLs) }},
	KindRole:         {decode: decodeRole, check: checkRoles, order: 2, noun: "role(s)", count: func(s *State) int { return len(s.Roles) }},
	KindRoleBinding:  {decode: decodeRoleBinding, check: checkRoleBindings, order: 3, noun: "role binding(s)", count: func(s *State) int { return len(s.RoleBindings) }},
	KindUser:         {decode: decodeUser, check: checkUsers, order: 4, noun: "user(s)", count: func(s *State) int { return len(s.Users) }},
	KindQuota:        {decode: decodeQuota, check: checkQuotas, order: 5, noun: "quota(s)", count: func(s *State) int { return len(s.Quotas) }},
	KindPolicy:       {decode: decodePolicy, check: checkPolicies, order: 7, noun: "policy document(s)", count: func(s *State) int { return len(s.Policies) }},
	KindTopicProfile: {decode: decodeTopicProfile, check: checkProfiles, order: 6, noun: "topic profile(s)", count: func(s *State) int { return len(s.Profiles) }},
	KindSchema:       {decode: decodeSchema, check: checkSchemas, order: 9, noun: "schema(s)", count: func(s *State) int { return len(s.Schemas) }, schema: schemaDocSchema},
	KindBrokerConfig: {decode: decodeBrokerConfig, check: checkBrokerConfigs, order: 8, noun: "broker config(s)", count: func(s *State) int { return len(s.BrokerConfigs) }, schema: brokerConfigSchema},
}

func kindNames() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	return slices.Sorted(maps.Keys(kinds))
}

// kindNamed returns the kind the loader reads under name.
func kindNamed(name string) (kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// document is what every document has, whatever its kind.
type document struct {
	Kind     string
	Pos      Pos        // the "kind:" line
	At       *yaml.Node // the "kind:" key, to report problems of the whole document
	Name     string     // metadata.name; empty when missing (already reported)
	NameNode *yaml.Node
	Labels   map[string]string
	// Annotations are metadata.annotations; kgitops reads the kgitops.io/
	// ones (annotations.go).
	Annotations map[string]string
	// Spec is the spec value, nil when absent or null. SpecAt is where to
	// report a missing spec field: the "spec:" key, else At.
	Spec   *yaml.Node
	SpecAt *yaml.Node
}

// document decodes one YAML document: its header here, its spec by kind.
func (d *decoder) document(root *yaml.Node) {
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return
		}
		root = resolve(root.Content[0])
	}
	if root == nil || isNull(root) {
		return // an empty document
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "start it with apiVersion: "+APIVersion, "a document must be a mapping, got %s", describe(root))
		return
	}
	fs, _ := d.fields(root, "the document", "apiVersion", "kind", "metadata", "spec")

	if f, ok := fs["apiVersion"]; !ok {
		d.errorf(root, "add apiVersion: "+APIVersion, "apiVersion is missing")
	} else if v, ok := d.text(f, "a string"); ok && v != APIVersion {
		d.errorf(f.Value, "write apiVersion: "+APIVersion, "unknown apiVersion %q", v)
	}

	names := kindNames()
	known := "kinds: " + strings.Join(names, ", ")
	f, ok := fs["kind"]
	if !ok {
		d.errorf(root, "add kind: one of "+strings.Join(names, ", "), "kind is missing")
		return
	}
	name, ok := d.text(f, "a string")
	if !ok {
		return
	}
	k, ok := kindNamed(name)
	if !ok {
		hint := known
		if s := suggestHint(name, names, ""); s != "" {
			hint = s + " " + known
		}
		d.errorf(f.Value, hint, "unknown kind %q", name)
		return
	}

	doc := document{Kind: name, Pos: d.pos(f.Key), At: f.Key, SpecAt: f.Key}
	d.metadata(fs, root, &doc)
	if s, ok := fs["spec"]; ok {
		doc.SpecAt = s.Key
		if !isNull(s.Value) {
			doc.Spec = s.Value
		}
	}
	k.decode(d, doc, &d.l.st)
}

// metadata reads metadata.name, which every kind requires, labels and
// annotations.
func (d *decoder) metadata(fs map[string]field, root *yaml.Node, doc *document) {
	md, ok := fs["metadata"]
	if !ok {
		d.errorf(root, "add metadata: {name: ...}", "metadata is missing")
		return
	}
	if isNull(md.Value) {
		d.errorf(md.Key, "add name: ... under metadata", "metadata.name is missing")
		return
	}
	mfs, ok := d.fields(md.Value, "metadata", "name", "labels", "annotations")
	if !ok {
		return
	}
	if f, ok := mfs["name"]; ok {
		f.Name = "metadata.name"
		if name, ok := d.name(f); ok {
			doc.Name, doc.NameNode = name, f.Value
		}
	} else {
		d.errorf(md.Key, "add name: ... under metadata", "metadata.name is missing")
	}
	if f, ok := mfs["labels"]; ok {
		f.Name = "metadata.labels"
		doc.Labels = d.stringMap(f)
	}
	if f, ok := mfs["annotations"]; ok {
		doc.Annotations = d.annotations(f, doc.Kind)
	}
}
