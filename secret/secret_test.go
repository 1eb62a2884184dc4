package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNeverPrints(t *testing.T) {
	const pw = "hunter2-secret"
	s := New(pw)
	type exported struct{ P Value }
	type unexported struct{ p Value } // fmt skips the methods of unexported fields
	var text, js strings.Builder
	for _, h := range []slog.Handler{slog.NewTextHandler(&text, nil), slog.NewJSONHandler(&js, nil)} {
		slog.New(h).Info("x", "secret", s, "struct", exported{s}, "ptr", &s)
	}
	marshalled, _ := json.Marshal(map[string]any{"p": s, "struct": exported{s}})
	mtext, _ := s.MarshalText()
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", s, s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", exported{s}, exported{s}, exported{s}),
		fmt.Sprintf("%v %+v %#v", unexported{s}, unexported{s}, unexported{s}),
		fmt.Sprintf("%v %+v %#v", &s, []Value{s}, map[string]Value{"k": s}),
		string(marshalled), string(mtext), text.String(), js.String(),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if got := fmt.Sprint(s); got != "[redacted]" {
		t.Errorf("Sprint = %q, want [redacted]", got)
	}
	if s.Reveal() != pw {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

func TestIsZero(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want bool
	}{
		{"zero value", Value{}, true},
		{"empty", New(""), true},
		{"set", New("x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.IsZero(); got != tt.want {
				t.Errorf("IsZero = %v, want %v", got, tt.want)
			}
			if tt.want && tt.v.Reveal() != "" {
				t.Errorf("Reveal = %q, want empty", tt.v.Reveal())
			}
		})
	}
}
