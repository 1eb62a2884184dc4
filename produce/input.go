// Package produce writes records to a topic from lines of input: KEY<TAB>VALUE
// text, or JSON lines with key, value, headers and partition. With a
// registered schema it encodes keys or values in the Confluent wire format,
// and rejects input that does not match, naming its line and field.
//
// It deliberately does not create topics or register schemas.
package produce

import (
	"bytes"
	"encoding/json"
	"fmt"

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
	Key       json.RawMessage   `json:"key"`
	Value     json.RawMessage   `json:"value"`
	Headers   map[string]string `json:"headers"`
	Partition *int32            `json:"partition"`
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
		if r.Key, err = c.field("key", c.Key, jl.Key); err != nil {
			return nil, false, err
		}
		if r.Value, err = c.field("value", c.Value, jl.Value); err != nil {
			return nil, false, err
		}
		for k, v := range jl.Headers {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
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
func (c Codec) field(name string, enc *payload.Encoder, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
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
