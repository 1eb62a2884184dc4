package tail

import (
	"testing"

	"github.com/kgitops/kgitops/payload"
)

func TestFilter(t *testing.T) {
	rec := func(key, value string) Record {
		return Record{Key: payload.Plain([]byte(key)), Value: payload.Plain([]byte(value))}
	}
	order := rec("user-1", `{"id":42,"user":{"name":"ada","tags":["a","b"]},"paid":true,"note":null}`)
	tests := []struct {
		name  string
		grep  string
		where []string
		r     Record
		want  bool
	}{
		{name: "no conditions", r: order, want: true},
		{name: "grep key", grep: "^user-", r: order, want: true},
		{name: "grep value", grep: `"ada"`, r: order, want: true},
		{name: "grep misses", grep: "bob", r: order, want: false},
		{name: "where string", where: []string{"user.name=ada"}, r: order, want: true},
		{name: "where number", where: []string{"id=42"}, r: order, want: true},
		{name: "where bool", where: []string{"paid=true"}, r: order, want: true},
		{name: "where null", where: []string{"note=null"}, r: order, want: true},
		{name: "where array index", where: []string{"user.tags.1=b"}, r: order, want: true},
		{name: "where all of them", where: []string{"id=42", "user.name=bob"}, r: order, want: false},
		{name: "where missing field", where: []string{"user.age=3"}, r: order, want: false},
		{name: "where on text", where: []string{"id=42"}, r: rec("", "id=42"), want: false},
		{name: "grep and where", grep: "user-1", where: []string{"id=42"}, r: order, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFilter(tt.grep, tt.where)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(tt.r); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewFilterErrors(t *testing.T) {
	tests := []struct {
		grep  string
		where []string
		want  string
	}{
		{grep: "(", want: "--grep \"(\": error parsing regexp: missing closing ): `(`"},
		{where: []string{"id"}, want: `--where "id": want PATH=VALUE, PATH a dotted path into the JSON value (user.id=42)`},
	}
	for _, tt := range tests {
		if _, err := NewFilter(tt.grep, tt.where); err == nil || err.Error() != tt.want {
			t.Errorf("NewFilter(%q, %q) = %v, want %s", tt.grep, tt.where, err, tt.want)
		}
	}
}
