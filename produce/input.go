// Package produce writes records to a topic from lines of input: KEY<TAB>VALUE
// text, or JSON lines with key, value, headers and partition. With a
// registered schema it encodes keys or values in the Confluent wire format,
// and rejects input that does not match, naming its line and field.
//
// It deliberately does not create topics or register schemas.
package produce

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/payload"
)

// Input formats.
const (
	FormatText = "text" // KEY<TAB>VALUE, or VALUE alone for a null key
	FormatJSON = "json" // {"key":..,"value":..,"headers":{..},"partition":N}
)

// Codec turns input lines into records.
type Codec struct {
	Format string           // FormatText (default) or FormatJSON
	Key    *payload.Encoder // nil: the key's bytes as given
	Value  *payload.Encoder // nil: the value's bytes as given
}

// InputError is a line of input that cannot become a record.
type InputError struct {
	Line int
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// jsonLine is one line of FormatJSON.
type jsonLine struct {
	Key     json.RawMessage            `json:"key"`
	Value   json.RawMessage            `json:"value"`
	Headers map[string]json.RawMessage `json:"headers"` // "v", or ["v1", "v2"] for a key that repeats
	// Partition sends the record there.
	Partition *int32 `json:"partition"`

	// What else tail -o json writes, so that its output can be written
	// back: a key or value tail wrote as hex is read as hex; the others
	// are left alone.
	KeyFormat   string          `json:"key_format"`
	ValueFormat string          `json:"value_format"`
	Offset      json.RawMessage `json:"offset"`
	Timestamp   json.RawMessage `json:"timestamp"`
	Schema      json.RawMessage `json:"schema"`
	KeySchema   json.RawMessage `json:"key_schema"`
	Error       json.RawMessage `json:"error"`
}

// Record makes line number n into a record. pinned says the input names
// the partition (r.Partition).
func (c Codec) Record(n int, line []byte) (r *kgo.Record, pinned bool, err error) {
	defer func() {
		if err != nil {
			err = &InputError{Line: n, Err: err}
		}
	}()
	r = new(kgo.Record)
	if c.Format == FormatJSON {
		var jl jsonLine
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		if err := d.Decode(&jl); err != nil {
			return nil, false, fmt.Errorf("want a JSON object with key, value, headers and partition: %v", err)
		}
		if d.More() {
			return nil, false, errors.New("more than one JSON value on the line: write one record a line")
		}
		if r.Key, err = c.field("key", c.Key, jl.Key, jl.KeyFormat); err != nil {
			return nil, false, err
		}
		if r.Value, err = c.field("value", c.Value, jl.Value, jl.ValueFormat); err != nil {
			return nil, false, err
		}
		if r.Headers, err = headers(jl.Headers); err != nil {
			return nil, false, err
		}
		if jl.Partition != nil {
			if *jl.Partition < 0 {
				return nil, false, fmt.Errorf("partition %d: want 0 or more", *jl.Partition)
			}
			r.Partition, pinned = *jl.Partition, true
		}
		return r, pinned, nil
	}
	key, value, hasKey := bytes.Cut(line, []byte{'\t'})
	if !hasKey {
		key, value = nil, line
	}
	if hasKey {
		if r.Key, err = encode("key", c.Key, key); err != nil {
			return nil, false, err
		}
	}
	if r.Value, err = encode("value", c.Value, value); err != nil {
		return nil, false, err
	}
	return r, false, nil
}

// field is a key or value of a JSON line: with an encoder, the JSON itself
// is encoded; without, a string is its text and any other JSON its compact
// text; null or absent is null.
func (c Codec) field(name string, enc *payload.Encoder, raw json.RawMessage, format string) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if format == "hex" { // tail -o json's binary key or value
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, fmt.Errorf("%s: %s_format hex wants a string of hex digits", name, name)
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %s_format hex: %q is not hex", name, name, s)
		}
		return b, nil
	}
	if enc != nil {
		return encode(name, enc, raw)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return b.Bytes(), nil
}

// encode encodes b with enc, or copies it without one.
func encode(name string, enc *payload.Encoder, b []byte) ([]byte, error) {
	if enc == nil {
		return bytes.Clone(b), nil
	}
	out, err := enc.Encode(b)
	if err != nil {
		s := enc.Schema()
		return nil, fmt.Errorf("%s does not match schema %s (id %d): %w", name, s.Subject, s.ID, err)
	}
	return out, nil
}

// headers reads a JSON line's headers as tail -o json writes them: a
// string, or a list of strings for a key that repeats; "hex:" starts a
// value given in hex. Keys are taken in name order, so that a record's
// headers do not change order from one run to the next.
func headers(m map[string]json.RawMessage) ([]kgo.RecordHeader, error) {
	var out []kgo.RecordHeader
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var vs []string
		var one string
		switch {
		case json.Unmarshal(m[k], &one) == nil:
			vs = []string{one}
		case json.Unmarshal(m[k], &vs) == nil:
		default:
			return nil, fmt.Errorf("header %q: want a string or a list of strings", k)
		}
		for _, v := range vs {
			b := []byte(v)
			if h, ok := strings.CutPrefix(v, "hex:"); ok {
				var err error
				if b, err = hex.DecodeString(h); err != nil {
					return nil, fmt.Errorf("header %q: %q is not hex after hex:", k, h)
				}
			}
			out = append(out, kgo.RecordHeader{Key: k, Value: b})
		}
	}
	return out, nil
}
