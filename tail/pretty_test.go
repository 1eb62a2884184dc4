package tail

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/payload"
)

// On a terminal, a JSON value is indented and colored; scalars stay on
// their line, and stripping the colors gives the same JSON back.
func TestWritePretty(t *testing.T) {
	r := Record{Partition: 1, Offset: 7, Timestamp: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		Key:   payload.Decoded{Format: payload.FormatText, Text: "k-1"},
		Value: payload.Decoded{Format: payload.FormatJSON, Text: `{"name":"a\"da","age":36,"ok":true,"tags":["x",null]}`, JSON: []byte(`{"name":"a\"da","age":36,"ok":true,"tags":["x",null]}`)}}
	var b bytes.Buffer
	if err := WritePretty(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{colorKey + `"name"` + colorReset, colorString + `"a\"da"` + colorReset, colorNumber + "36" + colorReset,
		colorWord + "true" + colorReset, colorWord + "null" + colorReset, "  key     k-1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("pretty output lacks %q:\n%s", want, out)
		}
	}
	plain := out
	for _, c := range []string{colorKey, colorString, colorNumber, colorWord, colorReset} {
		plain = strings.ReplaceAll(plain, c, "")
	}
	if !strings.Contains(plain, "  value   {\n            \"name\": \"a\\\"da\",\n            \"age\": 36,") {
		t.Errorf("not indented under its label:\n%s", plain)
	}
}
