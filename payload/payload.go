// Package payload turns the bytes of a Kafka record's key or value into
// something a person can read, and JSON input back into bytes.
//
// Decoding recognises the Confluent wire format (magic byte 0, a 4-byte
// schema id and, for Protobuf, a list of message indexes) and decodes Avro,
// Protobuf and JSON Schema payloads with the schema the registry holds for
// that id. Because plain data may start with a 0 byte too, the id is
// trusted only once the registry knows it. Anything else is shown as JSON
// when it parses, as UTF-8 text when it is valid, and as hex otherwise.
//
// Encoding (Encoder) does the reverse for one registered schema: it checks
// a JSON document against the schema and frames it in the wire format.
//
// It does not register schemas, follow schema references, or implement any
// codec itself: Avro is hamba/avro, Protobuf is protocompile and dynamicpb,
// JSON Schema is santhosh-tekuri/jsonschema.
package payload

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/sr"
)

// Format says how a payload was decoded.
type Format string

// The formats Decode produces.
const (
	FormatNull       Format = "null"        // no bytes at all (a null key or a tombstone)
	FormatAvro       Format = "avro"        // wire format, Avro schema
	FormatProtobuf   Format = "protobuf"    // wire format, Protobuf schema
	FormatJSONSchema Format = "json-schema" // wire format, JSON Schema
	FormatJSON       Format = "json"        // plain JSON
	FormatText       Format = "text"        // UTF-8 text that is not JSON
	FormatHex        Format = "hex"         // anything else
)

// Schema names the registered schema a payload was decoded with.
type Schema struct {
	ID      int    `json:"id"`
	Subject string `json:"subject,omitempty"`
	Type    string `json:"type"` // AVRO, PROTOBUF or JSON
}

// Decoded is a payload made readable.
type Decoded struct {
	Format Format
	// JSON is the payload as a JSON document, for the formats that have
	// one (avro, protobuf, json-schema, json).
	JSON json.RawMessage
	// Text is the payload as text: the JSON, the UTF-8 text or the hex;
	// empty for null.
	Text string
	// Schema is the registered schema used, for wire-format payloads.
	Schema *Schema
	// Err says why a payload in the wire format could not be decoded: the
	// registry did not answer, or the bytes do not fit the schema. It is
	// then shown as hex, with Schema set (at least its ID).
	Err error
}

// Decoder decodes payloads; with a registry it understands the wire format.
// It is safe for concurrent use.
type Decoder struct {
	reg *Registry // nil: no wire-format decoding
}

// NewDecoder returns a Decoder that looks schemas up in reg, which may be
// nil.
func NewDecoder(reg *Registry) *Decoder { return &Decoder{reg: reg} }

// Decode makes b readable. It never fails: what it cannot decode it shows
// as hex.
func (d *Decoder) Decode(ctx context.Context, b []byte) Decoded {
	if b == nil {
		return Decoded{Format: FormatNull, JSON: json.RawMessage("null")}
	}
	if d != nil && d.reg != nil {
		if out, ok := d.decodeWire(ctx, b); ok {
			return out
		}
	}
	return Plain(b)
}

// Plain decodes b without a registry: JSON, UTF-8 text or hex.
func Plain(b []byte) Decoded {
	if b == nil {
		return Decoded{Format: FormatNull, JSON: json.RawMessage("null")}
	}
	t := bytes.TrimSpace(b)
	if len(t) > 0 && json.Valid(t) {
		var c bytes.Buffer
		if json.Compact(&c, t) == nil {
			return Decoded{Format: FormatJSON, JSON: c.Bytes(), Text: c.String()}
		}
	}
	if utf8.Valid(b) && printable(b) {
		return Decoded{Format: FormatText, Text: string(b)}
	}
	return Decoded{Format: FormatHex, Text: hex.EncodeToString(b)}
}

// printable reports whether b has no control characters but tab and newlines.
func printable(b []byte) bool {
	for _, c := range string(b) {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

var header sr.ConfluentHeader

// decodeWire decodes b as the wire format, when its id is a registered
// schema; ok is false when b is not wire format.
func (d *Decoder) decodeWire(ctx context.Context, b []byte) (Decoded, bool) {
	id, rest, err := header.DecodeID(b)
	if err != nil {
		return Decoded{}, false
	}
	s, err := d.reg.byID(ctx, id)
	if err != nil {
		// The registry did not answer (or refused us): say so rather than
		// guess, since the user asked for it.
		return Decoded{Format: FormatHex, Text: hex.EncodeToString(b), Schema: &Schema{ID: id}, Err: err}, true
	}
	if s == nil {
		return Decoded{}, false // unknown id: plain data that starts with 0
	}
	out := Decoded{Schema: &Schema{ID: id, Subject: s.subject, Type: s.schema.Type.String()}}
	var js []byte
	switch s.schema.Type {
	case sr.TypeAvro:
		out.Format = FormatAvro
		js, err = s.avroToJSON(rest)
	case sr.TypeProtobuf:
		out.Format = FormatProtobuf
		js, err = s.protoToJSON(rest)
	case sr.TypeJSON:
		out.Format = FormatJSONSchema
		js, err = jsonSchemaToJSON(rest)
	}
	if err != nil {
		out.Format, out.Err = FormatHex, err
		out.Text = hex.EncodeToString(b)
		return out, true
	}
	out.JSON, out.Text = js, string(js)
	return out, true
}
