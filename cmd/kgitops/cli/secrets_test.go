package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestPasswordNeverPrinted runs every command that connects, with debug
// logs, a right and a wrong password, from env and from a file, and greps
// all output for the password.
func TestPasswordNeverPrinted(t *testing.T) {
	const password = "pw-7c1b9e-NEVER-PRINT"
	type target struct {
		name      string
		bootstrap string
		user      string
		mechanism string
	}
	var targets []target
	fake := kafkatest.NewFake(t, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "admin", password))
	targets = append(targets, target{"kfake", strings.Join(fake.Bootstrap, ","), "admin", "SCRAM-SHA-256"})
	if rb := kafkatest.RealBroker(t); rb != nil && len(rb.SASLBootstrap) > 0 {
		// The real broker's SASL listener, as its SCRAM super user.
		targets = append(targets, target{"kafka", strings.Join(rb.SASLBootstrap, ","), rb.AdminUser, "SCRAM-SHA-512"})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			secret := password
			if tg.name == "kafka" {
				secret = kafkatest.RealBroker(t).AdminPassword
			}
			dir := repo(t, map[string]string{"a.yaml": topicYAML(kafkatest.Unique("secret"), 1)})
			pwFile := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(pwFile, []byte(secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			wrongFile := filepath.Join(t.TempDir(), "wrong")
			if err := os.WriteFile(wrongFile, []byte(secret+"-wrong\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			base := []string{"--dir", dir, "--bootstrap-servers", tg.bootstrap, "--sasl-mechanism", tg.mechanism,
				"--sasl-username", tg.user, "--timeout", "10s", "--log-level", "debug", "--inventory-name", kafkatest.Unique("s")}
			runs := []struct {
				name     string
				env      map[string]string
				extra    []string
				wantCode int
			}{
				{"env password", map[string]string{"KGITOPS_SASL_PASSWORD": secret}, nil, 0},
				{"file password", nil, []string{"--sasl-password-file", pwFile}, 0},
				{"wrong env password", map[string]string{"KGITOPS_SASL_PASSWORD": secret + "-wrong"}, nil, 1},
				{"wrong file password", nil, []string{"--sasl-password-file", wrongFile}, 1},
			}
			for _, run := range runs {
				for _, cmd := range []string{"plan", "apply"} {
					r := kgitops(t, run.env, append(append([]string{cmd}, base...), run.extra...)...)
					if r.code != run.wantCode {
						t.Errorf("%s %s: exit %d, want %d\n%s", cmd, run.name, r.code, run.wantCode, r)
					}
					if strings.Contains(r.stdout+r.stderr, secret) {
						t.Errorf("%s %s printed the password:\n%s", cmd, run.name, r)
					}
				}
			}
		})
	}
}
