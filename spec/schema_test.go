package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// The schema is held to the loader: every document the loader accepts must
// validate, and every document it rejects must fail to, except for what
// schema.go says only the loader can tell.

// compileSchema compiles JSONSchema(kind) after checking it against the
// draft 2020-12 metaschema.
func compileSchema(t testing.TB, kind string) *jsonschema.Schema {
	t.Helper()
	out, err := JSONSchema(kind)
	if err != nil {
		t.Fatalf("JSONSchema(%q): %v", kind, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("JSONSchema(%q) is not JSON: %v", kind, err)
	}
	c := jsonschema.NewCompiler()
	meta, err := c.Compile(JSONSchemaDialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(doc); err != nil {
		t.Fatalf("JSONSchema(%q) is not a valid draft 2020-12 schema: %v", kind, err)
	}
	c = jsonschema.NewCompiler()
	if err := c.AddResource("kgitops.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("kgitops.schema.json")
	if err != nil {
		t.Fatalf("compile JSONSchema(%q): %v", kind, err)
	}
	return sch
}

var (
	schemaAll   *jsonschema.Schema
	schemaKinds = map[string]*jsonschema.Schema{}
)

// validate checks a document, as toJSON returns it, against the whole
// schema and against its kind's own.
func validate(t testing.TB, doc any) error {
	t.Helper()
	if schemaAll == nil {
		schemaAll = compileSchema(t, "")
		for _, k := range Kinds() {
			schemaKinds[k] = compileSchema(t, k)
		}
	}
	err := schemaAll.Validate(doc)
	if m, ok := doc.(map[string]any); ok {
		if k, ok := m["kind"].(string); ok && schemaKinds[k] != nil {
			if kerr := schemaKinds[k].Validate(doc); (kerr == nil) != (err == nil) {
				t.Errorf("the schema of %s says %v, the whole schema %v", k, kerr, err)
			}
		}
	}
	return err
}

// yamlDoc is one document of a YAML file: its first line, and its value as
// the YAML language server hands it to the schema, in JSON's types. err
// says why JSON cannot hold it (a repeated key, a merge key, a recursive
// alias); the loader reports those itself.
type yamlDoc struct {
	line  int
	value any
	err   error
}

// readDocs splits a file into its documents. Empty documents are left out,
// as the loader skips them. It fails on a YAML syntax error.
func readDocs(data []byte) ([]yamlDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []yamlDoc
	for {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if len(n.Content) == 0 || isNull(n.Content[0]) {
			continue
		}
		v, err := toJSON(n.Content[0], 0)
		out = append(out, yamlDoc{line: n.Content[0].Line, value: v, err: err})
	}
}

// toJSON converts a YAML node as a YAML 1.2 language server does: numbers
// stay numbers, booleans booleans, and any other scalar is a string.
func toJSON(n *yaml.Node, depth int) (any, error) {
	if depth > 50 {
		return nil, errors.New("recursive alias")
	}
	switch n.Kind {
	case yaml.AliasNode:
		return toJSON(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			v, err := toJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: key %s", k.Line, describe(k))
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: %q twice", k.Line, k.Value)
			}
			v, err := toJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		return b, n.Decode(&b)
	case "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case float64:
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
			}
			return json.Number(strconv.FormatFloat(v, 'g', -1, 64)), nil
		default:
			return json.Number(fmt.Sprint(v)), nil
		}
	}
	return n.Value, nil
}

// repoDocs reads every document LoadFS reads in dir, by file.
func repoDocs(t *testing.T, dir string) map[string][]yamlDoc {
	t.Helper()
	fsys := os.DirFS(dir)
	ls, err := listFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]yamlDoc{}
	for _, m := range ls.files {
		data, err := fs.ReadFile(fsys, m.target)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := readDocs(data)
		if err != nil {
			out[m.path] = nil // a syntax error: the loader says so, the schema never sees the file
			continue
		}
		out[m.path] = docs
	}
	return out
}

// goodRepos are the repos the loader accepts: every document in them must
// validate.
func goodRepos(t testing.TB) []string {
	t.Helper()
	dirs, err := filepath.Glob("testdata/good/*")
	if err != nil {
		t.Fatal(err)
	}
	return append(dirs, "../examples/topics", "../examples/access", "../examples/local", "../examples/schemas")
}

func TestSchemaAcceptsGoodRepos(t *testing.T) {
	n := 0
	for _, dir := range goodRepos(t) {
		t.Run(dir, func(t *testing.T) {
			if _, err := Load(dir); err != nil {
				t.Fatalf("the loader rejects %s: %v", dir, err)
			}
			for file, docs := range repoDocs(t, dir) {
				for _, d := range docs {
					n++
					if d.err != nil {
						t.Errorf("%s:%d: cannot convert to JSON: %v", file, d.line, d.err)
					} else if err := validate(t, d.value); err != nil {
						t.Errorf("%s:%d: the loader accepts this document, the schema does not:\n%v", file, d.line, err)
					}
				}
			}
		})
	}
	if err := validate(t, nil); err != nil {
		t.Errorf("the schema rejects an empty document, which the loader skips: %v", err)
	}
	if n < 30 {
		t.Errorf("validated %d documents, want at least 30: are the fixtures still there?", n)
	}
}

// loaderOnly matches the loader's messages about what the schema leaves to
// it (schema.go lists why). A document whose every error matches may pass
// the schema; any other error must fail it.
var loaderOnly = regexp.MustCompile(strings.Join([]string{
	`is declared twice`,
	`collides with topic`,
	`has a quota already`,
	`^unknown role`,
	`^role (auditor|watcher|token-maker) (needs|does not use)`, // Roles of the repo
	`^unknown topic config`,     // unless in extraConfigKeys
	`was removed in Kafka 4\.0`, // unless in extraConfigKeys
	`is set in configs but ignored`,
	`^resourceType \S+ has a rule already`,
	`Kafka's principal types are case-sensitive`,
	`^operations lists \S+ twice`,                   // [READ, read]
	`must be a whole number, got "(0[xXoO]|[^"]*_)`, // 0x10, 1_000: numbers to JSON
	`^unknown annotation "kgitops\.io/`,             // JSON Schema's regexps cannot exclude two names
	`asks for kgitops\.io/delete and kgitops\.io/prevent-destroy at once`,
	`^unknown profile`, // the repo's profiles are the repo's
	`, and profile .* does not set it$`,
	// A static placement's lists against partitions and replicationFactor,
	// which may come from a profile.
	`^static placement has \d+ replica lists?, but the topic has`,
	`^partition \d+ has \d+ replicas? in the static placement, but replicationFactor is`,
}, "|"))

// TestSchemaAgreesWithLoader runs the schema over every document of the
// loader's bad fixtures: a document the loader finds nothing wrong with
// must validate, and one it reports must not, unless loaderOnly excuses
// every error it has.
func TestSchemaAgreesWithLoader(t *testing.T) {
	dirs, err := filepath.Glob("testdata/bad/*")
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, err := Load(dir)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("Load(%s) = %v, want Errors", dir, err)
			}
			for file, docs := range repoDocs(t, dir) {
				for i, d := range docs {
					end := math.MaxInt
					if i+1 < len(docs) {
						end = docs[i+1].line
					}
					var msgs []string
					excused := true
					for _, e := range es {
						if e.Pos.File == file && e.Pos.Line < end && (e.Pos.Line >= d.line || i == 0) {
							msgs = append(msgs, e.Msg)
							excused = excused && loaderOnly.MatchString(e.Msg)
						}
					}
					at := fmt.Sprintf("%s:%d", file, d.line)
					if d.err != nil {
						if len(msgs) == 0 {
							t.Errorf("%s: JSON cannot hold this document (%v), yet the loader accepts it", at, d.err)
						}
						continue
					}
					err := validate(t, d.value)
					switch {
					case len(msgs) == 0 && err != nil:
						t.Errorf("%s: the loader accepts this document, the schema does not:\n%v", at, err)
					case len(msgs) > 0 && !excused && err == nil:
						t.Errorf("%s: the loader reports %q, the schema accepts the document", at, msgs)
					case err != nil:
						rejected++
					}
				}
			}
		})
	}
	if rejected < 60 {
		t.Errorf("the schema rejected %d bad documents, want at least 60", rejected)
	}
}

// TestSchemaDocuments checks single documents: loader says whether the
// loader accepts the document alone, schema whether the schema does. They
// differ only where schema.go says the loader knows better.
func TestSchemaDocuments(t *testing.T) {
	const header = "apiVersion: kgitops.io/v1alpha1\n"
	topic := func(spec string) string {
		return header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 1, replicationFactor: 1, " + spec + "}\n"
	}
	acl := func(rule string) string {
		return header + "kind: ACL\nmetadata: {name: a}\nspec: {principal: User:a, rules: [" + rule + "]}\n"
	}
	binding := func(spec string) string {
		return header + "kind: RoleBinding\nmetadata: {name: b}\nspec: {principals: [User:b], " + spec + "}\n"
	}
	settings := func(spec string) string {
		return header + "kind: Settings\nmetadata: {name: s}\nspec: {" + spec + "}\n"
	}
	quota := func(spec string) string { return header + "kind: Quota\nmetadata: {name: q}\nspec: {" + spec + "}\n" }
	scram := func(scram string) string {
		return header + "kind: User\nmetadata: {name: u}\nspec: {scram: {" + scram + "}}\n"
	}
	tests := []struct {
		name           string
		doc            string
		loader, schema bool
	}{
		// What the brief asks the schema to reject.
		{"unknown field", topic("partition: 3"), false, false},
		{"unknown field in metadata", header + "kind: Settings\nmetadata: {name: s, namespace: x}\n", false, false},
		{"wrong type", header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: six, replicationFactor: 1}\n", false, false},
		{"list for a number", header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: [1], replicationFactor: 1}\n", false, false},
		{"unknown kind", header + "kind: Topics\nmetadata: {name: orders}\n", false, false},
		{"unknown apiVersion", "apiVersion: kgitops.io/v1\nkind: Settings\nmetadata: {name: s}\n", false, false},
		{"bad operation", acl("{resource: {type: topic, name: t}, operations: [raed]}"), false, false},
		{"ANY is not an operation", acl("{resource: {type: topic, name: t}, operations: [any]}"), false, false},
		{"partitions 0", header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 0, replicationFactor: 1}\n", false, false},
		{"inline password", scram("mechanism: SCRAM-SHA-512, password: hunter2"), false, false},
		{"inline password in passwordFrom", scram("mechanism: SCRAM-SHA-512, passwordFrom: {password: hunter2}"), false, false},

		// Topics.
		{"topic", topic(""), true, true},
		{"quoted numbers", header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: \"6\", replicationFactor: \"+3\"}\n", true, true},
		{"numeric names and labels", header + "kind: Topic\nmetadata: {name: 2024, labels: {tier: 1, pii: false}}\nspec: {partitions: 1, replicationFactor: 1}\n", true, true},
		{"too many partitions", header + "kind: Topic\nmetadata: {name: o}\nspec: {partitions: 2147483648, replicationFactor: 1}\n", false, false},
		{"replication factor too big", header + "kind: Topic\nmetadata: {name: o}\nspec: {partitions: 1, replicationFactor: 32768}\n", false, false},
		{"missing replicationFactor", header + "kind: Topic\nmetadata: {name: o}\nspec: {partitions: 1}\n", false, false},
		{"missing spec", header + "kind: Topic\nmetadata: {name: o}\n", false, false},
		{"bad topic name", header + "kind: Topic\nmetadata: {name: orders/v2}\nspec: {partitions: 1, replicationFactor: 1}\n", false, false},
		{"topic named ..", header + "kind: Topic\nmetadata: {name: ..}\nspec: {partitions: 1, replicationFactor: 1}\n", false, false},
		{"reserved topic", header + "kind: Topic\nmetadata: {name: app-store-changelog}\nspec: {partitions: 1, replicationFactor: 1}\n", false, false},
		{"reserved connect topic", header + "kind: Topic\nmetadata: {name: mm2-connect-status}\nspec: {partitions: 1, replicationFactor: 1}\n", false, false},
		{"configs of every type", topic(`configs: {retention.ms: "604800000", preallocate: "True", min.cleanable.dirty.ratio: .5, cleanup.policy: "compact, delete", compression.type: " zstd ", leader.replication.throttled.replicas: [0:1, "1:2"], follower.replication.throttled.replicas: "", compression.gzip.level: -1}`), true, true},
		{"config not a number", topic("configs: {retention.ms: forever}"), false, false},
		{"config out of range", topic("configs: {min.insync.replicas: 0}"), false, false},
		{"config below -1 but for -1", topic("configs: {compression.gzip.level: 0}"), false, false},
		{"config double out of range", topic("configs: {min.cleanable.dirty.ratio: 1.5}"), false, false},
		{"config boolean", topic("configs: {preallocate: yes}"), false, false},
		{"config enum", topic("configs: {compression.type: zip}"), false, false},
		{"config enum is case-sensitive", topic("configs: {message.timestamp.type: createtime}"), false, false},
		{"config list item", topic("configs: {cleanup.policy: [compact, remove]}"), false, false},
		{"config list empty", topic("configs: {cleanup.policy: []}"), false, false},
		{"config list for a scalar key", topic("configs: {segment.ms: [1, 2]}"), false, false},
		{"config without value", topic("configs: {segment.ms: }"), false, false},
		{"config replicas", topic(`configs: {leader.replication.throttled.replicas: "0:1,*"}`), false, false},
		{"config key with a space", topic(`configs: {"retention ms": 1}`), false, false},
		{"ignoreConfigs", topic(`ignoreConfigs: [segment.ms, "confluent.*", "*"]`), true, true},
		{"ignoreConfigs with a star inside", topic(`ignoreConfigs: ["a*b"]`), false, false},
		{"ignoreConfigs twice", topic(`ignoreConfigs: [segment.ms, segment.ms]`), false, false},
		{"placement rack-aware", topic("placement: rack-aware"), true, true},
		{"placement in-rack", topic("placement: in-rack eu-west-1a"), true, true},
		{"placement in-rack with a space inside", topic(`placement: "in-rack  rack 1"`), true, true},
		{"placement null", topic("placement: "), true, true},
		{"placement static", topic(`placement: {static: [["0"]]}`), true, true},
		{"placement unknown", topic("placement: spread"), false, false},
		{"placement in upper case", topic("placement: RACK-AWARE"), false, false},
		{"placement in-rack without rack", topic("placement: in-rack"), false, false},
		{"placement in-rack with a tab", topic("placement: \"in-rack\\ta\""), false, false},
		{"placement in-rack with a trailing space", topic(`placement: "in-rack a "`), false, false},
		{"placement static as a word", topic("placement: static"), false, false},
		{"placement empty mapping", topic("placement: {}"), false, false},
		{"placement unknown key", topic("placement: {static: [[1]], rack: a}"), false, false},
		{"placement static not a list", topic("placement: {static: 1}"), false, false},
		{"placement static no lists", topic("placement: {static: []}"), false, false},
		{"placement static empty list", topic("placement: {static: [[]]}"), false, false},
		{"placement static entry not a list", topic("placement: {static: [1]}"), false, false},
		{"placement static negative broker", topic("placement: {static: [[-1]]}"), false, false},
		{"placement static broker not a number", topic("placement: {static: [[a]]}"), false, false},
		{"placement static fractional broker", topic("placement: {static: [[1.5]]}"), false, false},
		{"placement static broker twice", topic("placement: {static: [[1, 1]]}"), false, false},
		{"placement a list", topic("placement: [rack-aware]"), false, false},
		// Left to the loader.
		{"placement static lists more partitions", topic("placement: {static: [[1], [2]]}"), false, true},
		{"placement static list longer than replicationFactor", topic("placement: {static: [[1, 2]]}"), false, true},
		{"placement static broker twice in two spellings", topic(`placement: {static: [[1, "1"]]}`), false, true},
		{"quoted 0 partitions", header + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: \"0\", replicationFactor: 1}\n", false, true},
		{"exponent for a whole number", topic("configs: {retention.ms: 1e3}"), false, true},
		{"unknown config key", topic("configs: {x.vendor.flag: 1}"), false, true},
		{"removed config key", topic("configs: {message.format.version: 3.0}"), false, true},
		{"key set and ignored", topic("configs: {segment.ms: 1}, ignoreConfigs: [segment.ms]"), false, true},

		// Settings.
		{"settings without spec", header + "kind: Settings\nmetadata: {name: s}\n", true, true},
		{"settings", header + "kind: Settings\nmetadata: {name: s}\nspec: {ignoreConfigs: [segment.ms], extraConfigKeys: [x.y]}\n", true, true},
		{"extra key already known", header + "kind: Settings\nmetadata: {name: s}\nspec: {extraConfigKeys: [retention.ms]}\n", false, false},
		{"extra key with a star", header + "kind: Settings\nmetadata: {name: s}\nspec: {extraConfigKeys: [\"x.*\"]}\n", false, false},
		{"reassignment", settings("reassignment: {throttle: 50MiB, maxPartitionsInFlight: 10, placementDrift: report}"), true, true},
		{"reassignment null", settings("reassignment: "), true, true},
		{"reassignment empty", settings("reassignment: {}"), true, true},
		{"throttle none", settings("reassignment: {throttle: none}"), true, true},
		{"throttle 0", settings("reassignment: {throttle: 0}"), true, true},
		{"throttle in bytes", settings("reassignment: {throttle: 1048576}"), true, true},
		{"throttle quoted, with spaces", settings(`reassignment: {throttle: " 1.5 GiB "}`), true, true},
		{"throttle quoted number", settings(`reassignment: {throttle: "1048576"}`), true, true},
		{"throttle powers of ten", settings("reassignment: {throttle: 100MB}"), true, true},
		{"throttle negative", settings("reassignment: {throttle: -1}"), false, false},
		{"throttle unknown unit", settings("reassignment: {throttle: 50Mb}"), false, false},
		{"throttle per second", settings("reassignment: {throttle: 50MiB/s}"), false, false},
		{"throttle None", settings("reassignment: {throttle: None}"), false, false},
		{"throttle empty", settings("reassignment: {throttle: }"), false, false},
		{"throttle a list", settings("reassignment: {throttle: [1]}"), false, false},
		{"maxPartitionsInFlight 0", settings("reassignment: {maxPartitionsInFlight: 0}"), false, false},
		{"maxPartitionsInFlight too many", settings("reassignment: {maxPartitionsInFlight: 10001}"), false, false},
		{"maxPartitionsInFlight quoted", settings(`reassignment: {maxPartitionsInFlight: "3"}`), true, true},
		{"placementDrift revert", settings("reassignment: {placementDrift: revert}"), true, true},
		{"placementDrift unknown", settings("reassignment: {placementDrift: fix}"), false, false},
		{"reassignment unknown field", settings("reassignment: {maxInFlight: 3}"), false, false},
		{"reassignment a list", settings("reassignment: [throttle]"), false, false},
		// Left to the loader.
		{"throttle fraction of a byte", settings("reassignment: {throttle: 0.5B}"), false, true},
		{"throttle too big", settings("reassignment: {throttle: 8388608TiB}"), false, true},

		// ACLs.
		{"operations in every spelling", acl("{resource: {type: TOPIC, name: t}, operations: [describe-configs, ALTER_CONFIGS, Create, _write_, deScRiBe]}"), true, true},
		{"resource type spellings", acl("{resource: {type: transactional-id, name: t}, operations: [write]}"), true, true},
		{"operation of another type", acl("{resource: {type: topic, name: t}, operations: [IDEMPOTENT_WRITE]}"), false, false},
		{"operation of another type, camel case", acl("{resource: {type: transactionalId, name: t}, operations: [read]}"), false, false},
		{"no operations", acl("{resource: {type: topic, name: t}, operations: []}"), false, false},
		{"operations not a list", acl("{resource: {type: topic, name: t}, operations: read}"), false, false},
		{"unknown resource type", acl("{resource: {type: topics, name: t}, operations: [read]}"), false, false},
		{"cluster without name", acl("{resource: {type: cluster}, operations: [idempotentWrite]}"), true, true},
		{"cluster named", acl("{resource: {type: Cluster, name: kafka-cluster, patternType: LITERAL}, operations: [describe]}"), true, true},
		{"cluster misnamed", acl("{resource: {type: cluster, name: my-cluster}, operations: [describe]}"), false, false},
		{"cluster prefixed", acl("{resource: {type: cluster, patternType: prefixed}, operations: [describe]}"), false, false},
		{"topic without name", acl("{resource: {type: topic}, operations: [read]}"), false, false},
		{"topic prefix", acl("{resource: {type: topic, name: shop., patternType: Prefixed}, operations: [read]}"), true, true},
		{"topic prefix with a slash", acl("{resource: {type: topic, name: shop/, patternType: prefixed}, operations: [read]}"), false, false},
		{"prefix *", acl(`{resource: {type: group, name: "*", patternType: prefixed}, operations: [read]}`), false, false},
		{"any group name", acl(`{resource: {type: group, name: "any group / name", patternType: prefixed}, operations: [read]}`), true, true},
		{"patternType match", acl("{resource: {type: topic, name: t, patternType: match}, operations: [read]}"), false, false},
		{"host and permission", acl(`{resource: {type: topic, name: t}, operations: [read], host: "0:0:0:0:0:0:0:1", permission: Deny}`), true, true},
		{"hostname", acl("{resource: {type: topic, name: t}, operations: [read], host: localhost}"), false, false},
		{"short IPv6 host", acl(`{resource: {type: topic, name: t}, operations: [read], host: "::1"}`), false, false},
		{"IPv4 host with a leading zero", acl("{resource: {type: topic, name: t}, operations: [read], host: 010.0.0.1}"), false, false},
		{"permission", acl("{resource: {type: topic, name: t}, operations: [read], permission: block}"), false, false},
		{"principal without type", header + "kind: ACL\nmetadata: {name: a}\nspec: {principal: alice, rules: [{resource: {type: topic, name: t}, operations: [read]}]}\n", false, false},
		{"principal with spaces", header + "kind: ACL\nmetadata: {name: a}\nspec: {principal: \"User: a\", rules: [{resource: {type: topic, name: t}, operations: [read]}]}\n", false, false},
		{"no rules", header + "kind: ACL\nmetadata: {name: a}\nspec: {principal: User:a, rules: []}\n", false, false},
		{"rule with unknown field", acl("{resource: {type: topic, name: t}, operations: [read], hosts: [a]}"), false, false},
		// Left to the loader.
		{"principal type in lower case", header + "kind: ACL\nmetadata: {name: a}\nspec: {principal: user:a, rules: [{resource: {type: topic, name: t}, operations: [read]}]}\n", false, true},
		{"one operation in two spellings", acl("{resource: {type: topic, name: t}, operations: [read, READ]}"), false, true},

		// Roles and bindings.
		{"role", header + "kind: Role\nmetadata: {name: r}\nspec: {description: d, rules: [{resourceType: topic, operations: [describeConfigs]}, {resourceType: CLUSTER, operations: [idempotent-write]}]}\n", true, true},
		{"role named like a built-in one", header + "kind: Role\nmetadata: {name: consumer}\nspec: {rules: [{resourceType: topic, operations: [read]}]}\n", false, false},
		{"role on users", header + "kind: Role\nmetadata: {name: r}\nspec: {rules: [{resourceType: user, operations: [createTokens]}]}\n", false, false},
		{"role operation of another type", header + "kind: Role\nmetadata: {name: r}\nspec: {rules: [{resourceType: group, operations: [write]}]}\n", false, false},
		{"consumer", binding("role: consumer, topics: [orders], groups: [{name: billing-, patternType: prefixed}]"), true, true},
		{"consumer without groups", binding("role: consumer, topics: [orders]"), false, false},
		{"consumer with empty groups", binding("role: consumer, topics: [orders], groups: []"), false, false},
		{"producer with groups", binding("role: producer, topics: [orders], groups: [g]"), false, false},
		{"admin alone", binding("role: admin"), true, true},
		{"admin with applicationId", binding("role: admin, applicationId: app"), false, false},
		{"streams-app", binding(`role: streams-app, applicationId: app, inputTopics: [a], outputTopics: [{name: b}], exactlyOnce: "TRUE"`), true, true},
		{"streams-app without applicationId", binding("role: streams-app, inputTopics: [a]"), false, false},
		{"bad applicationId", binding(`role: streams-app, applicationId: "my app"`), false, false},
		{"bad exactlyOnce", binding("role: streams-app, applicationId: app, exactlyOnce: maybe"), false, false},
		{"binding topic with a space", binding(`role: producer, topics: ["a b"]`), false, false},
		{"binding topics not a list", binding("role: producer, topics: orders"), false, false},
		{"binding without principals", header + "kind: RoleBinding\nmetadata: {name: b}\nspec: {role: admin, principals: []}\n", false, false},
		{"binding entry with unknown field", binding("role: producer, topics: [{name: x, pattern: literal}]"), false, false},
		{"binding entry without name", binding("role: producer, topics: [{patternType: literal}]"), false, false},
		// Left to the loader.
		{"binding to a Role of the repo", binding("role: auditor, topics: [a]"), false, true},

		// Quotas.
		{"quota", quota("user: billing, clientId: <default>, values: {producer_byte_rate: 1048576, request_percentage: 12.5}"), true, true},
		{"quota with quoted values", quota(`user: b, values: {consumer_byte_rate: "1e6", controller_mutation_rate: "0.5"}`), true, true},
		{"ip quota", quota("ip: 10.0.0.1, values: {connection_creation_rate: 50}"), true, true},
		{"default ip quota", quota(`ip: "<default>", values: {connection_creation_rate: 50}`), true, true},
		{"quota without entity", quota("values: {producer_byte_rate: 1}"), false, false},
		{"ip and user", quota("ip: 10.0.0.1, user: a, values: {connection_creation_rate: 50}"), false, false},
		{"ip key on a user", quota("user: a, values: {connection_creation_rate: 50}"), false, false},
		{"user key on an ip", quota("ip: 10.0.0.1, values: {consumer_byte_rate: 50}"), false, false},
		{"unknown quota key", quota("user: a, values: {producer_rate: 1}"), false, false},
		{"zero quota", quota("user: a, values: {request_percentage: 0}"), false, false},
		{"fractional byte rate", quota("user: a, values: {consumer_byte_rate: 1.5}"), false, false},
		{"too many connections", quota("ip: 10.0.0.1, values: {connection_creation_rate: 3000000000}"), false, false},
		{"quota value not a number", quota("user: a, values: {producer_byte_rate: 1MB}"), false, false},
		{"no values", quota("user: a, values: {}"), false, false},
		{"bad ip", quota("ip: office, values: {connection_creation_rate: 1}"), false, false},
		{"empty user", quota(`user: "", values: {producer_byte_rate: 1}`), false, false},

		// Users.
		{"user", scram("mechanism: scram-sha-256, iterations: \"4096\", passwordFrom: {file: /run/secrets/u}"), true, true},
		{"user with env", scram("mechanism: SCRAM-SHA-512, passwordFrom: {env: U_PASSWORD}"), true, true},
		{"bad mechanism", scram("mechanism: SHA-512, passwordFrom: {env: A}"), false, false},
		{"too few iterations", scram("mechanism: SCRAM-SHA-512, iterations: 1000, passwordFrom: {env: A}"), false, false},
		{"too many iterations", scram("mechanism: SCRAM-SHA-512, iterations: 20000, passwordFrom: {env: A}"), false, false},
		{"env and file", scram("mechanism: SCRAM-SHA-512, passwordFrom: {env: A, file: b}"), false, false},
		{"neither env nor file", scram("mechanism: SCRAM-SHA-512, passwordFrom: {}"), false, false},
		{"bad env name", scram(`mechanism: SCRAM-SHA-512, passwordFrom: {env: "my-password"}`), false, false},
		{"passwordFrom as text", scram("mechanism: SCRAM-SHA-512, passwordFrom: s3cret"), false, false},
		{"no passwordFrom", scram("mechanism: SCRAM-SHA-512"), false, false},
		{"no mechanism", scram("passwordFrom: {env: A}"), false, false},
		{"no scram", header + "kind: User\nmetadata: {name: u}\nspec: {}\n", false, false},

		// Every document.
		{"no metadata", header + "kind: Settings\n", false, false},
		{"no name", header + "kind: Settings\nmetadata: {labels: {a: b}}\n", false, false},
		{"empty name", header + "kind: Settings\nmetadata: {name: \"\"}\n", false, false},
		{"labels of lists", header + "kind: Settings\nmetadata: {name: s, labels: {a: [b]}}\n", false, false},
		{"unknown top-level field", header + "kind: Settings\nmetadata: {name: s}\nstatus: {}\n", false, false},
		{"not a mapping", "[1, 2]\n", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(fstest.MapFS{"doc.yaml": {Data: []byte(tc.doc)}})
			if got := err == nil; got != tc.loader {
				t.Fatalf("the loader accepts it: %v, want %v (the case is wrong); error: %v", got, tc.loader, err)
			}
			docs, err := readDocs([]byte(tc.doc))
			if err != nil || len(docs) != 1 || docs[0].err != nil {
				t.Fatalf("readDocs: %v, %+v", err, docs)
			}
			err = validate(t, docs[0].value)
			if got := err == nil; got != tc.schema {
				t.Errorf("the schema accepts it: %v, want %v; error: %v", got, tc.schema, err)
			}
		})
	}
}

// FuzzSchemaAcceptsWhatLoaderAccepts feeds one document to the loader and,
// when the loader accepts it, to the schema, which must accept it too.
func FuzzSchemaAcceptsWhatLoaderAccepts(f *testing.F) {
	for _, dir := range goodRepos(f) {
		_ = fs.WalkDir(os.DirFS(dir), ".", func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && (path.Ext(p) == ".yaml" || path.Ext(p) == ".yml") {
				data, err := fs.ReadFile(os.DirFS(dir), p)
				if err == nil {
					for _, doc := range bytes.Split(data, []byte("\n---\n")) {
						f.Add(doc)
					}
				}
			}
			return nil
		})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := LoadFS(fstest.MapFS{"doc.yaml": {Data: data}}); err != nil {
			return
		}
		docs, err := readDocs(data)
		if err != nil {
			t.Fatalf("the loader accepts what yaml.v3 cannot read: %v", err)
		}
		for _, d := range docs {
			if d.err != nil {
				continue // such as a huge YAML integer JSON has no room for
			}
			if err := validate(t, d.value); err != nil {
				t.Errorf("line %d: the loader accepts this document, the schema does not:\n%v", d.line, err)
			}
		}
	})
}

// TestSchemaPatterns holds each hand-written pattern against the loader
// function it mirrors.
func TestSchemaPatterns(t *testing.T) {
	match := func(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
	long := strings.Repeat("x", MaxTopicNameLen)
	for _, name := range []string{
		"orders", "a", "-", "_", "1", ".a", "a.", "..a", "...", ".", "..", "", "a b", "a/b", "größe", long, long + "x",
		"__consumer_offsets", "__kgitops_inventory", ".hidden", "_schemas", "_schemas2", "_confluent-x", "_confluent",
		"connect-offsets", "mm2-connect-status", "myconnect-offsets", "connect-offsets-2", "heartbeats", "us.heartbeats",
		"us-heartbeats", "a.internal", "a-internal", "app-changelog", "app-repartition", "app.changelog",
	} {
		valid := match("^("+topicName+")$", name) && len(name) <= MaxTopicNameLen
		if _, ok := ValidTopicName(name); valid != ok {
			t.Errorf("topicName matches %q: %v, ValidTopicName: %v", name, valid, ok)
		}
		if _, ok := Reserved(name); ok != match(reservedTopic, name) {
			t.Errorf("reservedTopic matches %q: %v, Reserved: %v", name, !ok, ok)
		}
	}
	for _, p := range []string{"User:a", "User:*", "Group:sre", "U:x", "User:a:b", "User:CN=a, O=b", "alice", "*", ":a", "User:", "User: a", " User:a", "User:a ", ""} {
		if _, _, ok := CheckPrincipal(p); ok != match(principal, p) {
			t.Errorf("principal matches %q: %v, CheckPrincipal: %v", p, !ok, ok)
		}
	}
	host := `^(\*|` + ipv4 + `|` + javaIPv6 + `)$`
	for _, h := range []string{"*", "10.0.0.1", "255.255.255.255", "0.0.0.0", "256.0.0.1", "010.0.0.1", "10.0.0", "0:0:0:0:0:0:0:1",
		"2001:db8:0:0:0:0:0:1", "2001:DB8:0:0:0:0:0:1", "2001:0db8:0:0:0:0:0:1", "::1", "fe80:0:0:0:0:0:0:1%eth0", "localhost", "10.0.0.0/8", ""} {
		if _, _, ok := CheckHost(h); ok != match(host, h) {
			t.Errorf("host matches %q: %v, CheckHost: %v", h, !ok, ok)
		}
	}

	// Operations in every spelling the loader folds together, and some it
	// does not know.
	var spellings []string
	for _, op := range operationNames {
		lower := strings.ToLower(op)
		spellings = append(spellings, op, lower, spellLike(op, "x"), spellLike(op, "x-x"), "_"+op+"-", "Х"+lower)
		for i := 1; i < len(lower); i++ {
			spellings = append(spellings, lower[:i]+"-"+strings.ToUpper(lower[i:]), op[:i]+"_"+lower[i:])
		}
	}
	spellings = append(spellings, "any", "ANY", "raed", "describeConfig", "read!", "re ad", "", "allow")
	for _, rt := range resourceTypes {
		pattern := wordsPattern(Operations(rt), true)
		for _, s := range spellings {
			op, ok := parseOperation(s)
			ok = ok && OperationApplies(rt, op)
			if match(pattern, s) != ok {
				t.Errorf("the %s operation pattern matches %q: %v, the loader accepts it: %v", rt, s, !ok, ok)
			}
		}
		for _, s := range []string{rt, strings.ToUpper(rt), "_" + rt, spellLike(strings.ToUpper(rt), "x-x"), rt + "s", "Topic_"} {
			_, ok := parseResourceType(s)
			if got := match(wordsPattern(resourceTypes, true), s); got != ok {
				t.Errorf("the resource type pattern matches %q: %v, parseResourceType: %v", s, got, ok)
			}
		}
	}
	for _, s := range []string{"SCRAM-SHA-256", "scram-sha-512", "Scram-Sha-512", "SCRAM_SHA_512", "SCRAM-SHA-1", "SHA-512"} {
		m := strings.ToUpper(s)
		ok := m == MechanismSCRAMSHA256 || m == MechanismSCRAMSHA512
		if got := match(wordsPattern([]string{MechanismSCRAMSHA512, MechanismSCRAMSHA256}, false), s); got != ok {
			t.Errorf("the mechanism pattern matches %q: %v, want %v", s, got, ok)
		}
	}
}

// TestSchemaConfigKeys pins that the schema knows every key of the
// loader's table, with its documentation.
func TestSchemaConfigKeys(t *testing.T) {
	for key, c := range topicConfigs {
		if _, ok := configDocs[key]; ok == (c.removed != "") {
			t.Errorf("configDocs has %s: %v, want it for exactly the current keys", key, ok)
		}
	}
	for key := range configDocs {
		if _, ok := topicConfigs[key]; !ok {
			t.Errorf("configDocs has %s, which topicConfigs does not", key)
		}
	}
	for key := range quotaKeys {
		if quotaDocs[key] == "" {
			t.Errorf("quotaDocs lacks %s", key)
		}
	}
	var doc struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	out, err := JSONSchema("")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(doc.Defs["configs"].Properties))
	want := slices.Sorted(maps.Keys(topicConfigs))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configs properties differ from topicConfigs (-want +got):\n%s", diff)
	}
}

// TestSchemaDescriptions pins that every property the schema declares is
// described, itself or by the definition it refers to, for an editor's
// hover. Properties under if, then, else and not only narrow others.
func TestSchemaDescriptions(t *testing.T) {
	out, err := JSONSchema("")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(out, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	described := func(s map[string]any) bool {
		if d, _ := s["description"].(string); d != "" {
			return true
		}
		if ref, ok := s["$ref"].(string); ok {
			def, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			d, _ := def["description"].(string)
			return d != ""
		}
		return false
	}
	n := 0
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s/%d", at, i), c)
			}
		case map[string]any:
			for k, c := range v {
				switch k {
				case "if", "then", "else", "not":
					continue
				case "properties":
					for name, p := range c.(map[string]any) {
						n++
						if s, ok := p.(map[string]any); !ok || !described(s) {
							t.Errorf("%s/properties/%s has no description", at, name)
						}
					}
				}
				walk(at+"/"+k, c)
			}
		}
	}
	walk("#", root)
	if n < 100 {
		t.Errorf("found %d properties, want over 100", n)
	}
}

// TestJSONSchemaKind pins that a kind's schema stands alone: it has its
// kind's definitions only, and accepts that kind only.
func TestJSONSchemaKind(t *testing.T) {
	for _, k := range Kinds() {
		out, err := JSONSchema(k)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Schema string                     `json:"$schema"`
			Title  string                     `json:"title"`
			Defs   map[string]json.RawMessage `json:"$defs"`
		}
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatal(err)
		}
		if s.Schema != JSONSchemaDialect || s.Title != k {
			t.Errorf("JSONSchema(%q) has $schema %q and title %q", k, s.Schema, s.Title)
		}
		for _, other := range Kinds() {
			if _, ok := s.Defs[other]; ok {
				t.Errorf("JSONSchema(%q) defines %s", k, other)
			}
		}
	}
	settings := map[string]any{"apiVersion": APIVersion, "kind": KindSettings, "metadata": map[string]any{"name": "s"}}
	if err := compileSchema(t, KindTopic).Validate(settings); err == nil {
		t.Error("the Topic schema accepts a Settings document")
	}
	if err := compileSchema(t, KindSettings).Validate(settings); err != nil {
		t.Errorf("the Settings schema rejects a Settings document: %v", err)
	}

	_, err := JSONSchema("Topics")
	if want := `unknown kind "Topics" (did you mean Topic? kinds: ACL, BrokerConfig, Policy, Quota, Role, RoleBinding, Schema, Settings, Topic, TopicProfile, User)`; err == nil || err.Error() != want {
		t.Errorf("JSONSchema(Topics) = %v, want %s", err, want)
	}
	if _, err := JSONSchema("apiVersion"); err == nil {
		t.Error("JSONSchema(apiVersion) succeeded: it is a definition, not a kind")
	}
}

// TestJSONSchemaGolden compares the schema with the file editors may be
// pointed at. Run with -update to rewrite it.
func TestJSONSchemaGolden(t *testing.T) {
	got, err := JSONSchema("")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "schema", "kgitops.schema.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./spec -run TestJSONSchemaGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("JSONSchema(\"\") differs from %s (-want +got):\n%s", golden, diff)
	}
	again, _ := JSONSchema("")
	if !bytes.Equal(got, again) {
		t.Error("JSONSchema is not deterministic")
	}
}
