package spec

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

const ordersAvsc = `{
  "type": "record",
  "name": "Order",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "amount", "type": "long", "default": 0}
  ]
}
`

func schemaRepo(extra map[string]string) fstest.MapFS {
	files := fstest.MapFS{
		"topics/orders.yaml":  {Data: []byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    value: orders-value\n")},
		"schemas/orders.yaml": {Data: []byte("apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: orders-value\nspec:\n  type: AVRO\n  schemaFile: orders.avsc\n  compatibility: backward\n")},
		"schemas/orders.avsc": {Data: []byte(ordersAvsc)},
	}
	for p, s := range extra {
		files[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return files
}

func TestSchemaDocumentReadsItsFile(t *testing.T) {
	st, err := LoadFS(schemaRepo(nil))
	if err != nil {
		t.Fatal(err)
	}
	sc, ok := st.Schema("orders-value")
	if !ok || sc.Subject != "orders-value" || sc.Type != SchemaAvro || sc.Compatibility != "BACKWARD" || sc.File != "schemas/orders.avsc" || sc.Text != ordersAvsc {
		t.Fatalf("schema: %+v", sc)
	}
	if len(st.Skipped) != 0 {
		t.Errorf("the schema file is listed as skipped: %+v", st.Skipped)
	}
	if tp, _ := st.Topic("orders"); tp.Schemas.Value != "orders-value" {
		t.Errorf("topic schemas: %+v", tp.Schemas)
	}
}

func TestSchemaErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"avro syntax at its line", map[string]string{"schemas/orders.avsc": "{\n  \"type\": \"record\",\n  \"name\": \"Order\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"string\"},,\n  ]\n}\n"},
			"schemas/orders.avsc:5: Schema \"orders-value\": avro schema: invalid JSON"},
		{"avro unknown type at its line", map[string]string{"schemas/orders.avsc": strings.Replace(ordersAvsc, `"long"`, `"lnog"`, 1)},
			"schemas/orders.avsc:6: Schema \"orders-value\": avro schema:"},
		{"protobuf at its line", map[string]string{
			"schemas/p.yaml":  "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: p\nspec:\n  type: PROTOBUF\n  schemaFile: p.proto\n",
			"schemas/p.proto": "syntax = \"proto3\";\n\nmessage P {\n  strin id = 1;\n}\n"},
			"schemas/p.proto:4: Schema \"p\": protobuf schema:"},
		{"json schema syntax", map[string]string{
			"j.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: j\nspec:\n  type: JSON\n  schemaFile: j.json\n",
			"j.json": "{\n  \"type\": \"object\",\n  \"properties\": {\"a\": {\"type\": 3}}\n}\n"},
			"j.json:3: Schema \"j\": json schema:"},
		{"json schema error in a list at its line", map[string]string{
			"j.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: j\nspec:\n  type: JSON\n  schemaFile: j.json\n",
			"j.json": "{\n  \"type\": \"object\",\n  \"required\": [\n    \"a\",\n    3\n  ]\n}\n"},
			"j.json:5: Schema \"j\": json schema:"},
		{"missing file", map[string]string{"schemas/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: orders-value\nspec:\n  type: AVRO\n  schemaFile: nope.avsc\n"},
			"schemas/orders.yaml:7: schemaFile nope.avsc: file does not exist"},
		{"topic names a missing schema", map[string]string{"topics/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    value: order-value\n"},
			`topics/orders.yaml:9: topic "orders": schemas.value names Schema "order-value", which the repo does not declare`},
		{"subject against the topic strategy", map[string]string{"topics/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    key: orders-value\n"},
			`topics/orders.yaml:9: topic "orders": the key schema's subject is "orders-value"; the topic-name strategy wants "orders-key"`},
		{"subject against the record strategy", map[string]string{"topics/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    value: orders-value\n    strategy: record\n"},
			`topics/orders.yaml:9: topic "orders": the value schema's subject is "orders-value"; the record strategy wants the record's full name "Order"`},
		{"subject against the topic-record strategy", map[string]string{"topics/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    value: orders-value\n    strategy: topic-record\n"},
			`topics/orders.yaml:9: topic "orders": the value schema's subject is "orders-value"; the topic-record strategy wants "orders-Order"`},
		{"file outside the repo", map[string]string{"schemas/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: orders-value\nspec:\n  type: AVRO\n  schemaFile: ../../x.avsc\n"},
			`schemas/orders.yaml:7: schemaFile "../../x.avsc" is outside the repo`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(schemaRepo(tt.extra))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error:\n%v\nwant it to hold:\n%s", err, tt.want)
			}
		})
	}
}

// A saved plan must notice a changed schema file, which is not a manifest.
func TestHashCoversSchemaFiles(t *testing.T) {
	a, err := HashFS(schemaRepo(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := HashFS(schemaRepo(map[string]string{"schemas/orders.avsc": strings.Replace(ordersAvsc, `"default": 0`, `"default": 1`, 1)}))
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("changing a schema file leaves the hash unchanged")
	}
}

func TestSelectPicksSchemasByLabel(t *testing.T) {
	st, err := LoadFS(schemaRepo(map[string]string{"schemas/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: orders-value\n  labels: {team: shop}\nspec:\n  type: AVRO\n  schemaFile: orders.avsc\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Select(Selector{"team": "shop"}).Schemas); n != 1 {
		t.Errorf("team=shop selects %d schema(s), want 1", n)
	}
	if n := len(st.Select(Selector{"team": "other"}).Schemas); n != 0 {
		t.Errorf("team=other selects %d schema(s), want 0", n)
	}
}

// An Avro schema may use a named type another Schema document of the repo
// declares, through references; without the reference it does not parse.
func TestAvroNamedTypeThroughReferences(t *testing.T) {
	money := `{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"}]}`
	order := `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"total","type":"shop.Money"}]}`
	doc := func(name, file, refs string) string {
		return "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: " + name + "\nspec:\n  type: AVRO\n  schemaFile: " + file + "\n" + refs
	}
	files := func(refs string) fstest.MapFS {
		return fstest.MapFS{
			"money.yaml": {Data: []byte(doc("money", "money.avsc", ""))},
			"money.avsc": {Data: []byte(money)},
			"order.yaml": {Data: []byte(doc("order", "order.avsc", refs))},
			"order.avsc": {Data: []byte(order)},
		}
	}
	if _, err := LoadFS(files("  references:\n    - {name: shop.Money, subject: money, version: 1}\n")); err != nil {
		t.Fatalf("with the reference: %v", err)
	}
	_, err := LoadFS(files(""))
	if err == nil || !strings.Contains(err.Error(), `order.avsc:1: Schema "order": avro schema:`) {
		t.Fatalf("without the reference: %v", err)
	}
}

// A schemaFile that is a link out of the repo is never read: its content
// would go to the registry.
func TestSchemaFileLinkOutOfTheRepo(t *testing.T) {
	outside := t.TempDir() + "/secret.avsc"
	if err := os.WriteFile(outside, []byte(ordersAvsc), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/s.yaml", []byte("apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: s\nspec:\n  type: AVRO\n  schemaFile: s.avsc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, dir+"/s.avsc"); err != nil {
		t.Skip(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "s.yaml:7: schemaFile s.avsc:") {
		t.Fatalf("load: %v", err)
	}
}

func TestRecordStrategyAcceptsTheRecordName(t *testing.T) {
	_, err := LoadFS(schemaRepo(map[string]string{
		"topics/orders.yaml":  "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 1\n  replicationFactor: 1\n  schemas:\n    value: orders-value\n    strategy: topic-record\n",
		"schemas/orders.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: orders-value\nspec:\n  subject: orders-Order\n  type: AVRO\n  schemaFile: orders.avsc\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// References are followed through the repo's schemas (an Avro type using
// one that uses another; a Protobuf import that imports; a JSON Schema
// $ref to a document with a $ref of its own), and a cycle of
// references is an error at each document in it.
func TestSchemaReferencesTransitiveAndCycles(t *testing.T) {
	doc := func(name, typ, text, refs string) string {
		return "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: " + name + "\nspec:\n  type: " + typ + "\n  schema: '" + text + "'\n" + refs
	}
	ref := func(name, subject string) string {
		return "  references:\n    - {name: " + name + ", subject: " + subject + ", version: 1}\n"
	}
	avroRepo := fstest.MapFS{"s.yaml": {Data: []byte(strings.Join([]string{
		doc("cur", "AVRO", `{"type":"enum","name":"Currency","namespace":"shop","symbols":["EUR","USD"]}`, ""),
		doc("money", "AVRO", `{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"c","type":"shop.Currency"}]}`, ref("shop.Currency", "cur")),
		doc("order", "AVRO", `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"t","type":"shop.Money"}]}`, ref("shop.Money", "money")),
	}, "---\n"))}}
	if _, err := LoadFS(avroRepo); err != nil {
		t.Fatalf("Avro through two references: %v", err)
	}
	protoRepo := fstest.MapFS{"s.yaml": {Data: []byte(strings.Join([]string{
		doc("cur", "PROTOBUF", `syntax = "proto3"; package shop; enum Currency { EUR = 0; }`, ""),
		doc("money", "PROTOBUF", `syntax = "proto3"; package shop; import "cur.proto"; message Money { Currency c = 1; }`, ref("cur.proto", "cur")),
		doc("order", "PROTOBUF", `syntax = "proto3"; package shop; import "money.proto"; message Order { Money t = 1; }`, ref("money.proto", "money")),
	}, "---\n"))}}
	if _, err := LoadFS(protoRepo); err != nil {
		t.Fatalf("Protobuf through two imports: %v", err)
	}
	jsonRepo := fstest.MapFS{"s.yaml": {Data: []byte(strings.Join([]string{
		doc("cur", "JSON", `{"enum":["EUR","USD"]}`, ""),
		doc("money", "JSON", `{"type":"object","properties":{"c":{"$ref":"cur.json"}}}`, ref("cur.json", "cur")),
		doc("order", "JSON", `{"type":"object","properties":{"t":{"$ref":"money.json"}}}`, ref("money.json", "money")),
	}, "---\n"))}}
	if _, err := LoadFS(jsonRepo); err != nil {
		t.Fatalf("JSON Schema through two $refs: %v", err)
	}
	cycle := fstest.MapFS{"s.yaml": {Data: []byte(strings.Join([]string{
		doc("a", "AVRO", `{"type":"record","name":"A","fields":[{"name":"b","type":["null","B"]}]}`, ref("B", "b")),
		doc("b", "AVRO", `{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}`, ref("A", "a")),
	}, "---\n"))}}
	_, err := LoadFS(cycle)
	for _, want := range []string{`s.yaml:2: Schema "a": its references form a cycle: a → b → a`, `s.yaml:12: Schema "b": its references form a cycle: b → a → b`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a cycle: want %q in %v", want, err)
		}
	}
}
