package cli

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// fakeRegistry answers the two lookups tail makes for schema id 1 (an
// Avro string) over TLS, and only to user "reader" with password pw. The
// real registry of the tests has no auth or TLS; this checks the flags'
// plumbing.
func fakeRegistry(t *testing.T, pw string) (url, caFile string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "reader" || p != pw {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error_code":40101,"message":"unauthorized"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/schemas/ids/1":
			_ = json.NewEncoder(w).Encode(map[string]string{"schema": `"string"`})
		case "/schemas/ids/1/versions":
			_, _ = w.Write([]byte(`[{"subject":"greetings-value","version":1}]`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":40403,"message":"not found"}`))
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate case logs a handshake error
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

// The registry's basic auth password comes from the variable or a file,
// TLS trusts --schema-registry-ca-file, and the password is never printed.
func TestRegistryAuthAndTLS(t *testing.T) {
	const pw = "s3cret-registry-pw"
	url, ca := fakeRegistry(t, pw)
	c := kafkatest.NewFake(t)
	topic := tailTopic(t, c, "registry-auth", 1)
	// Avro string "hi" in the wire format with schema id 1.
	cl := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte{0, 0, 0, 0, 1, 4, 'h', 'i'}}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"tail", topic, "-o", "json", "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--schema-registry", url, "--schema-registry-ca-file", ca}
	decoded := `"value":"hi","value_format":"avro","schema":{"id":1,"subject":"greetings-value","type":"AVRO"}`
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"password from the variable", map[string]string{"KGITOPS_SCHEMA_REGISTRY_PASSWORD": pw}, []string{"--schema-registry-user", "reader"}, decoded},
		{"password from a file", nil, []string{"--schema-registry-user", "reader", "--schema-registry-password-file", pwFile}, decoded},
		{"user from the variable", map[string]string{"KGITOPS_SCHEMA_REGISTRY_USER": "reader", "KGITOPS_SCHEMA_REGISTRY_PASSWORD": pw}, nil, decoded},
		{"wrong password", map[string]string{"KGITOPS_SCHEMA_REGISTRY_PASSWORD": "wrong-pw-9c1e7a"}, []string{"--schema-registry-user", "reader"},
			`"value":"0000000001046869","value_format":"hex","error":"schema id 1: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := kgitopsPayload(t, tt.env, append(base, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) || strings.Contains(r.String(), pw) ||
				(tt.env["KGITOPS_SCHEMA_REGISTRY_PASSWORD"] != "" && strings.Contains(r.String(), tt.env["KGITOPS_SCHEMA_REGISTRY_PASSWORD"])) {
				t.Fatalf("want %s, and no password:\n%s", tt.want, r)
			}
		})
	}
	t.Run("untrusted certificate", func(t *testing.T) {
		r := kgitopsPayload(t, map[string]string{"KGITOPS_SCHEMA_REGISTRY_PASSWORD": pw}, "tail", topic, "-o", "json",
			"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--schema-registry", url, "--schema-registry-user", "reader")
		if r.code != 0 || !strings.Contains(r.stdout, `"error":"schema id 1: `) || !strings.Contains(r.stdout, "certificate") {
			t.Fatalf("without the CA file:\n%s", r)
		}
	})
	t.Run("user without password", func(t *testing.T) {
		r := kgitopsPayload(t, nil, append(base, "--schema-registry-user", "reader")...)
		if r.code != 1 || !strings.Contains(r.stderr, `--schema-registry-user "reader" needs a password: set KGITOPS_SCHEMA_REGISTRY_PASSWORD or --schema-registry-password-file`) {
			t.Fatalf("user without password:\n%s", r)
		}
	})
}

// plan reaches the registry with the same auth and TLS settings, and its
// errors (a wrong password, credentials written into the URL) never show
// the password.
func TestPlanRegistryAuthNeverShowsThePassword(t *testing.T) {
	const pw = "s3cret-plan-registry-pw"
	url, ca := fakeRegistry(t, pw)
	c := kafkatest.NewFake(t)
	dir := repo(t, map[string]string{"s.yaml": schemaYAML("greetings-value", "greetings-value", "g.avsc", ""), "g.avsc": `"string"`})
	args := func(extra ...string) []string {
		return append(append([]string{"plan", "--dir", dir, "--schema-registry-ca-file", ca, "--schema-registry-user", "reader"}, clusterArgs(c, kafkatest.Unique("cli"))...), extra...)
	}
	r := kgitops(t, map[string]string{"KGITOPS_SCHEMA_REGISTRY_PASSWORD": pw}, args("--schema-registry", url)...)
	if r.code != 0 || !strings.Contains(r.stdout, "+ Schema greetings-value") || strings.Contains(r.String(), pw) {
		t.Fatalf("plan with the password:\n%s", r)
	}
	const wrong = "wrong-plan-pw-5d2b"
	r = kgitops(t, map[string]string{"KGITOPS_SCHEMA_REGISTRY_PASSWORD": wrong}, args("--schema-registry", url)...)
	if r.code != 1 || !strings.Contains(r.stderr, "unauthorized") || strings.Contains(r.String(), wrong) {
		t.Fatalf("plan with a wrong password:\n%s", r)
	}
	inURL := strings.Replace(url, "https://", "https://reader:"+pw+"@", 1)
	r = kgitops(t, nil, args("--schema-registry", inURL)...)
	if r.code != 1 || !strings.Contains(r.stderr, "--schema-registry: put no credentials in the URL") || strings.Contains(r.String(), pw) {
		t.Fatalf("plan with the password in the URL:\n%s", r)
	}
}
