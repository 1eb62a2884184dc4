package payload

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestPlain(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		format Format
		text   string
	}{
		{"null", nil, FormatNull, ""},
		{"empty", []byte{}, FormatText, ""},
		{"json object", []byte(` {"a": 1} `), FormatJSON, `{"a":1}`},
		{"json number", []byte(`42`), FormatJSON, `42`},
		{"text", []byte("héllo\tworld"), FormatText, "héllo\tworld"},
		{"control bytes", []byte("a\x01b"), FormatHex, "610162"},
		{"binary", []byte{0xff, 0xfe, 0}, FormatHex, "fffe00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Plain(tt.in)
			if d.Format != tt.format || d.Text != tt.text {
				t.Fatalf("Plain(%q) = %s %q, want %s %q", tt.in, d.Format, d.Text, tt.format, tt.text)
			}
		})
	}
}

// Without a registry, wire-format bytes are only bytes.
func TestDecodeWithoutRegistry(t *testing.T) {
	d := NewDecoder(nil).Decode(context.Background(), []byte{0, 0, 0, 0, 1, 2})
	if d.Format != FormatHex || d.Schema != nil {
		t.Fatalf("decoded %+v", d)
	}
}

func TestParseSubject(t *testing.T) {
	tests := []struct {
		in      string
		subject string
		version int
		err     string
	}{
		{in: "orders-value", subject: "orders-value", version: -1},
		{in: "orders-value:3", subject: "orders-value", version: 3},
		{in: "orders-value:latest", subject: "orders-value", version: -1},
		{in: "ns:orders", subject: "ns:orders", version: -1},
		{in: "orders:0", err: `"orders:0": the version must be 1 or more, or latest`},
		{in: ":3", err: `":3": want SUBJECT[:VERSION]`},
	}
	for _, tt := range tests {
		s, v, err := ParseSubject(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseSubject(%q) error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || s != tt.subject || v != tt.version {
			t.Errorf("ParseSubject(%q) = %q, %d, %v", tt.in, s, v, err)
		}
	}
}

// A registry that does not answer is an error on the payload, not a
// silent fallback to hex.
func TestDecodeRegistryDown(t *testing.T) {
	cl, err := sr.NewClient(sr.URLs("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecoder(NewRegistry(cl)).Decode(context.Background(), []byte{0, 0, 0, 0, 7, 1})
	if d.Format != FormatHex || d.Text != "000000000701" || d.Schema == nil || d.Schema.ID != 7 || d.Err == nil ||
		!strings.Contains(d.Err.Error(), "schema id 7: ") {
		t.Fatalf("decoded %+v", d)
	}
}

// A registry that fails once (a 503) is asked again after retryAfter,
// not remembered as failed for good; ids it does not know are asked about
// at most maxUnknown times in all, so plain data starting with 0 does not
// cost a lookup a record.
func TestRegistryRetriesAndBoundsLookups(t *testing.T) {
	old := retryAfter
	retryAfter = 50 * time.Millisecond
	defer func() { retryAfter = old }()
	var calls atomic.Int32
	var failFirst atomic.Bool
	failFirst.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch {
		case r.URL.Path == "/schemas/ids/7" && failFirst.Swap(false):
			http.Error(w, `{"error_code":50301,"message":"busy"}`, http.StatusServiceUnavailable)
		case r.URL.Path == "/schemas/ids/7":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"schema":"{\"type\":\"object\"}","schemaType":"JSON"}`)
		default:
			http.Error(w, `{"error_code":40403,"message":"not found"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	cl, err := sr.NewClient(sr.URLs(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder(NewRegistry(cl))
	ctx := context.Background()
	wire := func(id int, body string) []byte {
		return append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}, body...)
	}
	if d := dec.Decode(ctx, wire(7, `{"a":1}`)); d.Err == nil {
		t.Fatalf("a busy registry should show as an error: %+v", d)
	}
	time.Sleep(100 * time.Millisecond)
	if d := dec.Decode(ctx, wire(7, `{"a":1}`)); d.Err != nil || d.Format != FormatJSONSchema {
		t.Fatalf("after the registry came back: %+v", d)
	}
	calls.Store(0)
	for id := 1000; id < 1200; id++ {
		dec.Decode(ctx, wire(id, "plain"))
	}
	if n := calls.Load(); n != maxUnknown {
		t.Errorf("%d lookups for 200 unknown ids, want %d", n, maxUnknown)
	}
}
