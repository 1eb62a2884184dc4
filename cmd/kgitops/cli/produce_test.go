package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

const (
	testAvroUser = `{"type":"record","name":"User","namespace":"test","fields":[
		{"name":"name","type":"string"},{"name":"age","type":"int"}]}`
	testProtoOrder = `syntax = "proto3";
package test;
message Order { string id = 1; int64 cents = 2; }
`
)

// registerSubject registers schema under a Unique subject on the test
// registry, deleted at the end, and returns the subject and id.
func registerSubject(t *testing.T, url, prefix, schema string, typ sr.SchemaType) (string, int) {
	t.Helper()
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subject := kafkatest.Unique(prefix)
	ss, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: schema, Type: typ})
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = cl.DeleteSubject(ctx, subject, sr.SoftDelete)
		_, _ = cl.DeleteSubject(ctx, subject, sr.HardDelete)
	})
	return subject, ss.ID
}

// produce --value-schema writes Avro and Protobuf values in the wire
// format that tail decodes, naming the schema; input that does not match
// is refused with its line number and field.
func TestProduceTailSchemas(t *testing.T) {
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		avroSubject, avroID := registerSubject(t, url, "users-value", testAvroUser, sr.TypeAvro)
		protoSubject, protoID := registerSubject(t, url, "orders-value", testProtoOrder, sr.TypeProtobuf)
		topic := tailTopic(t, c, "schemas", 1)
		env := map[string]string{"KGITOPS_SCHEMA_REGISTRY_URL": url}
		conn := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s"}

		in := inputFile(t, "u1\t{\"name\":\"ada\",\"age\":36}\nu2\t{\"name\":\"bob\",\"age\":41}\n")
		if r := kgitopsPayload(t, env, append([]string{"produce", topic, "--input", in, "--value-schema", avroSubject}, conn...)...); r.code != 0 {
			t.Fatalf("produce avro:\n%s", r)
		}
		in = inputFile(t, `{"key":"o1","value":{"id":"o-1","cents":"1250"},"headers":{"source":"test"}}`+"\n")
		if r := kgitopsPayload(t, env, append([]string{"produce", topic, "--format", "json", "--input", in, "--value-schema", protoSubject + ":1"}, conn...)...); r.code != 0 {
			t.Fatalf("produce protobuf:\n%s", r)
		}
		// Line 2 does not match: line 1 is written, line 3 is not.
		in = inputFile(t, "u3\t{\"name\":\"cy\",\"age\":7}\nu4\t{\"name\":\"di\",\"age\":\"old\"}\nu5\t{\"name\":\"ed\",\"age\":9}\n")
		r := kgitopsPayload(t, env, append([]string{"produce", topic, "--input", in, "--value-schema", avroSubject}, conn...)...)
		wantErr := fmt.Sprintf("Error: line 2: value does not match schema %s (id %d): field \"age\": want an integer (int), got \"old\"\n", avroSubject, avroID)
		if r.code != 1 || r.stderr != wantErr || r.stdout != "line 1: partition 0 offset 3\n" {
			t.Fatalf("produce bad avro: want exit 1, %q and line 1 written:\n%s", wantErr, r)
		}

		got := tailJSON(t, kgitopsPayload(t, env, append([]string{"tail", topic, "-o", "json"}, conn...)...))
		if len(got) != 4 {
			t.Fatalf("tail: %d records, want 4: %+v", len(got), got)
		}
		want := []struct {
			key, value string
			id         int
			subject    string
			typ        string
		}{
			{`"u1"`, `{"name":"ada","age":36}`, avroID, avroSubject, "AVRO"},
			{`"u2"`, `{"name":"bob","age":41}`, avroID, avroSubject, "AVRO"},
			{`"o1"`, `{"id":"o-1","cents":"1250"}`, protoID, protoSubject, "PROTOBUF"},
			{`"u3"`, `{"name":"cy","age":7}`, avroID, avroSubject, "AVRO"},
		}
		for i, w := range want {
			l := got[i]
			if string(l.Key) != w.key || string(l.Value) != w.value || l.Schema["id"] != float64(w.id) || l.Schema["subject"] != w.subject || l.Schema["type"] != w.typ {
				t.Errorf("record %d: got key %s value %s schema %v; want %s %s %d %s %s", i, l.Key, l.Value, l.Schema, w.key, w.value, w.id, w.subject, w.typ)
			}
		}
		if got[2].Headers["source"] != "test" {
			t.Errorf("protobuf record headers: %v", got[2].Headers)
		}

		// Without the registry, the same values are wire-format bytes.
		got = tailJSON(t, kgitopsPayload(t, nil, append([]string{"tail", topic, "-o", "json", "--limit", "1"}, conn...)...))
		if len(got) != 1 || got[0].ValueFormat != "hex" || got[0].Schema != nil || !strings.HasPrefix(string(got[0].Value), fmt.Sprintf(`"00%08x`, avroID)) {
			t.Errorf("tail without a registry: %+v", got)
		}

		// --where works on decoded Avro.
		if got := tailJSON(t, kgitopsPayload(t, env, append([]string{"tail", topic, "-o", "json", "--where", "name=bob"}, conn...)...)); len(got) != 1 || string(got[0].Key) != `"u2"` {
			t.Errorf("--where name=bob: %+v", got)
		}
		r = kgitopsPayload(t, env, append([]string{"tail", topic, "--limit", "1"}, conn...)...)
		if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("  value   {\"name\":\"ada\",\"age\":36}  (avro, schema %d %s)\n", avroID, avroSubject)) {
			t.Errorf("tail text with a schema:\n%s", r)
		}
	})
}
