package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/internal/kconn"
)

func TestGitFlagsWinOverEnvironment(t *testing.T) {
	dir := t.TempDir()
	keyFile := sshKeyFile(t)
	known := writeFile(t, "known_hosts", nil)
	env := map[string]string{
		"KGITOPS_GIT_REPO":      "ssh://git@env.example/repo.git",
		"KGITOPS_GIT_REF":       "env-branch",
		"KGITOPS_GIT_CACHE_DIR": filepath.Join(dir, "env-cache"),
		"KGITOPS_GIT_TIMEOUT":   "5s",
		"KGITOPS_GIT_USERNAME":  "env-user",
		// Both are files that do not exist: Complete would fail reading
		// them unless the flags win.
		"KGITOPS_GIT_SSH_KEY_FILE": filepath.Join(dir, "env-key"),
		"KGITOPS_GIT_KNOWN_HOSTS":  filepath.Join(dir, "env-known-hosts"),
	}
	tests := []struct {
		name string
		args []string
		want gitsync.Options
	}{
		{
			name: "environment only",
			args: []string{"--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: gitsync.Options{URL: "ssh://git@env.example/repo.git", Ref: "env-branch", CacheDir: filepath.Join(dir, "env-cache"),
				Timeout: 5 * time.Second, Username: "env-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
		{
			name: "flags",
			args: []string{"--repo", "ssh://git@flag.example/repo.git", "--ref", "v1.2.3", "--git-cache-dir", filepath.Join(dir, "flag-cache"),
				"--git-timeout", "90s", "--git-username", "flag-user", "--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: gitsync.Options{URL: "ssh://git@flag.example/repo.git", Ref: "v1.2.3", CacheDir: filepath.Join(dir, "flag-cache"),
				Timeout: 90 * time.Second, Username: "flag-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
		{
			name: "flags equal to the defaults still win",
			args: []string{"--ref", "main", "--git-timeout", "60s", "--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: gitsync.Options{URL: "ssh://git@env.example/repo.git", Ref: "main", CacheDir: filepath.Join(dir, "env-cache"),
				Timeout: 60 * time.Second, Username: "env-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o gitsync.Options
			if err := completeWith(t, gitVars(&o), o.Complete, tt.args, env); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			got := gitsync.Options{URL: o.URL, Ref: o.Ref, CacheDir: o.CacheDir, Timeout: o.Timeout, Username: o.Username,
				SSHKeyFile: o.SSHKeyFile, KnownHostsFile: o.KnownHostsFile}
			if got.String() != tt.want.String() || got.CacheDir != tt.want.CacheDir || got.Timeout != tt.want.Timeout ||
				got.Username != tt.want.Username || got.SSHKeyFile != tt.want.SSHKeyFile || got.KnownHostsFile != tt.want.KnownHostsFile {
				t.Fatalf("got  %#v\nwant %#v", gitFields(got), gitFields(tt.want))
			}
		})
	}
}

// gitFields shows the public fields, which Options' String hides.
func gitFields(o gitsync.Options) string {
	return fmt.Sprintf("URL=%s Ref=%s CacheDir=%s Timeout=%v Username=%s SSHKeyFile=%s KnownHostsFile=%s",
		o.URL, o.Ref, o.CacheDir, o.Timeout, o.Username, o.SSHKeyFile, o.KnownHostsFile)
}

func TestInsecureHostKeyHasNoEnvironmentVariable(t *testing.T) {
	keyFile := sshKeyFile(t)
	o := gitsync.Options{URL: "ssh://git@host/repo.git", SSHKeyFile: keyFile, KnownHostsFile: filepath.Join(t.TempDir(), "missing"), CacheDir: t.TempDir()}
	err := completeFrom(gitVars(&o), envOf(map[string]string{"KGITOPS_GIT_INSECURE_IGNORE_HOST_KEY": "true"}), o.Complete)
	if err == nil || !strings.Contains(err.Error(), "known_hosts") || !strings.Contains(err.Error(), "--git-insecure-ignore-host-key") {
		t.Fatalf("Complete with a missing known_hosts file: error = %v, want one naming both fixes", err)
	}
}

func TestGitCompleteRejects(t *testing.T) {
	dir := t.TempDir()
	keyFile := sshKeyFile(t)
	empty := writeFile(t, "empty", []byte("\n"))
	notPEM := writeFile(t, "not.pem", []byte("hello"))
	tests := []struct {
		name   string
		opts   gitsync.Options
		env    map[string]string
		wantIn string
	}{
		{"no repository", gitsync.Options{}, nil, "no git repository given: pass --repo URL or set KGITOPS_GIT_REPO"},
		{"ssh without a key", gitsync.Options{URL: "git@github.com:acme/kafka.git"}, nil, "needs a private key: pass --git-ssh-key-file FILE or set KGITOPS_GIT_SSH_KEY_FILE"},
		{"password for ssh", gitsync.Options{URL: "ssh://git@host/r", SSHKeyFile: keyFile, InsecureIgnoreHostKey: true}, map[string]string{envGitPassword: "s3cret"}, "KGITOPS_GIT_PASSWORD is set but ssh://git@host/r is an SSH URL"},
		{"ssh password in the URL", gitsync.Options{URL: "ssh://git:s3cret@host/r"}, nil, "SSH passwords are not supported"},
		{"password twice", gitsync.Options{URL: "https://git:s3cret@host/r"}, map[string]string{envGitPassword: "other"}, "--repo holds a password and KGITOPS_GIT_PASSWORD is set too"},
		{"password and its file in the environment", gitsync.Options{URL: "https://host/r"}, map[string]string{envGitPassword: "x", "KGITOPS_GIT_PASSWORD_FILE": empty}, "both KGITOPS_GIT_PASSWORD and KGITOPS_GIT_PASSWORD_FILE are set"},
		{"empty password file", gitsync.Options{URL: "https://host/r", PasswordFile: empty}, nil, "is empty"},
		{"missing password file", gitsync.Options{URL: "https://host/r", PasswordFile: filepath.Join(dir, "nope")}, nil, "read --git-password-file"},
		{"two user names", gitsync.Options{URL: "https://alice:pw@host/r", Username: "bob"}, nil, `names user "alice" but --git-username says "bob"`},
		{"bad ref", gitsync.Options{URL: "/r", Ref: "main..dev"}, nil, `--ref: "main..dev" is not a branch, tag or commit SHA`},
		{"negative timeout", gitsync.Options{URL: "/r", Timeout: -time.Second}, nil, "--git-timeout: -1s is negative"},
		{"bad timeout in the environment", gitsync.Options{URL: "/r"}, map[string]string{"KGITOPS_GIT_TIMEOUT": "soon"}, "KGITOPS_GIT_TIMEOUT: want a duration"},
		{"CA file for ssh", gitsync.Options{URL: "ssh://git@host/r", SSHKeyFile: keyFile, CAFile: notPEM}, nil, "--git-ca-file is for https:// URLs, but ssh://git@host/r is a ssh URL"},
		{"key file for https", gitsync.Options{URL: "https://host/r", SSHKeyFile: keyFile}, nil, "--git-ssh-key-file is for ssh:// URLs"},
		{"key file from the environment for a path", gitsync.Options{URL: "/r"}, map[string]string{"KGITOPS_GIT_SSH_KEY_FILE": keyFile}, "KGITOPS_GIT_SSH_KEY_FILE is for ssh:// URLs"},
		{"CA file without a certificate", gitsync.Options{URL: "https://host/r", CAFile: notPEM}, nil, "holds no PEM certificate"},
		{"unreadable key", gitsync.Options{URL: "ssh://git@host/r", SSHKeyFile: notPEM, InsecureIgnoreHostKey: true}, nil, "SSH key " + notPEM},
		{"unsupported scheme", gitsync.Options{URL: "ftp://host/r"}, nil, `unsupported URL scheme "ftp"`},
		{"bad URL", gitsync.Options{URL: "https://git:s3cret@host:port/r"}, nil, "https://host:port/r is not a valid URL"},
		{"file URL with a host", gitsync.Options{URL: "file://server/r"}, nil, "a file URL is file:///ABSOLUTE/PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.CacheDir = filepath.Join(dir, "cache")
			err := completeFrom(gitVars(&o), envOf(tt.env), o.Complete)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("Complete error = %v, want one saying %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("Complete error holds the password: %v", err)
			}
		})
	}
}

// A password file the user passes wins over KGITOPS_GIT_PASSWORD; a file
// from the environment works like one from a flag.
func TestGitPasswordSources(t *testing.T) {
	token := writeFile(t, "token", []byte("tok3n\n"))
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // String of the completed options
	}{
		{name: "password variable", args: []string{"--repo", "https://host/r.git"}, env: map[string]string{envGitPassword: "s3cret"},
			want: "https://host/r.git@main (token as git)"},
		{name: "file flag wins over the variable", args: []string{"--repo", "https://host/r.git", "--git-password-file", token},
			env: map[string]string{envGitPassword: "s3cret"}, want: "https://host/r.git@main (token as git)"},
		{name: "file from the environment", env: map[string]string{"KGITOPS_GIT_REPO": "https://host/r.git", "KGITOPS_GIT_PASSWORD_FILE": token},
			want: "https://host/r.git@main (token as git)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o gitsync.Options
			if err := completeWith(t, gitVars(&o), o.Complete, append(tt.args, "--git-cache-dir", t.TempDir()), tt.env); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if got := o.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
			if o.PasswordFile != "" && !o.Password.IsZero() {
				t.Errorf("both the file %s and the variable's password are kept", o.PasswordFile)
			}
			if s := fmt.Sprintf("%v %+v %#v", o, &o, o); strings.Contains(s, "s3cret") || strings.Contains(s, "tok3n") {
				t.Errorf("printed options hold the password: %s", s)
			}
		})
	}
}

// Every field a user sets has a flag or a variable, so that no error tells
// a user of kgitops to set Options.Something.
func TestEveryOptionHasAFlagOrVariable(t *testing.T) {
	var g gitsync.Options
	var k kconn.Options
	for _, c := range []struct {
		opts  any
		names interface{ Name(string) string }
	}{{g, gitVars(&g)}, {k, kafkaVars(&k)}} {
		typ := reflect.TypeOf(c.opts)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() || f.Name == "Names" {
				continue
			}
			if got := c.names.Name(f.Name); strings.HasPrefix(got, "Options.") {
				t.Errorf("%s.%s has no flag or variable", typ, f.Name)
			}
		}
	}
}

// sshKeyFile writes a new SSH private key without a passphrase and
// returns its file.
func sshKeyFile(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "id_ed25519", pem.EncodeToMemory(block))
}

// writeFile writes data to a file called name in a new folder and returns
// its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
