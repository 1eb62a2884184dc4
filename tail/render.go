package tail

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kgitops/kgitops/payload"
)

// TimeFormat is RFC 3339 with milliseconds, in UTC.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// jsonRecord is one line of -o json.
type jsonRecord struct {
	Partition   int32           `json:"partition"`
	Offset      int64           `json:"offset"`
	Timestamp   string          `json:"timestamp"`
	Key         json.RawMessage `json:"key"`
	KeyFormat   payload.Format  `json:"key_format"`
	KeySchema   *payload.Schema `json:"key_schema,omitempty"`
	Headers     map[string]any  `json:"headers"`
	Value       json.RawMessage `json:"value"`
	ValueFormat payload.Format  `json:"value_format"`
	Schema      *payload.Schema `json:"schema,omitempty"`
	Error       string          `json:"error,omitempty"`
}

// asJSON is a decoded payload as a JSON value: its JSON document when it
// has one, else its text as a JSON string.
func asJSON(d payload.Decoded) json.RawMessage {
	if d.JSON != nil {
		return d.JSON
	}
	b, _ := json.Marshal(d.Text)
	return b
}

// WriteJSON writes r as one JSON object on a line. Headers are an object;
// a key that repeats has an array of its values. Keys and values are their
// JSON when they have one, else strings (text, or hex per key_format and
// value_format).
func WriteJSON(w io.Writer, r Record) error {
	jr := jsonRecord{
		Partition:   r.Partition,
		Offset:      r.Offset,
		Timestamp:   r.Timestamp.UTC().Format(TimeFormat),
		Key:         asJSON(r.Key),
		KeyFormat:   r.Key.Format,
		KeySchema:   r.Key.Schema,
		Headers:     map[string]any{},
		Value:       asJSON(r.Value),
		ValueFormat: r.Value.Format,
		Schema:      r.Value.Schema,
	}
	for _, h := range r.Headers {
		v := h.Value
		if h.Hex {
			v = "hex:" + v
		}
		switch old := jr.Headers[h.Key].(type) {
		case nil:
			jr.Headers[h.Key] = v
		case string:
			jr.Headers[h.Key] = []string{old, v}
		case []string:
			jr.Headers[h.Key] = append(old, v)
		}
	}
	// schema is there only for what was decoded with one.
	if r.Key.Err != nil {
		jr.KeySchema, jr.Error = nil, "key: "+r.Key.Err.Error()
	}
	if r.Value.Err != nil {
		jr.Schema, jr.Error = nil, r.Value.Err.Error()
	}
	b, err := json.Marshal(jr)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes r as a block of lines for people:
//
//	partition 0  offset 42  2026-12-04T10:00:00.000Z
//	  key     user-1
//	  header  trace-id: abc
//	  value   {"name":"ada"}  (avro, schema 7 users-value)
func WriteText(w io.Writer, r Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "partition %d  offset %d  %s\n", r.Partition, r.Offset, r.Timestamp.UTC().Format(TimeFormat))
	fmt.Fprintf(&b, "  key     %s%s\n", textOf(r.Key), describe(r.Key))
	for _, h := range r.Headers {
		v := h.Value
		if h.Hex {
			v += "  (hex)"
		}
		fmt.Fprintf(&b, "  header  %s: %s\n", h.Key, v)
	}
	fmt.Fprintf(&b, "  value   %s%s\n", textOf(r.Value), describe(r.Value))
	_, err := io.WriteString(w, b.String())
	return err
}

// textOf is a payload's text, or (null).
func textOf(d payload.Decoded) string {
	if d.Format == payload.FormatNull {
		return "(null)"
	}
	return d.Text
}

// describe says how a payload was decoded, when that is not obvious.
func describe(d payload.Decoded) string {
	var s string
	switch {
	case d.Schema != nil:
		s = fmt.Sprintf("%s, schema %d", d.Format, d.Schema.ID)
		if d.Schema.Subject != "" {
			s += " " + d.Schema.Subject
		}
		if d.Err != nil {
			s += ": " + d.Err.Error()
		}
	case d.Format == payload.FormatHex:
		s = "hex"
	default:
		return ""
	}
	return "  (" + s + ")"
}
