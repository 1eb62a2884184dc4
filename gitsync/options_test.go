package gitsync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFlagsWinOverEnvironment(t *testing.T) {
	dir := t.TempDir()
	keyFile, _ := sshKeyPair(t, "")
	known := filepath.Join(dir, "known_hosts")
	write(t, known, nil)
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
		want Options
	}{
		{
			name: "environment only",
			args: []string{"--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: Options{URL: "ssh://git@env.example/repo.git", Ref: "env-branch", CacheDir: filepath.Join(dir, "env-cache"),
				Timeout: 5 * time.Second, Username: "env-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
		{
			name: "flags",
			args: []string{"--repo", "ssh://git@flag.example/repo.git", "--ref", "v1.2.3", "--git-cache-dir", filepath.Join(dir, "flag-cache"),
				"--git-timeout", "90s", "--git-username", "flag-user", "--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: Options{URL: "ssh://git@flag.example/repo.git", Ref: "v1.2.3", CacheDir: filepath.Join(dir, "flag-cache"),
				Timeout: 90 * time.Second, Username: "flag-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
		{
			name: "flags equal to the defaults still win",
			args: []string{"--ref", "main", "--git-timeout", "60s", "--git-ssh-key-file", keyFile, "--git-known-hosts", known},
			want: Options{URL: "ssh://git@env.example/repo.git", Ref: "main", CacheDir: filepath.Join(dir, "env-cache"),
				Timeout: 60 * time.Second, Username: "env-user", SSHKeyFile: keyFile, KnownHostsFile: known},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o Options
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if err := o.Complete(envOf(env)); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			got := Options{URL: o.URL, Ref: o.Ref, CacheDir: o.CacheDir, Timeout: o.Timeout, Username: o.Username,
				SSHKeyFile: o.SSHKeyFile, KnownHostsFile: o.KnownHostsFile}
			if got.String() != tt.want.String() || got.CacheDir != tt.want.CacheDir || got.Timeout != tt.want.Timeout ||
				got.Username != tt.want.Username || got.SSHKeyFile != tt.want.SSHKeyFile || got.KnownHostsFile != tt.want.KnownHostsFile {
				t.Fatalf("got  %#v\nwant %#v", fields(got), fields(tt.want))
			}
		})
	}
}

// fields shows the public fields, which Options' String hides.
func fields(o Options) string {
	return fmt.Sprintf("URL=%s Ref=%s CacheDir=%s Timeout=%v Username=%s SSHKeyFile=%s KnownHostsFile=%s",
		o.URL, o.Ref, o.CacheDir, o.Timeout, o.Username, o.SSHKeyFile, o.KnownHostsFile)
}

func TestInsecureHostKeyHasNoEnvironmentVariable(t *testing.T) {
	keyFile, _ := sshKeyPair(t, "")
	o := Options{URL: "ssh://git@host/repo.git", SSHKeyFile: keyFile, KnownHostsFile: filepath.Join(t.TempDir(), "missing"), CacheDir: t.TempDir()}
	err := o.Complete(envOf(map[string]string{"KGITOPS_GIT_INSECURE_IGNORE_HOST_KEY": "true"}))
	if err == nil || !strings.Contains(err.Error(), "known_hosts") || !strings.Contains(err.Error(), "--git-insecure-ignore-host-key") {
		t.Fatalf("Complete with a missing known_hosts file: error = %v, want one naming both fixes", err)
	}
}

func TestCompleteRejects(t *testing.T) {
	dir := t.TempDir()
	keyFile, _ := sshKeyPair(t, "")
	empty := filepath.Join(dir, "empty")
	write(t, empty, []byte("\n"))
	notPEM := filepath.Join(dir, "not.pem")
	write(t, notPEM, []byte("hello"))
	tests := []struct {
		name   string
		opts   Options
		env    map[string]string
		wantIn string
	}{
		{"no repository", Options{}, nil, "no git repository given: pass --repo URL or set KGITOPS_GIT_REPO"},
		{"ssh without a key", Options{URL: "git@github.com:acme/kafka.git"}, nil, "needs a private key: pass --git-ssh-key-file FILE or set KGITOPS_GIT_SSH_KEY_FILE"},
		{"password for ssh", Options{URL: "ssh://git@host/r", SSHKeyFile: keyFile, InsecureIgnoreHostKey: true}, map[string]string{EnvPassword: "s3cret"}, "KGITOPS_GIT_PASSWORD is set but ssh://git@host/r is an SSH URL"},
		{"ssh password in the URL", Options{URL: "ssh://git:s3cret@host/r"}, nil, "SSH passwords are not supported"},
		{"password twice", Options{URL: "https://git:s3cret@host/r"}, map[string]string{EnvPassword: "other"}, "--repo holds a password and KGITOPS_GIT_PASSWORD is set too"},
		{"password and its file in the environment", Options{URL: "https://host/r"}, map[string]string{EnvPassword: "x", "KGITOPS_GIT_PASSWORD_FILE": empty}, "both KGITOPS_GIT_PASSWORD and KGITOPS_GIT_PASSWORD_FILE are set"},
		{"empty password file", Options{URL: "https://host/r", PasswordFile: empty}, nil, "is empty"},
		{"missing password file", Options{URL: "https://host/r", PasswordFile: filepath.Join(dir, "nope")}, nil, "read --git-password-file"},
		{"two user names", Options{URL: "https://alice:pw@host/r", Username: "bob"}, nil, `names user "alice" but --git-username says "bob"`},
		{"bad ref", Options{URL: "/r", Ref: "main..dev"}, nil, `--ref: "main..dev" is not a branch, tag or commit SHA`},
		{"negative timeout", Options{URL: "/r", Timeout: -time.Second}, nil, "--git-timeout: -1s is negative"},
		{"bad timeout in the environment", Options{URL: "/r"}, map[string]string{"KGITOPS_GIT_TIMEOUT": "soon"}, "KGITOPS_GIT_TIMEOUT: want a duration"},
		{"CA file for ssh", Options{URL: "ssh://git@host/r", SSHKeyFile: keyFile, CAFile: notPEM}, nil, "--git-ca-file is for https:// URLs, but ssh://git@host/r is a ssh URL"},
		{"key file for https", Options{URL: "https://host/r", SSHKeyFile: keyFile}, nil, "--git-ssh-key-file is for ssh:// URLs"},
		{"key file from the environment for a path", Options{URL: "/r"}, map[string]string{"KGITOPS_GIT_SSH_KEY_FILE": keyFile}, "KGITOPS_GIT_SSH_KEY_FILE is for ssh:// URLs"},
		{"CA file without a certificate", Options{URL: "https://host/r", CAFile: notPEM}, nil, "holds no PEM certificate"},
		{"unreadable key", Options{URL: "ssh://git@host/r", SSHKeyFile: notPEM, InsecureIgnoreHostKey: true}, nil, "SSH key " + notPEM},
		{"unsupported scheme", Options{URL: "ftp://host/r"}, nil, `unsupported URL scheme "ftp"`},
		{"bad URL", Options{URL: "https://git:s3cret@host:port/r"}, nil, "https://host:port/r is not a valid URL"},
		{"file URL with a host", Options{URL: "file://server/r"}, nil, "a file URL is file:///ABSOLUTE/PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.CacheDir = filepath.Join(dir, "cache")
			err := o.Complete(envOf(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("Complete error = %v, want one saying %q", err, tt.wantIn)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("Complete error holds the password: %v", err)
			}
		})
	}
}

func TestCompleteMovesCredentialsOutOfTheURL(t *testing.T) {
	tests := []struct {
		url, wantURL, wantUser, wantPass string
	}{
		{"https://alice:s3cret@host/r.git", "https://host/r.git", "alice", "s3cret"},
		{"https://tok3n@host/r.git", "https://host/r.git", "git", "tok3n"},
		{"https://host/r.git", "https://host/r.git", "git", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			o := completed(t, Options{URL: tt.url}, noEnv)
			if err := o.Complete(noEnv); err != nil { // again, as a caller may
				t.Fatalf("second Complete: %v", err)
			}
			pass, err := o.readPassword()
			if err != nil || o.URL != tt.wantURL || o.Username != tt.wantUser || pass != tt.wantPass {
				t.Fatalf("Complete: URL %q user %q password %q (%v); want %q, %q, %q", o.URL, o.Username, pass, err, tt.wantURL, tt.wantUser, tt.wantPass)
			}
			if s := fmt.Sprintf("%v %+v %s", o, &o, o.String()); strings.Contains(s, "s3cret") || strings.Contains(s, "tok3n") {
				t.Fatalf("printed Options hold the password: %s", s)
			}
		})
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	base, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	b := Options{URL: "https://host/r.git"}
	if err := b.Complete(noEnv); err != nil {
		t.Fatal(err)
	}
	c := Options{URL: "https://host/other.git"}
	if err := c.Complete(noEnv); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.CacheDir, filepath.Join(base, "kgitops", "git")+string(filepath.Separator)) {
		t.Fatalf("default cache dir %s is not under %s", b.CacheDir, filepath.Join(base, "kgitops", "git"))
	}
	b2 := Options{URL: "https://bob:two@host/r.git"}
	if err := b2.Complete(noEnv); err != nil {
		t.Fatal(err)
	}
	if b2.CacheDir != b.CacheDir {
		t.Errorf("the same repository with other credentials gets another cache: %s, %s", b2.CacheDir, b.CacheDir)
	}
	if c.CacheDir == b.CacheDir {
		t.Errorf("two repositories share the cache %s", c.CacheDir)
	}
}
