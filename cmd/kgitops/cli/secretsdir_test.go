package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

const outsidePassword = "outside-pw-6d2a9f"

// secretsLayout is a secrets folder holding billing's password, next to a
// file that no User may reach, and a named pipe inside it.
func secretsLayout(t *testing.T) (secrets, outside string) {
	t.Helper()
	parent := t.TempDir()
	secrets = filepath.Join(parent, "secrets")
	outside = filepath.Join(parent, "outside")
	if err := os.MkdirAll(filepath.Join(secrets, "kafka"), 0o700); err != nil {
		t.Fatal(err)
	}
	for p, content := range map[string]string{outside: outsidePassword + "\n", filepath.Join(secrets, "kafka", "billing"): "billing-pw-1c8e\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../outside", filepath.Join(secrets, "escape")); err != nil {
		t.Fatal(err)
	}
	if mkfifo, err := exec.LookPath("mkfifo"); err == nil {
		if out, err := exec.Command(mkfifo, filepath.Join(secrets, "pipe")).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo: %v: %s", err, out)
		}
	}
	return secrets, outside
}

func userYAML(name, file string) string {
	return "apiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: " + name + "}\nspec:\n" +
		"  scram: {mechanism: SCRAM-SHA-256, iterations: 4096, passwordFrom: {file: \"" + file + "\"}}\n"
}

// plan and apply read a User's passwordFrom file only from under
// --secrets-dir (or KGITOPS_SECRETS_DIR, the flag first), and refuse
// anything else with the User's file:line and what to do, before they
// connect.
func TestSecretsDirFlag(t *testing.T) {
	c := kafkatest.NewFake(t)
	secrets, outside := secretsLayout(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	fix := "put the file under --secrets-dir " + secrets + " and write its path relative to it"
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		args    []string
		wantErr string // the error printed after the User's file:line; "" when plan succeeds
	}{
		{name: "relative to --secrets-dir", file: "kafka/billing", args: []string{"--secrets-dir", secrets}},
		{name: "relative to the variable", file: "kafka/billing", env: map[string]string{envSecretsDir: secrets}},
		{name: "the flag wins over the variable", file: "kafka/billing", env: map[string]string{envSecretsDir: t.TempDir()}, args: []string{"--secrets-dir", secrets}},
		{name: "absolute", file: outside, args: []string{"--secrets-dir", secrets},
			wantErr: "password of user \"billing\": read " + outside + ": an absolute path is not allowed: " + fix},
		{name: "dot dot", file: "../outside", args: []string{"--secrets-dir", secrets},
			wantErr: "password of user \"billing\": read ../outside: the path leaves --secrets-dir " + secrets + ": " + fix},
		{name: "link leading out", file: "escape", args: []string{"--secrets-dir", secrets},
			wantErr: "password of user \"billing\": read escape: a symbolic link on the way leads out of --secrets-dir " + secrets + " or is absolute: " + fix + " (relative links inside the folder are fine)"},
		{name: "named pipe", file: "pipe", args: []string{"--secrets-dir", secrets},
			wantErr: "password of user \"billing\": read pipe: a named pipe, not a regular file: a password file must be a plain file"},
		{name: "no --secrets-dir: the working directory", file: outside,
			wantErr: "password of user \"billing\": read " + outside + ": an absolute path outside the working directory " + wd + " (no --secrets-dir given): " +
				"put the file under a folder, pass that folder as --secrets-dir, and write the file's path relative to it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == "pipe" {
				if _, err := os.Stat(filepath.Join(secrets, "pipe")); err != nil {
					t.Skip("no mkfifo")
				}
			}
			user := "billing"
			if tt.wantErr == "" {
				// Applied: a user of its own, which no other case's inventory claims.
				user = kafkatest.Unique("billing")
			}
			dir := repo(t, map[string]string{"users.yaml": userYAML(user, tt.file)})
			for _, cmd := range []string{"plan", "apply"} {
				start := time.Now()
				r := kgitops(t, tt.env, append(append([]string{cmd, "--dir", dir}, clusterArgs(c, kafkatest.Unique("sd"))...), tt.args...)...)
				if took := time.Since(start); took > 20*time.Second {
					t.Errorf("%s took %s", cmd, took)
				}
				if tt.wantErr == "" {
					if r.code != 0 || !strings.Contains(r.stdout, "User billing") {
						t.Fatalf("%s:\n%s", cmd, r)
					}
					continue
				}
				want := filepath.Join(dir, "users.yaml") + ":2: " + tt.wantErr + "\nError: 1 password(s) could not be read; nothing was applied\n"
				if r.code != 1 || r.stderr != want || r.stdout != "" {
					t.Fatalf("%s: want exit 1 and\n%s\n%s", cmd, want, r)
				}
				if strings.Contains(r.stdout+r.stderr, outsidePassword) {
					t.Errorf("%s printed the file's content:\n%s", cmd, r)
				}
			}
		})
	}

	r := kgitops(t, nil, append([]string{"plan", "--dir", t.TempDir(), "--secrets-dir", filepath.Join(secrets, "nope")}, clusterArgs(c, "x")...)...)
	if want := "Error: --secrets-dir: stat " + filepath.Join(secrets, "nope") + ": no such file or directory\n"; r.code != 1 || r.stderr != want {
		t.Errorf("plan with a --secrets-dir that does not exist:\n%s\nwant exit 1 and %q", r, want)
	}
}

// kgitops run reads passwords through --secrets-dir too: a revision whose
// User names a file outside it is held back, and /status says why.
func TestRunSecretsDir(t *testing.T) {
	c := kafkatest.NewFake(t)
	secrets, _ := secretsLayout(t)
	dir := repo(t, map[string]string{"users.yaml": userYAML("billing", "../outside")})
	d := startDaemon(t, nil, append([]string{"--dir", dir, "--secrets-dir", secrets, "--interval", "1h"}, clusterArgs(c, kafkatest.Unique("sd"))...)...)
	var held struct {
		HeldBack struct{ Error string } `json:"heldBack"`
	}
	for start := time.Now(); held.HeldBack.Error == ""; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("no revision held back after 30s:\n%s", d.out)
		}
		if code, body := d.do(http.MethodGet, "/status", nil); code == http.StatusOK {
			_ = json.Unmarshal([]byte(body), &held)
		}
	}
	if want := "read ../outside: the path leaves --secrets-dir " + secrets; !strings.Contains(held.HeldBack.Error, want) {
		t.Errorf("/status heldBack.error = %q, want it to say %q", held.HeldBack.Error, want)
	}
	if strings.Contains(d.out.String(), outsidePassword) {
		t.Errorf("kgitops run printed the file's content:\n%s", d.out)
	}

	r := kgitops(t, nil, append([]string{"run", "--dir", dir, "--secrets-dir", filepath.Join(secrets, "nope")}, clusterArgs(c, "x")...)...)
	if want := "Error: --secrets-dir: stat " + filepath.Join(secrets, "nope") + ": no such file or directory\n"; r.code != 1 || r.stderr != want {
		t.Errorf("run with a --secrets-dir that does not exist:\n%s\nwant exit 1 and %q", r, want)
	}
}
