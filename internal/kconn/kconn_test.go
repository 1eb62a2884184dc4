package kconn

import (
	"testing"

	"github.com/kgitops/kgitops/secret"
)

func TestConnectNeedsComplete(t *testing.T) {
	o := Options{Bootstrap: []string{"a:1"}}
	if _, _, err := o.Connect(t.Context(), nil); err == nil {
		t.Fatal("Connect before Complete succeeded")
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"plaintext", Options{Bootstrap: []string{"127.0.0.1:9092"}}, "127.0.0.1:9092 (plaintext)"},
		{"SASL and TLS", Options{Bootstrap: []string{"a:1", "b:2"}, SASLMechanism: "SCRAM-SHA-512", SASLUsername: "alice", TLS: true}, "a:1,b:2 (SASL SCRAM-SHA-512 as alice, TLS)"},
		{"TLS implied by a CA", Options{Bootstrap: []string{"a:1"}, TLSCAFile: "ca.pem"}, "a:1 (TLS)"},
		{"no verification", Options{Bootstrap: []string{"a:1"}, TLSInsecureSkipVerify: true}, "a:1 (TLS without certificate verification)"},
		{"empty", Options{}, "(no bootstrap servers) (plaintext)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Without Names, Complete's errors name the Go fields to set. Package cli
// tests the errors as kgitops' flags and variables name them.
func TestCompleteWithoutNames(t *testing.T) {
	scram := Options{Bootstrap: []string{"a:1"}, SASLMechanism: MechanismSCRAMSHA512, SASLUsername: "alice"}
	withPassword := scram
	withPassword.SASLPassword, withPassword.SASLPasswordFile = secret.New(testPassword), "password.txt"
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no bootstrap", Options{}, "no Kafka cluster given: set Options.Bootstrap"},
		{"no port", Options{Bootstrap: []string{"kafka"}}, `Options.Bootstrap: "kafka" is not HOST:PORT (such as kafka-1:9092)`},
		{"user without mechanism", Options{Bootstrap: []string{"a:1"}, SASLUsername: "alice"}, "Options.SASLUsername given without a SASL mechanism: set Options.SASLMechanism"},
		{"no password", scram, "SASL SCRAM-SHA-512 needs a password: set Options.SASLPassword or set Options.SASLPasswordFile"},
		{"password twice", withPassword, "both Options.SASLPassword and Options.SASLPasswordFile are set: set only one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if err := o.Complete(); err == nil || err.Error() != tt.want {
				t.Errorf("Complete error = %v, want %q", err, tt.want)
			}
		})
	}
}

// Without a mechanism the password is not used; with one, Password gives it.
func TestCompletePassword(t *testing.T) {
	o := Options{Bootstrap: []string{"a:1"}, SASLPassword: secret.New(testPassword)}
	if err := o.Complete(); err != nil || !o.Password().IsZero() {
		t.Fatalf("no SASL: Complete = %v, password set = %v", err, !o.Password().IsZero())
	}
	o.SASLMechanism, o.SASLUsername = "plain", "alice"
	if err := o.Complete(); err != nil || o.Password().Reveal() != testPassword {
		t.Fatalf("PLAIN: Complete = %v, password %q", err, o.Password().Reveal())
	}
}
