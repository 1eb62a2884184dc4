package cli

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/internal/kconn"
)

// Every command that takes --tls-insecure-skip-verify warns on stderr when
// it is given, before any work; kgitops run warns in its log instead (see
// TestRunOverTLS and kconn's TestInsecureSkipVerifyWarns).
func TestInsecureSkipVerifyWarnsEveryCommand(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stderr: &stderr, getenv: envOf(nil)}
	var walk func(*cobra.Command)
	var names []string
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if cmd.Flags().Lookup("tls-insecure-skip-verify") == nil {
			return
		}
		names = append(names, cmd.CommandPath())
		for _, on := range []bool{false, true} {
			stderr.Reset()
			args := []string{}
			if on {
				args = append(args, "--tls-insecure-skip-verify")
			}
			if err := cmd.ParseFlags(args); err != nil {
				t.Fatal(err)
			}
			warnUnsafe(cmd, e)
			want := on && cmd.Name() != "run"
			if got := strings.Contains(stderr.String(), "Warning: "+kconn.InsecureSkipVerifyWarning); got != want {
				t.Errorf("%s %s: warned %v, want %v: %q", cmd.CommandPath(), strings.Join(args, " "), got, want, stderr.String())
			}
		}
	}
	walk(newRoot(e))
	for _, want := range []string{"kgitops plan", "kgitops apply", "kgitops run", "kgitops doctor", "kgitops tail"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("%s has no --tls-insecure-skip-verify; commands with it: %v", want, names)
		}
	}
}

// The warning shows even when the command then fails to connect. The
// variable KGITOPS_TLS_INSECURE_SKIP_VERIFY is not read: no warning here,
// and TestTLSMistakes shows that the real broker's certificate is still
// verified.
func TestInsecureSkipVerifyWarnsBeforeConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := kgitops(t, nil, "doctor", "--bootstrap-servers", addr, "--timeout", "1s", "--tls-insecure-skip-verify")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Warning: "+kconn.InsecureSkipVerifyWarning+".\n") {
		t.Errorf("doctor --tls-insecure-skip-verify must warn first, then fail:\n%s", r)
	}
	r = kgitops(t, map[string]string{"KGITOPS_TLS_INSECURE_SKIP_VERIFY": "true"}, "doctor", "--bootstrap-servers", addr, "--timeout", "1s", "--tls")
	if strings.Contains(r.stderr, kconn.InsecureSkipVerifyWarning) {
		t.Errorf("KGITOPS_TLS_INSECURE_SKIP_VERIFY must not turn verification off:\n%s", r)
	}
}
