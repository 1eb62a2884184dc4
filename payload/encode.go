package payload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// Encoder encodes JSON documents with one registered schema into the
// Confluent wire format.
type Encoder struct {
	s *cached
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
		index, b, err := e.s.jsonToProto(js)
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
