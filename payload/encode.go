package payload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Encoder encodes JSON documents with one registered schema into the
// Confluent wire format.
type Encoder struct {
	s     *cached
	index []int // the Protobuf message, as a wire-format index list; nil: the first
}

// UseMessage makes a Protobuf encoder encode the message name (its full
// name, such as shop.Order.Line, or its own name when that is unique in
// the schema) instead of the schema's first message.
func (e *Encoder) UseMessage(name string) error {
	if e.s.schema.Type != sr.TypeProtobuf {
		return fmt.Errorf("schema %s (id %d) is %s: only a Protobuf schema has messages to choose from", e.s.subject, e.s.id, e.s.schema.Type)
	}
	var found [][]int
	var names []string
	var walk func(msgs protoreflect.MessageDescriptors, path []int)
	walk = func(msgs protoreflect.MessageDescriptors, path []int) {
		for i := range msgs.Len() {
			md := msgs.Get(i)
			p := append(slices.Clone(path), i)
			names = append(names, string(md.FullName()))
			if string(md.FullName()) == name || string(md.Name()) == name {
				found = append(found, p)
			}
			walk(md.Messages(), p)
		}
	}
	walk(e.s.proto.Messages(), nil)
	switch len(found) {
	case 0:
		return fmt.Errorf("schema %s (id %d) has no message %q; it has %s", e.s.subject, e.s.id, name, strings.Join(names, ", "))
	case 1:
		e.index = found[0]
		return nil
	}
	return fmt.Errorf("schema %s (id %d) has several messages named %q: give the full name", e.s.subject, e.s.id, name)
}

// NewEncoder looks up subject at version (-1: the latest) in reg.
func NewEncoder(ctx context.Context, reg *Registry, subject string, version int) (*Encoder, error) {
	s, err := reg.bySubject(ctx, subject, version)
	if err != nil {
		return nil, err
	}
	return &Encoder{s: s}, nil
}

// Schema names the schema e encodes with.
func (e *Encoder) Schema() Schema {
	return Schema{ID: e.s.id, Subject: e.s.subject, Type: e.s.schema.Type.String()}
}

// Encode checks the JSON document js against the schema and returns it in
// the wire format. Input that does not match is a *FieldError.
func (e *Encoder) Encode(js []byte) ([]byte, error) {
	out, _ := header.AppendEncode(nil, e.s.id, nil)
	switch e.s.schema.Type {
	case sr.TypeAvro:
		d := json.NewDecoder(bytes.NewReader(js))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, &FieldError{Msg: fmt.Sprintf("not JSON: %v", err)}
		}
		b, err := e.s.jsonToAvro(v)
		if err != nil {
			return nil, err
		}
		return append(out, b...), nil
	case sr.TypeProtobuf:
		index, b, err := e.s.jsonToProto(js, e.index)
		if err != nil {
			return nil, err
		}
		out, _ = header.AppendEncode(nil, e.s.id, index)
		return append(out, b...), nil
	case sr.TypeJSON:
		if err := e.s.validateJSON(js); err != nil {
			return nil, err
		}
		var c bytes.Buffer
		if err := json.Compact(&c, js); err != nil {
			return nil, &FieldError{Msg: fmt.Sprintf("not JSON: %v", err)}
		}
		return append(out, c.Bytes()...), nil
	}
	return nil, fmt.Errorf("schema id %d: unknown type %v", e.s.id, e.s.schema.Type)
}
