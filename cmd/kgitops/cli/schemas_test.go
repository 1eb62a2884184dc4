package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func schemaYAML(name, subject, file, level string) string {
	s := "apiVersion: kgitops.io/v1alpha1\nkind: Schema\nmetadata:\n  name: " + name + "\nspec:\n  subject: " + subject + "\n  type: AVRO\n  schemaFile: " + file + "\n"
	if level != "" {
		s += "  compatibility: " + level + "\n"
	}
	return s
}

const (
	cliAvroV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"cents","type":"long","default":0}]}`
	cliAvroV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"cents","type":"long","default":0},{"name":"note","type":"string","default":"none"}]}`
)

// A repo with Schema documents and no registry is refused, never planned
// without them.
func TestPlanWithSchemasNeedsARegistry(t *testing.T) {
	dir := repo(t, map[string]string{"s.yaml": schemaYAML("orders-value", "orders-value", "o.avsc", ""), "o.avsc": cliAvroV1})
	r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s")
	want := "the repo declares 1 Schema document(s) but no schema registry is configured: give --schema-registry URL or set KGITOPS_SCHEMA_REGISTRY_URL"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("plan without a registry:\n%s", r)
	}
}

// A topic and its value schema are applied together; the markdown plan
// of a change shows the field added with its default; tail decodes what
// produce wrote with the repo's schema.
func TestSchemasPlanApplyAndTail(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("cli")
		topic := kafkatest.Unique("orders")
		subject := topic + "-value"
		files := map[string]string{
			"topics/orders.yaml":  topicYAML(topic, 1) + "  schemas:\n    value: orders-value\n",
			"schemas/orders.yaml": schemaYAML("orders-value", subject, "orders.avsc", "BACKWARD"),
			"schemas/orders.avsc": cliAvroV1,
		}
		dir := repo(t, files)
		t.Cleanup(func() {
			cl, err := sr.NewClient(sr.URLs(url))
			if err != nil {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = cl.DeleteSubject(ctx, subject, sr.SoftDelete)
			_, _ = cl.DeleteSubject(ctx, subject, sr.HardDelete)
		})
		args := func(cmd string, extra ...string) []string {
			return append(append([]string{cmd, "--dir", dir, "--schema-registry", url}, clusterArgs(c, inv)...), extra...)
		}
		if r := kgitops(t, nil, args("apply")...); r.code != 0 || !strings.Contains(r.stdout, "Schema "+subject) {
			t.Fatalf("apply:\n%s", r)
		}
		if r := kgitops(t, nil, args("plan", "--detailed-exitcode")...); r.code != 0 {
			t.Fatalf("plan after apply must be empty:\n%s", r)
		}

		dir2 := repo(t, map[string]string{
			"topics/orders.yaml":  files["topics/orders.yaml"],
			"schemas/orders.yaml": files["schemas/orders.yaml"],
			"schemas/orders.avsc": cliAvroV2,
		})
		r := kgitops(t, map[string]string{"KGITOPS_SCHEMA_REGISTRY_URL": url}, append([]string{"plan", "--dir", dir2, "-o", "markdown"}, clusterArgs(c, inv)...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "fields.note") || !strings.Contains(r.stdout, `string (default \"none\")`) && !strings.Contains(r.stdout, `string (default "none")`) {
			t.Fatalf("markdown plan of a schema change:\n%s", r)
		}

		// produce with the repo's schema, by subject; tail decodes it.
		env := map[string]string{"KGITOPS_SCHEMA_REGISTRY_URL": url}
		conn := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s"}
		in := inputFile(t, "k1\t{\"id\":\"o-1\",\"cents\":1250}\n")
		if r := kgitopsPayload(t, env, append([]string{"produce", topic, "--input", in, "--value-schema", subject}, conn...)...); r.code != 0 {
			t.Fatalf("produce:\n%s", r)
		}
		got := tailJSON(t, kgitopsPayload(t, env, append([]string{"tail", topic, "-o", "json"}, conn...)...))
		if len(got) != 1 || string(got[0].Value) != `{"id":"o-1","cents":1250}` || got[0].ValueFormat != "avro" {
			t.Fatalf("tail: %+v", got)
		}
	})
}

// kgitops diff between git refs shows a schema change offline, field by field.
func TestDiffBetweenRefsShowsSchemaChange(t *testing.T) {
	w := newWorkTree(t)
	w.commit("base", map[string]string{
		"orders.yaml": schemaYAML("orders-value", "orders-value", "orders.avsc", "BACKWARD"),
		"orders.avsc": cliAvroV1,
	})
	w.git("branch", "base")
	w.commit("change", map[string]string{"orders.avsc": cliAvroV2})
	r := kgitops(t, nil, "diff", "--dir", w.dir+"/kafka", "--base", "base")
	for _, want := range []string{"~ Schema orders-value", "fields.note", `string (default "none")`} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Fatalf("diff lacks %q:\n%s", want, r)
		}
	}
}

// export --schema-registry writes each subject's schema and a Schema
// document pointing at it; planning them gives no change.
func TestExportSchemasRoundTrip(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		subject := kafkatest.Unique("exported") + "-value"
		cl, err := sr.NewClient(sr.URLs(url))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		t.Cleanup(func() {
			_, _ = cl.DeleteSubject(context.Background(), subject, sr.SoftDelete)
			_, _ = cl.DeleteSubject(context.Background(), subject, sr.HardDelete)
		})
		if _, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: cliAvroV1, Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		inv := kafkatest.Unique("cli")
		out := t.TempDir()
		if r := kgitops(t, nil, append([]string{"export", "--out", out, "--schema-registry", url}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("export:\n%s", r)
		}
		doc, err := os.ReadFile(filepath.Join(out, "schemas", subject+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		schema, err := os.ReadFile(filepath.Join(out, "schemas", subject+".avsc"))
		if err != nil {
			t.Fatal(err)
		}
		// --filter keeps the subjects whose names match, as it does topics.
		for filter, want := range map[string]bool{"^" + regexp.QuoteMeta(subject) + "$": true, "^no-such-team\\.": false} {
			out := t.TempDir()
			if r := kgitops(t, nil, append([]string{"export", "--out", out, "--schema-registry", url, "--filter", filter}, clusterArgs(c, inv)...)...); r.code != 0 {
				t.Fatalf("export --filter %s:\n%s", filter, r)
			}
			if _, err := os.Stat(filepath.Join(out, "schemas", subject+".avsc")); (err == nil) != want {
				t.Errorf("export --filter %s: subject exported %v, want %v", filter, err == nil, want)
			}
		}
		dir := repo(t, map[string]string{"schemas/" + subject + ".yaml": string(doc), "schemas/" + subject + ".avsc": string(schema)})
		if r := kgitops(t, nil, append([]string{"plan", "--dir", dir, "--schema-registry", url, "--detailed-exitcode"}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("plan of the export:\n%s\n%s", doc, r)
		}
	})
}

// A saved plan with a Schema change is applied with the registry given
// again (it is a connection setting, not saved); a version registered by
// hand after the plan was saved makes apply refuse it.
func TestSavedPlanWithSchemas(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		subject := kafkatest.Unique("saved-orders") + "-value"
		reg, err := sr.NewClient(sr.URLs(url))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, _ = reg.DeleteSubject(ctx, subject, sr.SoftDelete)
			_, _ = reg.DeleteSubject(ctx, subject, sr.HardDelete)
		})
		s := newSaved(t, c, map[string]string{"s.yaml": schemaYAML("orders", subject, "o.avsc", "BACKWARD"), "o.avsc": cliAvroV1})
		env := map[string]string{"KGITOPS_SCHEMA_REGISTRY_URL": url}
		s.save(env)
		if r := s.applySaved(nil); r.code != 1 || !strings.Contains(r.stderr, "no schema registry is configured") {
			t.Fatalf("apply PLANFILE without the registry:\n%s", r)
		}
		if r := s.applySaved(env); r.code != 0 || !strings.Contains(r.stdout, "✓ Schema "+subject+": created") {
			t.Fatalf("apply PLANFILE:\n%s", r)
		}

		if err := os.WriteFile(filepath.Join(s.dir, "o.avsc"), []byte(cliAvroV2), 0o644); err != nil {
			t.Fatal(err)
		}
		s.save(env)
		const byHand = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"cents","type":"long","default":0},{"name":"x","type":"int","default":1}]}`
		if _, err := reg.CreateSchema(ctx, subject, sr.Schema{Schema: byHand, Type: sr.TypeAvro}); err != nil {
			t.Fatal(err)
		}
		if r := s.applySaved(env); r.code != 1 || !strings.Contains(r.stderr, "Schema "+subject+": the update differs") {
			t.Fatalf("apply PLANFILE after a version was registered by hand:\n%s", r)
		}
		if ss, err := reg.SchemaByVersion(ctx, subject, -1); err != nil || ss.Version != 2 {
			t.Fatalf("the refused plan changed the registry: %+v (%v)", ss, err)
		}
	})
}
