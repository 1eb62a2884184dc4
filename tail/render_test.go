package tail

import (
	"bytes"
	"testing"
	"time"

	"github.com/kgitops/kgitops/payload"
)

func TestWrite(t *testing.T) {
	r := Record{
		Partition: 1, Offset: 42,
		Timestamp: time.Date(2026, 12, 4, 10, 0, 0, 123e6, time.UTC),
		Key:       payload.Plain([]byte("user-1")),
		Headers:   []Header{{Key: "trace", Value: "abc"}, {Key: "trace", Value: "def"}, {Key: "bin", Value: "00ff", Hex: true}},
		Value:     payload.Plain([]byte{0, 0xff, 1}),
	}
	var text, js bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	wantText := `partition 1  offset 42  2026-12-04T10:00:00.123Z
  key     user-1
  header  trace: abc
  header  trace: def
  header  bin: 00ff  (hex)
  value   00ff01  (hex)
`
	wantJSON := `{"partition":1,"offset":42,"timestamp":"2026-12-04T10:00:00.123Z","key":"user-1","key_format":"text","headers":{"bin":"hex:00ff","trace":["abc","def"]},"value":"00ff01","value_format":"hex"}
`
	if text.String() != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), wantText)
	}
	if js.String() != wantJSON {
		t.Errorf("json:\n%s\nwant:\n%s", js.String(), wantJSON)
	}
}
