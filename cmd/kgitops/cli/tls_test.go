package cli

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/internal/kconn"
)

// These tests run against the real broker's TLS listeners only, with the CA
// internal/testbroker/broker.sh made at its start: they test Apache Kafka's
// TLS, its mTLS principals and SASL_SSL, which kfake does not have (kconn's
// own tests cover the client side on kfake's TLS listener).

// needTLS returns the real broker and its TLS listeners, or skips the test.
func needTLS(t *testing.T) (*kafkatest.Cluster, *kafkatest.TLS) {
	t.Helper()
	tc := kafkatest.RealTLS(t)
	if tc == nil {
		t.Skip("needs the real broker's TLS listeners (internal/testbroker/broker.sh); kfake is not Apache Kafka's TLS")
	}
	return kafkatest.RealBroker(t), tc
}

// tlsSecrets returns what must never show in kgitops' output: the SASL
// password and the body of each private key file.
func tlsSecrets(t *testing.T, c *kafkatest.Cluster, keyFiles ...string) []string {
	t.Helper()
	secrets := []string{c.AdminPassword}
	for _, f := range keyFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line != "" && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line)
			}
		}
	}
	return secrets
}

// assertNoLeak fails the test if out holds any of secrets.
func assertNoLeak(t *testing.T, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the output holds a secret (a password or a private key):\n%s", out)
			return
		}
	}
}

// TestPlanApplyOverTLS runs plan and apply over each kind of TLS listener:
// the second plan on the same repo must be empty.
func TestPlanApplyOverTLS(t *testing.T) {
	c, tc := needTLS(t)
	saslEnv := map[string]string{kconn.EnvPassword: c.AdminPassword}
	tests := []struct {
		name    string
		args    []string
		environ map[string]string
	}{
		{"TLS with --tls-ca-file", []string{"--bootstrap-servers", tc.Bootstrap[0], "--tls-ca-file", tc.CAFile}, nil},
		{"TLS with --tls-server-name", []string{"--bootstrap-servers", tc.Bootstrap[0], "--tls-ca-file", tc.CAFile, "--tls-server-name", kafkatest.TLSServerName}, nil},
		{"mTLS", []string{"--bootstrap-servers", tc.MTLSBootstrap[0], "--tls-ca-file", tc.CAFile,
			"--tls-cert-file", tc.ClientCertFile, "--tls-key-file", tc.ClientKeyFile}, nil},
		{"SASL SCRAM-SHA-512 over TLS", []string{"--bootstrap-servers", tc.SASLBootstrap[0], "--tls-ca-file", tc.CAFile,
			"--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", c.AdminUser}, saslEnv},
		{"SASL SCRAM-SHA-256 over TLS", []string{"--bootstrap-servers", tc.SASLBootstrap[0], "--tls-ca-file", tc.CAFile,
			"--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", c.AdminUser}, saslEnv},
	}
	secrets := tlsSecrets(t, c, tc.ClientKeyFile, tc.NobodyKeyFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := kafkatest.Unique("tls")
			dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 1)})
			inv := kafkatest.Unique("tls")
			args := func(cmd string, extra ...string) []string {
				a := []string{cmd, "--dir", dir, "--inventory-name", inv, "--timeout", "30s", "--log-level", "debug"}
				return append(append(a, tt.args...), extra...)
			}
			var out strings.Builder
			run := func(cmd string, extra ...string) result {
				r := kgitops(t, tt.environ, args(cmd, extra...)...)
				out.WriteString(r.String())
				return r
			}
			if r := run("plan"); r.code != 0 || !strings.Contains(r.stdout, "+ Topic "+name) {
				t.Fatalf("plan:\n%s", r)
			}
			if r := run("apply"); r.code != 0 || !strings.Contains(r.stdout, "✓ Topic "+name+": created") {
				t.Fatalf("apply:\n%s", r)
			}
			if r := run("plan", "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan after apply must be empty:\n%s", r)
			}
			if strings.Contains(out.String(), kconn.InsecureSkipVerifyWarning) {
				t.Errorf("warned about skipping verification, which was not skipped:\n%s", &out)
			}
			assertNoLeak(t, out.String(), secrets)
		})
	}
}

// TestTLSMistakes: each TLS mistake against the real broker ends in the
// error that names it, before anything is read, and without a secret in
// the output.
func TestTLSMistakes(t *testing.T) {
	c, tc := needTLS(t)
	tlsAt, mtlsAt, saslAt := tc.Bootstrap[0], tc.MTLSBootstrap[0], tc.SASLBootstrap[0]
	tests := []struct {
		name    string
		args    []string
		environ map[string]string
		want    string // the stderr line starting with "Error: "
	}{{
		name: "no --tls-ca-file",
		args: []string{"--bootstrap-servers", tlsAt, "--tls"},
		want: "Error: TLS: Kafka at " + tlsAt + " has a certificate signed by an unknown authority: pass --tls-ca-file with the CA certificate that signed it",
	}, {
		// The one way to skip verification is the flag: a variable of
		// the same name, as the other flags have, changes nothing.
		name:    "KGITOPS_TLS_INSECURE_SKIP_VERIFY is not read",
		args:    []string{"--bootstrap-servers", tlsAt, "--tls"},
		environ: map[string]string{"KGITOPS_TLS_INSECURE_SKIP_VERIFY": "true", "KGITOPS_TLS": "true"},
		want:    "Error: TLS: Kafka at " + tlsAt + " has a certificate signed by an unknown authority: pass --tls-ca-file with the CA certificate that signed it",
	}, {
		name: "the client certificate is not a CA",
		args: []string{"--bootstrap-servers", tlsAt, "--tls-ca-file", tc.ClientCertFile},
		want: "Error: TLS: Kafka at " + tlsAt + " has a certificate signed by an unknown authority: pass --tls-ca-file with the CA certificate that signed it",
	}, {
		name: "wrong --tls-server-name",
		args: []string{"--bootstrap-servers", tlsAt, "--tls-ca-file", tc.CAFile, "--tls-server-name", "kafka.example"},
		want: "Error: TLS: the certificate of Kafka at " + tlsAt + " is not valid for the name dialed (x509: certificate is valid for localhost, " +
			kafkatest.TLSServerName + ", not kafka.example): use a broker address the certificate names, or pass --tls-server-name",
	}, {
		name: "mTLS without a client certificate",
		args: []string{"--bootstrap-servers", mtlsAt, "--tls-ca-file", tc.CAFile},
		// Java answers a missing certificate with bad_certificate.
		want: "Error: TLS: Kafka at " + mtlsAt + " refused the handshake (tls: bad certificate): it may require a client certificate: pass --tls-cert-file and --tls-key-file",
	}, {
		// Apache Kafka answers a plaintext request with a TLS alert (a
		// regression test: kgitops called that "cannot talk to Kafka").
		name: "plaintext to the TLS port",
		args: []string{"--bootstrap-servers", tlsAt},
		want: "Error: Kafka at " + tlsAt + " answered in TLS: the listener needs TLS (pass --tls, and --tls-ca-file if its CA is private)",
	}, {
		name:    "SASL over TLS with a wrong password",
		args:    []string{"--bootstrap-servers", saslAt, "--tls-ca-file", tc.CAFile, "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", c.AdminUser},
		environ: map[string]string{kconn.EnvPassword: "wrong-" + testPassword},
		want: `Error: SASL SCRAM-SHA-512 login as "` + c.AdminUser + `" to Kafka at ` + saslAt +
			" failed: check --sasl-username, the password (KGITOPS_SASL_PASSWORD or --sasl-password-file) and --sasl-mechanism: ",
	}}
	secrets := append(tlsSecrets(t, c, tc.ClientKeyFile, tc.NobodyKeyFile), testPassword)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("tls"), 1)})
			r := kgitops(t, tt.environ, append([]string{"plan", "--dir", dir, "--inventory-name", kafkatest.Unique("tls"), "--timeout", "10s"}, tt.args...)...)
			lines := strings.Split(r.stderr, "\n")
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Error: ") })
			if r.code != 1 || i < 0 || !strings.HasPrefix(lines[i], tt.want) {
				t.Fatalf("want exit 1 and\n%s\n%s", tt.want, r)
			}
			if strings.Contains(r.stderr, kconn.InsecureSkipVerifyWarning) {
				t.Errorf("warned about skipping verification, which was not skipped:\n%s", r)
			}
			assertNoLeak(t, r.String(), secrets)
		})
	}
}

// TestTLSInsecureSkipVerifyReal: --tls-insecure-skip-verify connects to the
// real broker without a CA, and says on stderr that it did not verify.
func TestTLSInsecureSkipVerifyReal(t *testing.T) {
	c, tc := needTLS(t)
	name := kafkatest.Unique("tls")
	dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 1)})
	r := kgitops(t, nil, "plan", "--dir", dir, "--inventory-name", kafkatest.Unique("tls"), "--timeout", "30s",
		"--bootstrap-servers", tc.MTLSBootstrap[0], "--tls-insecure-skip-verify", "--tls-cert-file", tc.ClientCertFile, "--tls-key-file", tc.ClientKeyFile)
	if r.code != 0 || !strings.Contains(r.stdout, "+ Topic "+name) {
		t.Fatalf("plan with --tls-insecure-skip-verify:\n%s", r)
	}
	if !strings.Contains(r.stderr, "Warning: "+kconn.InsecureSkipVerifyWarning) {
		t.Errorf("stderr does not warn that certificates are not verified:\n%s", r)
	}
	assertNoLeak(t, r.String(), tlsSecrets(t, c, tc.ClientKeyFile))
}

// TestTLSPrincipalWithoutACLs: a client certificate the broker accepts,
// whose principal is granted nothing, connects (listing brokers needs no
// ACL), and then plan stops at the missing permission in plain words.
func TestTLSPrincipalWithoutACLs(t *testing.T) {
	c, tc := needTLS(t)
	dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("tls"), 1)})
	r := kgitops(t, nil, "plan", "--dir", dir, "--inventory-name", kafkatest.Unique("tls"), "--timeout", "30s",
		"--bootstrap-servers", tc.MTLSBootstrap[0], "--tls-ca-file", tc.CAFile, "--tls-cert-file", tc.NobodyCertFile, "--tls-key-file", tc.NobodyKeyFile)
	const want = "Error: missing permission on a topic: the Kafka user kgitops logs in as needs topic ACLs"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "TOPIC_AUTHORIZATION_FAILED") {
		t.Fatalf("plan as %s: want exit 1 and %q\n%s", kafkatest.TLSNobodyPrincipal, want, r)
	}
	assertNoLeak(t, r.String(), tlsSecrets(t, c, tc.NobodyKeyFile))
}

// TestRunOverTLS: kgitops run applies over mTLS and over SASL_SSL; with
// --tls-insecure-skip-verify, its log says so.
func TestRunOverTLS(t *testing.T) {
	c, tc := needTLS(t)
	tests := []struct {
		name     string
		args     []string
		environ  map[string]string
		insecure bool
	}{
		{"mTLS", []string{"--bootstrap-servers", tc.MTLSBootstrap[0], "--tls-ca-file", tc.CAFile,
			"--tls-cert-file", tc.ClientCertFile, "--tls-key-file", tc.ClientKeyFile}, nil, false},
		{"SASL SCRAM-SHA-512 over TLS", []string{"--bootstrap-servers", tc.SASLBootstrap[0], "--tls-ca-file", tc.CAFile,
			"--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", c.AdminUser}, map[string]string{kconn.EnvPassword: c.AdminPassword}, false},
		{"skip verify", []string{"--bootstrap-servers", tc.Bootstrap[0], "--tls-insecure-skip-verify"}, nil, true},
	}
	secrets := tlsSecrets(t, c, tc.ClientKeyFile)
	adm := c.Admin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := kafkatest.Unique("tls-run")
			dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 1)})
			args := append([]string{"--dir", dir, "--interval", "1h", "--inventory-name", kafkatest.Unique("tls-run"), "--timeout", "30s"}, tt.args...)
			d := startDaemon(t, tt.environ, args...)
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			for {
				topics, err := adm.ListTopics(ctx, name)
				if err == nil && topics.Has(name) {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("kgitops run did not create topic %s within 60s (%v):\n%s", name, err, d.out)
				case <-time.After(200 * time.Millisecond):
				}
			}
			if code := d.stop(); code != 0 {
				t.Errorf("kgitops run exited %d, want 0", code)
			}
			out := d.out.String()
			if got := strings.Contains(out, kconn.InsecureSkipVerifyWarning); got != tt.insecure {
				t.Errorf("the log warns about skipping verification: %v, want %v:\n%s", got, tt.insecure, out)
			}
			assertNoLeak(t, out, secrets)
		})
	}
}
