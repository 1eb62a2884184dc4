package reconcile

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const pw = "hunter2-secret"
	s := NewSecret(pw)
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "secret", s, "struct", struct{ P Secret }{s})
	js, _ := json.Marshal(map[string]any{"p": s})
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s),
		fmt.Sprintf("%+v", struct{ P Secret }{s}), fmt.Sprintf("%#v", UserChange{Upsert: &ScramUpsert{Password: s}}),
		string(js), logged.String(),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("password printed: %s", out)
		}
	}
	if s.Reveal() != pw {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

func TestCredentialHash(t *testing.T) {
	h, err := hashCredential("SCRAM-SHA-512", 8192, NewSecret("pw"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "pw") && !strings.HasPrefix(h, "pbkdf2") {
		t.Fatalf("hash shows the password: %s", h)
	}
	tests := []struct {
		mech string
		iter int32
		pw   string
		want bool
	}{
		{"SCRAM-SHA-512", 8192, "pw", true},
		{"SCRAM-SHA-512", 8192, "pw2", false},
		{"SCRAM-SHA-256", 8192, "pw", false},
		{"SCRAM-SHA-512", 4096, "pw", false},
	}
	for _, tt := range tests {
		if got := credentialMatches(h, tt.mech, tt.iter, NewSecret(tt.pw)); got != tt.want {
			t.Errorf("credentialMatches(%s, %d, %s) = %v, want %v", tt.mech, tt.iter, tt.pw, got, tt.want)
		}
	}
	for _, bad := range []string{"", "pbkdf2-sha512$x$y$z", "md5$1$a$b", "pbkdf2-sha512$99999999$AA$AA"} {
		if credentialMatches(bad, "SCRAM-SHA-512", 8192, NewSecret("pw")) {
			t.Errorf("unreadable hash %q matched", bad)
		}
	}
	h2, _ := hashCredential("SCRAM-SHA-512", 8192, NewSecret("pw"))
	if h == h2 {
		t.Error("two hashes of one credential are equal: no salt")
	}
}

// A credential is compared with its hash once per process: the answer
// is remembered, under a key that is neither the password nor a fast hash
// of it alone, and is right for a changed password too.
func TestCredentialMatchesIsRemembered(t *testing.T) {
	pw, other := NewSecret("remembered-pw-1"), NewSecret("remembered-pw-2")
	h, err := hashCredential("SCRAM-SHA-512", 8192, pw)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !credentialMatches(h, "SCRAM-SHA-512", 8192, pw) || credentialMatches(h, "SCRAM-SHA-512", 8192, other) {
			t.Fatal("wrong answer")
		}
	}
	for _, tc := range []struct {
		pw   Secret
		want bool
	}{{pw, true}, {other, false}} {
		ok, known := matches.get(matchKey(h, credentialText("SCRAM-SHA-512", 8192, tc.pw)))
		if !known || ok != tc.want {
			t.Errorf("remembered %v (known %v), want %v", ok, known, tc.want)
		}
	}
}

// A SCRAM credential's hash takes the credential's own rounds (at least
// Kafka's minimum, at most its maximum), so it is as costly to guess as
// the broker's own storage of it; other secrets take the maximum. A hash
// made before, at 16,384 rounds, still matches.
func TestCredentialHashRounds(t *testing.T) {
	for _, tc := range []struct {
		iter int32
		want string
	}{{4096, "$4096$"}, {8192, "$8192$"}, {100, "$4096$"}, {20000, "$16384$"}, {0, "$16384$"}} {
		h, err := hashCredential("SCRAM-SHA-512", tc.iter, NewSecret("pw"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(h, tc.want) {
			t.Errorf("hash of a credential of %d iterations = %s, want %s rounds", tc.iter, h, tc.want)
		}
	}
	old, err := encodeHash(16384, []byte("0123456789abcdef"), credentialText("SCRAM-SHA-512", 4096, NewSecret("old-pw")))
	if err != nil {
		t.Fatal(err)
	}
	if !credentialMatches(old, "SCRAM-SHA-512", 4096, NewSecret("old-pw")) || credentialMatches(old, "SCRAM-SHA-512", 4096, NewSecret("pw")) {
		t.Error("a hash of 16,384 rounds made before no longer compares right")
	}
}

// checkCredentials answers every question at once and remembers each
// answer, right or wrong, for the plan's own calls.
func TestCheckCredentialsRemembers(t *testing.T) {
	var checks []credentialCheck
	for i := range 6 {
		pw := NewSecret(fmt.Sprintf("check-pw-%d", i))
		h, err := hashCredential("SCRAM-SHA-256", 4096, pw)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			pw = NewSecret("changed") // the repo's password is no longer the applied one
		}
		checks = append(checks, credentialCheck{hash: h, mechanism: "SCRAM-SHA-256", iterations: 4096, password: pw})
	}
	checkCredentials(checks)
	for i, c := range checks {
		ok, known := matches.get(matchKey(c.hash, credentialText(c.mechanism, c.iterations, c.password)))
		if !known || ok != (i%2 == 0) {
			t.Errorf("check %d: remembered %v, answer %v; want remembered, %v", i, known, ok, i%2 == 0)
		}
	}
}
