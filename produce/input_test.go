package produce

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestRecord(t *testing.T) {
	tests := []struct {
		name      string
		format    string
		line      string
		key       []byte
		value     []byte
		headers   []kgo.RecordHeader
		partition int32
		pinned    bool
		err       string
	}{
		{name: "key and value", line: "k\tv", key: []byte("k"), value: []byte("v")},
		{name: "value only", line: "v w", value: []byte("v w")},
		{name: "empty key", line: "\tv", key: []byte{}, value: []byte("v")},
		{name: "tab in value", line: "k\tv\tw", key: []byte("k"), value: []byte("v\tw")},
		{name: "json strings", format: FormatJSON, line: `{"key":"k","value":"v"}`, key: []byte("k"), value: []byte("v")},
		{name: "json document value", format: FormatJSON, line: `{"value": {"a": [1, 2]}}`, value: []byte(`{"a":[1,2]}`)},
		{name: "json headers and partition", format: FormatJSON, line: `{"value":"v","headers":{"h":"x"},"partition":2}`,
			value: []byte("v"), headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}, partition: 2, pinned: true},
		{name: "json tombstone", format: FormatJSON, line: `{"key":"k","value":null}`, key: []byte("k")},
		{name: "json unknown field", format: FormatJSON, line: `{"val":"v"}`,
			err: `line 7: want a JSON object with key, value, headers and partition: json: unknown field "val"`},
		{name: "json negative partition", format: FormatJSON, line: `{"partition":-1}`, err: "line 7: partition -1: want 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, pinned, err := Codec{Format: tt.format}.Record(7, []byte(tt.line))
			if tt.err != "" {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Line != 7 || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Key) != string(tt.key) || (r.Key == nil) != (tt.key == nil) || string(r.Value) != string(tt.value) ||
				(r.Value == nil) != (tt.value == nil) || r.Partition != tt.partition || pinned != tt.pinned || len(r.Headers) != len(tt.headers) {
				t.Fatalf("record %+v pinned %v", r, pinned)
			}
			for i, h := range tt.headers {
				if r.Headers[i].Key != h.Key || string(r.Headers[i].Value) != string(h.Value) {
					t.Fatalf("header %d: %+v", i, r.Headers[i])
				}
			}
		})
	}
}
