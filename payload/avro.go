package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/hamba/avro/v2"
)

// avroToJSON decodes Avro binary b with the cached schema into JSON,
// with a record's fields in the schema's order.
func (c *cached) avroToJSON(b []byte) ([]byte, error) {
	var v any
	if err := avro.Unmarshal(c.avro, b, &v); err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	var buf bytes.Buffer
	if err := writeAvroJSON(&buf, c.avro, v); err != nil {
		return json.Marshal(v) // a shape this walk does not know: the fields sorted by name
	}
	return buf.Bytes(), nil
}

// writeAvroJSON writes v, decoded with schema s, as JSON: records with
// their fields in the schema's order, everything else as encoding/json
// writes it.
func writeAvroJSON(buf *bytes.Buffer, s avro.Schema, v any) error {
	switch s := s.(type) {
	case *avro.RefSchema:
		return writeAvroJSON(buf, s.Schema(), v)
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return errors.New("not a record")
		}
		buf.WriteByte('{')
		for i, f := range s.Fields() {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(f.Name())
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeAvroJSON(buf, f.Type(), m[f.Name()]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case *avro.ArraySchema:
		items, ok := v.([]any)
		if !ok {
			return errors.New("not an array")
		}
		buf.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeAvroJSON(buf, s.Items(), it); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case *avro.UnionSchema:
		// A nullable union decodes to the value itself; a union of several
		// named types decodes to {"Name": value}, written as it is.
		if types := s.Types(); v != nil && len(types) == 2 && s.Nullable() {
			for _, t := range types {
				if t.Type() != avro.Null {
					return writeAvroJSON(buf, t, v)
				}
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

// jsonToAvro encodes the JSON document v (decoded with UseNumber) as Avro
// binary. It checks v against the schema first, so that a mismatch names
// the field rather than a Go type.
func (c *cached) jsonToAvro(v any) ([]byte, error) {
	native, err := avroNative(c.avro, v, "")
	if err != nil {
		return nil, err
	}
	b, err := avro.Marshal(c.avro, native)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	return b, nil
}

// FieldError is input that does not match a schema, at one field.
type FieldError struct {
	Field string // dotted path; empty for the whole document
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return fmt.Sprintf("field %q: %s", e.Field, e.Msg)
}

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Field: path, Msg: fmt.Sprintf(format, args...)}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// avroNative converts JSON v to the Go values hamba/avro encodes for s.
func avroNative(s avro.Schema, v any, path string) (any, error) {
	switch s := s.(type) {
	case *avro.RefSchema:
		return avroNative(s.Schema(), v, path)
	case *avro.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fieldErr(path, "want an object (record %s), got %s", s.FullName(), jsonKind(v))
		}
		out := make(map[string]any, len(m))
		known := make(map[string]bool, len(s.Fields()))
		for _, f := range s.Fields() {
			known[f.Name()] = true
			fv, ok := m[f.Name()]
			if !ok {
				if f.HasDefault() {
					continue // hamba writes the default
				}
				return nil, fieldErr(join(path, f.Name()), "missing, and the schema gives no default")
			}
			n, err := avroNative(f.Type(), fv, join(path, f.Name()))
			if err != nil {
				return nil, err
			}
			out[f.Name()] = n
		}
		for k := range m {
			if !known[k] {
				return nil, fieldErr(join(path, k), "not in the schema (record %s)", s.FullName())
			}
		}
		return out, nil
	case *avro.UnionSchema:
		if v == nil {
			if s.Nullable() {
				return nil, nil
			}
			return nil, fieldErr(path, "null is not allowed (union %s)", s.String())
		}
		var first error
		for _, t := range s.Types() {
			if t.Type() == avro.Null {
				continue
			}
			n, err := avroNative(t, v, path)
			if err == nil {
				return n, nil
			}
			if first == nil {
				first = err
			}
		}
		if first == nil {
			first = fieldErr(path, "want null, got %s", jsonKind(v))
		}
		return nil, first
	case *avro.ArraySchema:
		a, ok := v.([]any)
		if !ok {
			return nil, fieldErr(path, "want an array, got %s", jsonKind(v))
		}
		out := make([]any, len(a))
		for i, e := range a {
			n, err := avroNative(s.Items(), e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case *avro.MapSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fieldErr(path, "want an object (map), got %s", jsonKind(v))
		}
		out := make(map[string]any, len(m))
		for k, e := range m {
			n, err := avroNative(s.Values(), e, join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case *avro.EnumSchema:
		str, ok := v.(string)
		if !ok {
			return nil, fieldErr(path, "want a string (enum %s), got %s", s.FullName(), jsonKind(v))
		}
		for _, sym := range s.Symbols() {
			if sym == str {
				return str, nil
			}
		}
		return nil, fieldErr(path, "%q is not one of %v", str, s.Symbols())
	case *avro.FixedSchema:
		str, ok := v.(string)
		if !ok || len(str) != s.Size() {
			return nil, fieldErr(path, "want a string of %d bytes (fixed %s), got %s", s.Size(), s.FullName(), jsonKind(v))
		}
		return []byte(str), nil
	case *avro.PrimitiveSchema:
		return avroPrimitive(s, v, path)
	}
	return nil, fieldErr(path, "unsupported Avro type %s", s.Type())
}

func avroPrimitive(s *avro.PrimitiveSchema, v any, path string) (any, error) {
	if s.Logical() != nil {
		return nil, fieldErr(path, "logical type %s is not supported for JSON input", s.Logical().Type())
	}
	switch s.Type() {
	case avro.Null:
		if v != nil {
			return nil, fieldErr(path, "want null, got %s", jsonKind(v))
		}
		return nil, nil
	case avro.Boolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fieldErr(path, "want true or false, got %s", jsonKind(v))
	case avro.String:
		if str, ok := v.(string); ok {
			return str, nil
		}
		return nil, fieldErr(path, "want a string, got %s", jsonKind(v))
	case avro.Bytes:
		if str, ok := v.(string); ok {
			return []byte(str), nil
		}
		return nil, fieldErr(path, "want a string (bytes), got %s", jsonKind(v))
	case avro.Int, avro.Long:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fieldErr(path, "want an integer (%s), got %s", s.Type(), jsonKind(v))
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || s.Type() == avro.Int && int64(int32(i)) != i {
			return nil, fieldErr(path, "want an integer (%s), got %s", s.Type(), n)
		}
		if s.Type() == avro.Int {
			return int(i), nil
		}
		return i, nil
	case avro.Float, avro.Double:
		n, ok := v.(json.Number)
		if !ok {
			return nil, fieldErr(path, "want a number (%s), got %s", s.Type(), jsonKind(v))
		}
		f, err := n.Float64()
		if err != nil {
			return nil, fieldErr(path, "want a number (%s), got %s", s.Type(), n)
		}
		if s.Type() == avro.Float {
			return float32(f), nil
		}
		return f, nil
	}
	return nil, fieldErr(path, "unsupported Avro type %s", s.Type())
}

// jsonKind names what a JSON value is, for errors.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	case json.Number:
		return "the number " + string(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
