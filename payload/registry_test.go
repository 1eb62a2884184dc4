package payload

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

const (
	avroUser = `{"type":"record","name":"User","namespace":"test","fields":[
		{"name":"name","type":"string"},
		{"name":"age","type":"int"},
		{"name":"email","type":["null","string"],"default":null},
		{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}`
	protoOrder = `syntax = "proto3";
package test;
message Order {
  string id = 1;
  int64 cents = 2;
  message Line { string sku = 1; int32 qty = 2; }
  repeated Line lines = 3;
}
message Refund { string order_id = 1; }
`
	jsonPoint = `{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}},"required":["x","y"],"additionalProperties":false}`
)

// testRegistry returns a Registry on the real schema registry, or skips.
func testRegistry(t *testing.T) (*Registry, *sr.Client) {
	t.Helper()
	url := kafkatest.Registry(t)
	if url == "" {
		t.Skipf("needs a schema registry: set %s (internal/testbroker/registry.sh)", kafkatest.EnvSchemaRegistry)
	}
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	return NewRegistry(cl), cl
}

// register creates a Unique subject with schema and deletes it at the end.
func register(t *testing.T, cl *sr.Client, prefix, schema string, typ sr.SchemaType) (string, int) {
	t.Helper()
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

// Encoding JSON with a registered schema and decoding it again gives the
// same document and names the schema, for each schema type.
func TestRoundTrip(t *testing.T) {
	reg, cl := testRegistry(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		schema string
		typ    sr.SchemaType
		in     string
		want   string
		format Format
	}{
		{"avro", avroUser, sr.TypeAvro, `{"name":"ada","age":36,"email":"ada@example.com"}`,
			`{"name":"ada","age":36,"email":"ada@example.com","tags":[]}`, FormatAvro}, // fields in the schema's order
		{"protobuf", protoOrder, sr.TypeProtobuf, `{"id":"o-1","cents":"1250","lines":[{"sku":"s-1","qty":2}]}`,
			`{"id":"o-1","cents":"1250","lines":[{"sku":"s-1","qty":2}]}`, FormatProtobuf},
		{"json schema", jsonPoint, sr.TypeJSON, `{"x": 1, "y": 2}`, `{"x":1,"y":2}`, FormatJSONSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, id := register(t, cl, "payload-"+tt.format.String(), tt.schema, tt.typ)
			enc, err := NewEncoder(ctx, reg, subject, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, err := enc.Encode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != 0 || int(b[1])<<24|int(b[2])<<16|int(b[3])<<8|int(b[4]) != id {
				t.Fatalf("not wire format with id %d: % x", id, b[:5])
			}
			d := NewDecoder(reg).Decode(ctx, b)
			if d.Err != nil || d.Format != tt.format || d.Text != tt.want {
				t.Fatalf("decoded %s %s (err %v), want %s %s", d.Format, d.Text, d.Err, tt.format, tt.want)
			}
			want := Schema{ID: id, Subject: subject, Type: tt.typ.String()}
			if d.Schema == nil || *d.Schema != want {
				t.Fatalf("schema %+v, want %+v", d.Schema, want)
			}
		})
	}
}

func (f Format) String() string { return string(f) }

// The message index after the id picks a message other than the first.
func TestProtobufMessageIndex(t *testing.T) {
	reg, cl := testRegistry(t)
	ctx := context.Background()
	_, id := register(t, cl, "payload-index", protoOrder, sr.TypeProtobuf)
	fd, err := compileProto(protoOrder, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		index []int
		json  string
		want  string
	}{
		{[]int{1}, `{"order_id":"o-9"}`, `{"order_id":"o-9"}`},
		{[]int{0, 0}, `{"sku":"s-2","qty":3}`, `{"sku":"s-2","qty":3}`},
	} {
		md, err := message(fd, tt.index)
		if err != nil {
			t.Fatal(err)
		}
		m := dynamicpb.NewMessage(md)
		if err := protojson.Unmarshal([]byte(tt.json), m); err != nil {
			t.Fatal(err)
		}
		body, _ := proto.Marshal(m)
		b, _ := header.AppendEncode(nil, id, tt.index)
		d := NewDecoder(reg).Decode(ctx, append(b, body...))
		if d.Format != FormatProtobuf || d.Text != tt.want {
			t.Errorf("index %v: %s %s (err %v)", tt.index, d.Format, d.Text, d.Err)
		}
	}
}

// Plain data that happens to start with a 0 byte is not taken for the
// wire format when the registry does not know the "id".
func TestUnknownIDIsPlainData(t *testing.T) {
	reg, _ := testRegistry(t)
	b := []byte{0, 0x7f, 0xff, 0xff, 0xf0, 'h', 'i'}
	d := NewDecoder(reg).Decode(context.Background(), b)
	if d.Schema != nil || d.Format != FormatHex || d.Text != "007ffffff06869" {
		t.Fatalf("decoded %+v", d)
	}
}

// Input that does not match the schema is a FieldError naming the field.
func TestEncodeRejects(t *testing.T) {
	reg, cl := testRegistry(t)
	ctx := context.Background()
	avroSubject, _ := register(t, cl, "payload-bad-avro", avroUser, sr.TypeAvro)
	protoSubject, _ := register(t, cl, "payload-bad-proto", protoOrder, sr.TypeProtobuf)
	jsonSubject, _ := register(t, cl, "payload-bad-json", jsonPoint, sr.TypeJSON)
	tests := []struct {
		name, subject, in, want string
	}{
		{"avro wrong type", avroSubject, `{"name":"ada","age":"old"}`, `field "age": want an integer (int), got "old"`},
		{"avro missing", avroSubject, `{"age":3}`, `field "name": missing, and the schema gives no default`},
		{"avro unknown", avroSubject, `{"name":"ada","age":3,"agee":4}`, `field "agee": not in the schema (record test.User)`},
		{"avro array item", avroSubject, `{"name":"ada","age":3,"tags":["a",2]}`, `field "tags[1]": want a string, got the number 2`},
		{"avro int overflow", avroSubject, `{"name":"ada","age":3000000000}`, `field "age": want an integer (int), got 3000000000`},
		{"json schema", jsonSubject, `{"x":1,"y":"2"}`, `field "y": got string, want integer`},
		{"json schema missing", jsonSubject, `{"x":1}`, `missing property 'y'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := NewEncoder(ctx, reg, tt.subject, -1)
			if err != nil {
				t.Fatal(err)
			}
			_, err = enc.Encode([]byte(tt.in))
			var fe *FieldError
			if !errors.As(err, &fe) || err.Error() != tt.want {
				t.Fatalf("Encode(%s) = %v, want %s", tt.in, err, tt.want)
			}
		})
	}
	t.Run("protobuf", func(t *testing.T) {
		enc, err := NewEncoder(ctx, reg, protoSubject, -1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = enc.Encode([]byte(`{"id":"o-1","cents":"x"}`))
		var fe *FieldError
		if !errors.As(err, &fe) || !contains(err.Error(), "test.Order", "cents") {
			t.Fatalf("Encode = %v", err)
		}
	})
	t.Run("no such subject", func(t *testing.T) {
		_, err := NewEncoder(ctx, reg, "no-such-subject-"+avroSubject, 2)
		if err == nil || err.Error() != "the registry has no schema no-such-subject-"+avroSubject+" version 2" {
			t.Fatalf("NewEncoder = %v", err)
		}
	})
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// UseMessage picks a message other than the first, by full or own name,
// nested ones too; the record carries its index and decodes as that
// message.
func TestEncodeChosenMessage(t *testing.T) {
	reg, cl := testRegistry(t)
	ctx := context.Background()
	subject, _ := register(t, cl, "payload-choose", protoOrder, sr.TypeProtobuf)
	for _, tt := range []struct {
		name, json, want string
		index            []int
	}{
		{"test.Order.Line", `{"sku":"s-2","qty":3}`, `{"sku":"s-2","qty":3}`, []int{0, 0}},
		{"Line", `{"sku":"s-3"}`, `{"sku":"s-3"}`, []int{0, 0}},
	} {
		enc, err := NewEncoder(ctx, reg, subject, -1)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.UseMessage(tt.name); err != nil {
			t.Fatal(err)
		}
		b, err := enc.Encode([]byte(tt.json))
		if err != nil {
			t.Fatal(err)
		}
		d := NewDecoder(reg).Decode(ctx, b)
		if d.Format != FormatProtobuf || d.Text != tt.want {
			t.Errorf("%s: %s %s (err %v)", tt.name, d.Format, d.Text, d.Err)
		}
	}
	enc, _ := NewEncoder(ctx, reg, subject, -1)
	if err := enc.UseMessage("Nope"); err == nil || !strings.Contains(err.Error(), `has no message "Nope"; it has test.Order, test.Order.Line`) {
		t.Errorf("unknown message: %v", err)
	}
}

// A schema that refers to another subject's schema (an Avro named type, a
// Protobuf import, a JSON Schema $ref) encodes and decodes with the
// references resolved from the registry.
func TestRoundTripWithReferences(t *testing.T) {
	reg, cl := testRegistry(t)
	ctx := context.Background()
	tests := []struct {
		name, refName, ref, schema string
		typ                        sr.SchemaType
		in, want                   string
		format                     Format
	}{
		{"avro", "shop.Money",
			`{"type":"record","name":"Money","namespace":"shop","fields":[{"name":"cents","type":"long"},{"name":"currency","type":"string"}]}`,
			`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"total","type":"shop.Money"}]}`,
			sr.TypeAvro, `{"id":"o-1","total":{"cents":1250,"currency":"EUR"}}`, `{"id":"o-1","total":{"cents":1250,"currency":"EUR"}}`, FormatAvro},
		{"protobuf", "shop/money.proto",
			"syntax = \"proto3\";\npackage shop;\nmessage Money { int64 cents = 1; string currency = 2; }\n",
			"syntax = \"proto3\";\npackage shop;\nimport \"shop/money.proto\";\nmessage Order { string id = 1; Money total = 2; }\n",
			sr.TypeProtobuf, `{"id":"o-1","total":{"cents":"1250","currency":"EUR"}}`, `{"id":"o-1","total":{"cents":"1250","currency":"EUR"}}`, FormatProtobuf},
		{"json schema", "money.json",
			`{"type":"object","properties":{"cents":{"type":"integer"}},"required":["cents"]}`,
			`{"type":"object","properties":{"id":{"type":"string"},"total":{"$ref":"money.json"}},"required":["id","total"]}`,
			sr.TypeJSON, `{"id":"o-1","total":{"cents":1250}}`, `{"id":"o-1","total":{"cents":1250}}`, FormatJSONSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refSubject, _ := register(t, cl, "payload-ref-"+tt.format.String(), tt.ref, tt.typ)
			subject := kafkatest.Unique("payload-refs-" + tt.format.String())
			ss, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: tt.schema, Type: tt.typ,
				References: []sr.SchemaReference{{Name: tt.refName, Subject: refSubject, Version: 1}}})
			if err != nil {
				t.Fatalf("register %s: %v", subject, err)
			}
			t.Cleanup(func() {
				_, _ = cl.DeleteSubject(ctx, subject, sr.SoftDelete)
				_, _ = cl.DeleteSubject(ctx, subject, sr.HardDelete)
			})
			enc, err := NewEncoder(ctx, reg, subject, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, err := enc.Encode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			// A fresh Registry, as tail in another process would have.
			d := NewDecoder(NewRegistry(cl)).Decode(ctx, b)
			if d.Err != nil || d.Format != tt.format || d.Text != tt.want || d.Schema == nil || d.Schema.ID != ss.ID {
				t.Fatalf("decoded %s %s (err %v, schema %+v), want %s %s", d.Format, d.Text, d.Err, d.Schema, tt.format, tt.want)
			}
		})
	}
}
