package spec

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestQuotaEntityString(t *testing.T) {
	tests := []struct {
		e    QuotaEntity
		want string
	}{
		{QuotaEntity{User: ptr("billing")}, "user=billing"},
		{QuotaEntity{User: ptr("billing"), ClientID: ptr("")}, "user=billing,client-id=<default>"},
		{QuotaEntity{User: ptr(""), ClientID: ptr("app")}, "user=<default>,client-id=app"},
		{QuotaEntity{ClientID: ptr("")}, "client-id=<default>"},
		{QuotaEntity{IP: ptr("10.0.0.1")}, "ip=10.0.0.1"},
		{QuotaEntity{IP: ptr("")}, "ip=<default>"},
		{QuotaEntity{}, ""},
		// Names that Kafka allows and the bare form could not tell apart
		// are quoted; others, spaces and all, are left as they are.
		{QuotaEntity{User: ptr("bob,client-id=x")}, `user="bob,client-id=x"`},
		{QuotaEntity{User: ptr("bob"), ClientID: ptr("x")}, "user=bob,client-id=x"},
		{QuotaEntity{User: ptr("CN=bob,O=corp")}, `user="CN=bob,O=corp"`},
		{QuotaEntity{User: ptr("<default>")}, `user="<default>"`},
		{QuotaEntity{User: ptr(`a"b\c`)}, `user="a\"b\\c"`},
		{QuotaEntity{User: ptr("line\nbreak")}, `user="line\nbreak"`},
		{QuotaEntity{User: ptr(" bob")}, `user=" bob"`},
		{QuotaEntity{User: ptr("bob smith"), ClientID: ptr("app-1.x_y")}, "user=bob smith,client-id=app-1.x_y"},
		{QuotaEntity{User: ptr("José")}, "user=José"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if back, err := parseEntity(tt.e.String()); err != nil || !cmp.Equal(back, tt.e) {
			t.Errorf("parseEntity(%q) = %v, %v; want %v", tt.e.String(), back, err, tt.e)
		}
	}
}

// FuzzQuotaEntityString pins that String never writes two entities the
// same: it reads back as the entity it was written from.
func FuzzQuotaEntityString(f *testing.F) {
	f.Add("bob,client-id=x", "", "", uint8(1))
	f.Add("bob", "x", "", uint8(3))
	f.Add("<default>", "", "", uint8(3))
	f.Add(`"`, `\`, "10.0.0.1", uint8(7))
	f.Fuzz(func(t *testing.T, user, client, ip string, which uint8) {
		var e QuotaEntity
		if which&1 != 0 {
			e.User = &user
		}
		if which&2 != 0 {
			e.ClientID = &client
		}
		if which&4 != 0 {
			e.IP = &ip
		}
		back, err := parseEntity(e.String())
		if err != nil || !cmp.Equal(back, e) {
			t.Fatalf("%q reads back as %v, %v; want %v", e.String(), back, err, e)
		}
	})
}

// parseEntity reads what QuotaEntity.String writes.
func parseEntity(s string) (QuotaEntity, error) {
	var e QuotaEntity
	for i := 0; s != ""; i++ {
		if i > 0 {
			var ok bool
			if s, ok = strings.CutPrefix(s, ","); !ok {
				return e, fmt.Errorf("no ',' before %q", s)
			}
		}
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			return e, fmt.Errorf("no '=' in %q", s)
		}
		var name string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return e, err
			}
			name, _ = strconv.Unquote(q)
			s = rest[len(q):]
		} else {
			name, s = rest, ""
			if i := strings.IndexByte(rest, ','); i >= 0 {
				name, s = rest[:i], rest[i:]
			}
			if name == DefaultEntity {
				name = ""
			}
		}
		switch key {
		case "user":
			e.User = &name
		case "client-id":
			e.ClientID = &name
		case "ip":
			e.IP = &name
		default:
			return e, fmt.Errorf("unknown key %q", key)
		}
	}
	return e, nil
}

// TestQuotaEntityNamesWithSeparators pins the bug where user:
// "bob,client-id=x" was the two-part entity user=bob,client-id=x: the two
// are different quotas, and a name declared twice is named quoted.
func TestQuotaEntityNamesWithSeparators(t *testing.T) {
	quota := func(name, entity string) string {
		return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Quota\nmetadata: {name: %s}\nspec:\n  %s\n  values: {producer_byte_rate: 1024}\n", name, entity)
	}
	st, err := LoadFS(fstest.MapFS{"q.yaml": {Data: []byte(quota("one", `user: "bob,client-id=x"`) + "---\n" + quota("two", "user: bob\n  clientId: x"))}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range st.Quotas {
		got = append(got, q.Entity.String())
	}
	if d := cmp.Diff([]string{`user="bob,client-id=x"`, "user=bob,client-id=x"}, got); d != "" {
		t.Errorf("entities (-want +got):\n%s", d)
	}

	_, err = LoadFS(fstest.MapFS{"q.yaml": {Data: []byte(quota("one", `user: "CN=bob,O=corp"`) + "---\n" + quota("two", `user: "CN=bob,O=corp"`))}})
	want := `q.yaml:9: user="CN=bob,O=corp" has a quota already: Quota "one" at q.yaml:2 (merge their values into one Quota)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
