package reconcile

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// schemaRig plans and applies Schema documents against the real registry
// (KGITOPS_TEST_SCHEMA_REGISTRY) and a cluster for the inventory.
type schemaRig struct {
	*rig
	reg      *sr.Client
	backends map[string]any
}

func newSchemaRig(t *testing.T, c *kafkatest.Cluster) *schemaRig {
	t.Helper()
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skip("no schema registry: set " + kafkatest.EnvSchemaRegistry + " (internal/testbroker/registry.sh)")
	}
	reg, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	return &schemaRig{rig: newRig(t, c), reg: reg, backends: map[string]any{BackendSchemaRegistry: reg}}
}

func (r *schemaRig) load(files map[string]string) *spec.State {
	r.t.Helper()
	fs := fstest.MapFS{}
	for p, s := range files {
		fs[p] = &fstest.MapFile{Data: []byte(s)}
	}
	st, err := spec.LoadFS(fs)
	if err != nil {
		r.t.Fatalf("load: %v", err)
	}
	return st
}

func (r *schemaRig) plan(st *spec.State, opts DiffOptions) (*Plan, *Live) {
	r.t.Helper()
	live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st, Backends: r.backends})
	if err != nil {
		r.t.Fatalf("observe: %v", err)
	}
	return Diff(st, live, opts), live
}

func (r *schemaRig) apply(st *spec.State, opts DiffOptions) *Plan {
	r.t.Helper()
	p, live := r.plan(st, opts)
	if len(p.Errors) > 0 {
		r.t.Fatalf("plan has errors: %v", p.Errors)
	}
	results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live, Backends: r.backends})
	if err != nil {
		r.t.Fatalf("apply: %v", err)
	}
	for _, res := range results {
		if res.Err != nil {
			r.t.Fatalf("apply %s %s: %v", res.Change.Kind, res.Change.Name, res.Err)
		}
	}
	return p
}

func (r *schemaRig) latest(subject string) sr.SubjectSchema {
	r.t.Helper()
	ss, err := r.reg.SchemaByVersion(context.Background(), subject, -1)
	if err != nil {
		r.t.Fatalf("latest of %s: %v", subject, err)
	}
	return ss
}

func schemaDoc(name, subject, typ, file, level string, refs ...string) string {
	s := fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: %s\nspec:\n  subject: %s\n  type: %s\n  schemaFile: %s\n", name, subject, typ, file)
	if level != "" {
		s += "  compatibility: " + level + "\n"
	}
	if len(refs) > 0 {
		s += "  references:\n"
		for _, r := range refs {
			s += "    - " + r + "\n"
		}
	}
	return s
}

const avroV1 = `{"type": "record", "name": "Order", "fields": [
  {"name": "id", "type": "string"},
  {"name": "amount", "type": "long", "default": 0}
]}`

// The same schema, keys reordered and spaced differently: no change.
const avroV1Reformatted = `{
  "name": "Order",
  "type": "record",
  "fields": [
    {"type": "string", "name": "id"},
    {"default": 0, "name": "amount", "type": "long"}
  ]
}`

const avroV2 = `{"type": "record", "name": "Order", "fields": [
  {"name": "id", "type": "string"},
  {"name": "amount", "type": "long", "default": 0},
  {"name": "note", "type": "string", "default": ""}
]}`

// A new field without a default: not BACKWARD compatible.
const avroV3Bad = `{"type": "record", "name": "Order", "fields": [
  {"name": "id", "type": "string"},
  {"name": "amount", "type": "long", "default": 0},
  {"name": "note", "type": "string", "default": ""},
  {"name": "customer", "type": "string"}
]}`

func avroRepo(subject, text, level string) map[string]string {
	return map[string]string{
		"schemas/orders.yaml": schemaDoc("orders-value", subject, "AVRO", "orders.avsc", level),
		"schemas/orders.avsc": text,
	}
}

func changeOf(p *Plan, kind, name string) (Change, bool) {
	for _, c := range p.Changes {
		if c.Kind == kind && c.Name == name {
			return c, true
		}
	}
	return Change{}, false
}

func TestSchemaLifecycleOnTheRegistry(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newSchemaRig(t, c)
		subject := kafkatest.Unique("orders") + "-value"

		// Created, with its level; then a reformatted file is no change.
		st := r.load(avroRepo(subject, avroV1, "BACKWARD"))
		p := r.apply(st, DiffOptions{})
		if ch, ok := changeOf(p, KindSchema, subject); !ok || ch.Action != ActionCreate {
			t.Fatalf("first plan: %+v", p.Changes)
		}
		if got := r.latest(subject); got.Version != 1 {
			t.Fatalf("after create: version %d", got.Version)
		}
		r.assertNoChangesWith(r.load(avroRepo(subject, avroV1Reformatted, "BACKWARD")), r.backends)

		// A compatible change is a new version, with the field added and its default.
		st = r.load(avroRepo(subject, avroV2, "BACKWARD"))
		p = r.apply(st, DiffOptions{})
		ch, ok := changeOf(p, KindSchema, subject)
		if !ok || ch.Action != ActionUpdate || !hasField(ch, Field{Path: "fields.note", New: "string (default \"\")"}) {
			t.Fatalf("compatible change: %+v", p.Changes)
		}
		if got := r.latest(subject); got.Version != 2 {
			t.Fatalf("after the compatible change: version %d", got.Version)
		}
		r.assertNoChangesWith(st, r.backends)

		// An incompatible change is refused, naming the field; nothing is applied.
		p, live := r.plan(r.load(avroRepo(subject, avroV3Bad, "BACKWARD")), DiffOptions{})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "customer (added: string)") || !strings.Contains(p.Errors[0].Message, "not compatible with version 2 under BACKWARD") {
			t.Fatalf("incompatible change: errors %v changes %+v", p.Errors, p.Changes)
		}
		if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live, Backends: r.backends}); err == nil {
			t.Error("apply of a plan with a refusal did not fail")
		}
		if got := r.latest(subject); got.Version != 2 {
			t.Fatalf("after the refused change: version %d", got.Version)
		}

		// Weakening the level is flagged.
		p, _ = r.plan(r.load(avroRepo(subject, avroV2, "NONE")), DiffOptions{})
		ch, _ = changeOf(p, KindSchema, subject)
		if len(ch.Risks) != 1 || ch.Risks[0].Code != RiskCompatibilityChange {
			t.Fatalf("level change: %+v", p.Changes)
		}

		// A version registered by hand is drift: noted; the registry holds the
		// repo's schema as version 2 already, so with --allow-delete the
		// version registered by hand is soft-deleted and version 2 is the latest again.
		if _, err := r.reg.CreateSchema(context.Background(), subject, sr.Schema{Schema: strings.Replace(avroV2, `"default": ""}`, `"default": ""}, {"name": "extra", "type": "int", "default": 1}`, 1), Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		byHand := r.latest(subject)
		p = r.apply(st, DiffOptions{AllowDelete: true})
		if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, "registered outside the repo") {
			t.Fatalf("drift: notes %v changes %+v", p.Notes, p.Changes)
		}
		if got := r.latest(subject); got.Version >= byHand.Version || canonicalSchema(spec.SchemaAvro, got.Schema.Schema) != canonicalSchema(spec.SchemaAvro, avroV2) {
			t.Fatalf("after drift was corrected: %+v", got)
		}
		r.assertNoChangesWith(st, r.backends)

		// Gone from the repo: pending without --allow-delete, then soft-deleted.
		empty := r.load(map[string]string{"t.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Settings\nmetadata:\n  name: s\nspec: {}\n"})
		p, _ = r.plan(empty, DiffOptions{AllowEmpty: true})
		if ch, ok := changeOf(p, KindSchema, subject); !ok || ch.Action != ActionDelete || !ch.Pending {
			t.Fatalf("delete without --allow-delete: %+v", p.Changes)
		}
		r.apply(empty, DiffOptions{AllowEmpty: true, AllowDelete: true, AllowHardDelete: true})
		if _, err := r.reg.SchemaByVersion(context.Background(), subject, -1); !registryNotFound(err) {
			t.Fatalf("after hard delete: %v", err)
		}
	})
}

func hasField(c Change, want Field) bool {
	for _, f := range c.Fields {
		if f == want {
			return true
		}
	}
	return false
}

func TestSchemaProtobufImportThroughReferences(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newSchemaRig(t, c)
		common, orders := kafkatest.Unique("common"), kafkatest.Unique("porders")+"-value"
		files := map[string]string{
			"schemas/common.yaml":  schemaDoc("common", common, "PROTOBUF", "common.proto", ""),
			"schemas/common.proto": "syntax = \"proto3\";\npackage shop;\n\nmessage Money {\n  int64 cents = 1;\n  string currency = 2;\n}\n",
			"schemas/orders.yaml":  schemaDoc("orders", orders, "PROTOBUF", "orders.proto", "BACKWARD", "{name: common.proto, subject: "+common+", version: 1}"),
			"schemas/orders.proto": "syntax = \"proto3\";\npackage shop;\n\nimport \"common.proto\";\n\nmessage Order {\n  string id = 1;\n  Money total = 2;\n}\n",
		}
		st := r.load(files)
		r.apply(st, DiffOptions{})
		got := r.latest(orders)
		if len(got.References) != 1 || got.References[0].Subject != common {
			t.Fatalf("registered %+v", got)
		}
		r.assertNoChangesWith(st, r.backends)

		// A field that changes type is refused under BACKWARD, naming it.
		changed := map[string]string{}
		for k, v := range files {
			changed[k] = v
		}
		changed["schemas/orders.proto"] = strings.Replace(files["schemas/orders.proto"], "Money total = 2;", "string total = 2;", 1)
		p, _ := r.plan(r.load(changed), DiffOptions{})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "Order.total (2: Money -> 2: string)") {
			t.Fatalf("incompatible Protobuf change: errors %v changes %+v", p.Errors, p.Changes)
		}

		// Exported and loaded again, the plan is empty.
		live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, AllAccess: true, Backends: r.backends})
		if err != nil {
			t.Fatal(err)
		}
		exported := map[string]string{}
		for _, f := range Export(live, ExportOptions{}) {
			for _, s := range []string{common, orders} {
				if strings.HasPrefix(f.Path, "schemas/"+schemaFileBase(s)+".") {
					exported[f.Path] = string(f.Data)
				}
			}
		}
		if len(exported) != 4 {
			t.Fatalf("exported %v", exported)
		}
		r.assertNoChangesWith(r.load(exported), r.backends)
	})
}

// Without a registry, a repo with Schema documents cannot be planned.
func TestSchemaWithoutRegistryFails(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		st, err := spec.LoadFS(fstest.MapFS{"s.yaml": {Data: []byte(schemaDoc("o", "o-value", "AVRO", "o.avsc", ""))}, "o.avsc": {Data: []byte(avroV1)}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st})
		if err == nil || !strings.Contains(err.Error(), "no schema registry is configured: give --schema-registry") {
			t.Fatalf("observe without a registry: %v", err)
		}
	})
}

func TestSchemaOfflineDiffBetweenRevisions(t *testing.T) {
	load := func(text string) *spec.State {
		st, err := spec.LoadFS(fstest.MapFS{"s.yaml": {Data: []byte(schemaDoc("o", "o-value", "AVRO", "o.avsc", "BACKWARD"))}, "o.avsc": {Data: []byte(text)}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	p := Diff(load(avroV2), LiveFrom(load(avroV1)), DiffOptions{})
	if len(p.Changes) != 1 || !hasField(p.Changes[0], Field{Path: "fields.note", New: "string (default \"\")"}) {
		t.Fatalf("offline diff: %+v", p.Changes)
	}
	if p := Diff(load(avroV1Reformatted), LiveFrom(load(avroV1)), DiffOptions{}); p.HasChanges() {
		t.Fatalf("reformatting is a change: %+v", p.Changes)
	}
}

func TestSchemaFieldDiffOfEachType(t *testing.T) {
	tests := []struct {
		name, typ, old, new string
		want                []Field
	}{
		{"avro", spec.SchemaAvro, avroV1, avroV2, []Field{{Path: "fields.note", New: `string (default "")`}}},
		{"protobuf", spec.SchemaProtobuf,
			"syntax = \"proto3\";\nmessage Order {\n  string id = 1;\n  int64 cents = 2;\n  message Line { string sku = 1; }\n}\n",
			"syntax = \"proto3\";\nimport \"common.proto\";\nmessage Order {\n  string id = 1;\n  shop.Money total = 3;\n  message Line { string sku = 1; repeated string tags = 2; }\n}\n",
			[]Field{{Path: "fields.Order.cents", Old: "2: int64"}, {Path: "fields.Order.Line.tags", New: "2: repeated string"}, {Path: "fields.Order.total", New: "3: shop.Money"}}},
		{"json schema", spec.SchemaJSON,
			`{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer","default":1}},"required":["id"]}`,
			`{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"number","default":1}},"required":["id","n"]}`,
			[]Field{{Path: "fields.n", Old: "integer (default 1)", New: "number, required (default 1)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schemaFieldDiff(tt.typ, tt.old, tt.new)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// kgitops.io/delete on a Schema document deletes the subject, with
// --allow-delete; it is never registered again.
func TestSchemaDeleteAnnotation(t *testing.T) {
	load := func(annotations string) *spec.State {
		doc := strings.Replace(schemaDoc("o", "o-value", "AVRO", "o.avsc", ""), "  name: o\n", "  name: o\n"+annotations, 1)
		st, err := spec.LoadFS(fstest.MapFS{"s.yaml": {Data: []byte(doc)}, "o.avsc": {Data: []byte(avroV1)}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	marked := load("  annotations: {kgitops.io/delete: \"true\"}\n")
	p := Diff(marked, LiveFrom(load("")), DiffOptions{})
	if len(p.Changes) != 1 || p.Changes[0].Action != ActionDelete || !p.Changes[0].Requested || !p.Changes[0].Pending {
		t.Fatalf("marked for deletion: %+v", p.Changes)
	}
	if p := Diff(marked, LiveFrom(marked), DiffOptions{}); p.HasChanges() {
		t.Fatalf("deleted already: %+v", p.Changes)
	}
}

// Observing costs one request per subject (two with a declared level),
// plus one per changed subject, whatever else the registry holds.
func TestSchemaRegistryRoundTrips(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newSchemaRig(t, c)
		target, err := neturl.Parse(kafkatest.Registry(t))
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		proxy := httputil.NewSingleHostReverseProxy(target)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			calls.Add(1)
			req.Host = target.Host
			proxy.ServeHTTP(w, req)
		}))
		t.Cleanup(srv.Close)
		counted, err := sr.NewClient(sr.URLs(srv.URL)) // the proxy adds the API path
		if err != nil {
			t.Fatal(err)
		}
		r.backends = map[string]any{BackendSchemaRegistry: counted}

		prefix := kafkatest.Unique("rt")
		repo := func(changed int) map[string]string {
			files := map[string]string{}
			for i := range 6 {
				level := ""
				if i < 2 {
					level = "BACKWARD"
				}
				text := avroV1
				if i < changed {
					text = avroV2
				}
				files[fmt.Sprintf("s%d.yaml", i)] = schemaDoc(fmt.Sprintf("s%d", i), fmt.Sprintf("%s-%d", prefix, i), "AVRO", fmt.Sprintf("s%d.avsc", i), level)
				files[fmt.Sprintf("s%d.avsc", i)] = text
			}
			return files
		}
		r.apply(r.load(repo(0)), DiffOptions{})
		calls.Store(0)
		if p, _ := r.plan(r.load(repo(0)), DiffOptions{}); p.HasChanges() {
			t.Fatalf("second plan: %+v", p.Changes)
		}
		if n := calls.Load(); n != 6+2 {
			t.Errorf("a plan of 6 unchanged subjects, 2 with a level, took %d requests, want 8", n)
		}
		calls.Store(0)
		if p, _ := r.plan(r.load(repo(3)), DiffOptions{}); len(p.Changes) != 3 {
			t.Fatalf("plan of 3 changes: %+v", p.Changes)
		}
		if n := calls.Load(); n != 8+3 {
			t.Errorf("a plan with 3 changed subjects took %d requests, want 11", n)
		}
	})
}

// An Avro named type defined in another subject is used through a
// reference: the referenced subject is registered first, the reference
// is recorded, and a change to the named type's users is compared with
// the type resolved.
func TestSchemaAvroNamedTypeThroughReferences(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newSchemaRig(t, c)
		money, orders := kafkatest.Unique("money"), kafkatest.Unique("aorders")+"-value"
		files := map[string]string{
			"schemas/money.yaml":  schemaDoc("money", money, "AVRO", "money.avsc", ""),
			"schemas/money.avsc":  `{"type": "record", "name": "Money", "namespace": "shop", "fields": [{"name": "cents", "type": "long"}, {"name": "currency", "type": "string"}]}`,
			"schemas/orders.yaml": schemaDoc("orders", orders, "AVRO", "orders.avsc", "BACKWARD", "{name: shop.Money, subject: "+money+", version: 1}"),
			"schemas/orders.avsc": `{"type": "record", "name": "Order", "namespace": "shop", "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "shop.Money"}]}`,
		}
		st := r.load(files)
		// The plan lists orders first (by name); apply registers money
		// first, or the registry refuses the reference.
		if p := r.apply(st, DiffOptions{}); len(p.Changes) != 2 {
			t.Fatalf("want two subjects created: %+v", p.Changes)
		}
		got := r.latest(orders)
		if len(got.References) != 1 || got.References[0].Subject != money || got.References[0].Name != "shop.Money" {
			t.Fatalf("registered %+v", got)
		}
		r.assertNoChangesWith(st, r.backends)

		// A compatible change: a new field with a default.
		next := map[string]string{}
		for k, v := range files {
			next[k] = v
		}
		next["schemas/orders.avsc"] = `{"type": "record", "name": "Order", "namespace": "shop", "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "shop.Money"}, {"name": "note", "type": "string", "default": ""}]}`
		st = r.load(next)
		r.apply(st, DiffOptions{})
		if got := r.latest(orders); got.Version != 2 || len(got.References) != 1 {
			t.Fatalf("after a compatible change: %+v", got)
		}
		r.assertNoChangesWith(st, r.backends)

		// A new field of the referenced type without a default breaks
		// BACKWARD: refused, naming it.
		next["schemas/orders.avsc"] = `{"type": "record", "name": "Order", "namespace": "shop", "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "shop.Money"}, {"name": "note", "type": "string", "default": ""}, {"name": "tax", "type": "shop.Money"}]}`
		p, _ := r.plan(r.load(next), DiffOptions{})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "kgitops refuses the new schema") || !strings.Contains(p.Errors[0].Message, "tax (added: shop.Money)") {
			t.Fatalf("incompatible Avro change: errors %v changes %+v", p.Errors, p.Changes)
		}
	})
}
