package gitsync

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/secret"
)

// Without Names, errors name the Go fields to set.
func TestCompleteWithoutNames(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no repository", Options{}, "no git repository given: set Options.URL"},
		{"bad ref", Options{URL: "/r", Ref: "main..dev"}, `Options.Ref: "main..dev" is not a branch, tag or commit SHA`},
		{"key file for https", Options{URL: "https://host/r", SSHKeyFile: "key"}, "Options.SSHKeyFile is for ssh:// URLs, but https://host/r is a https URL: drop it or fix the URL"},
		{"ssh without a key", Options{URL: "ssh://git@host/r"}, "SSH URL ssh://git@host/r needs a private key: set Options.SSHKeyFile"},
		{"password for ssh", Options{URL: "ssh://git@host/r", SSHKeyFile: "key", InsecureIgnoreHostKey: true, Password: secret.New("s3cret")},
			"Options.Password is set but ssh://git@host/r is an SSH URL, which takes a key: unset it and set Options.SSHKeyFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.CacheDir = t.TempDir()
			if err := o.Complete(); err == nil || err.Error() != tt.want {
				t.Fatalf("Complete error = %v, want %q", err, tt.want)
			}
		})
	}
}

// The URL, Password and PasswordFile: only one may hold the password.
func TestCompletePasswordSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	write(t, file, []byte("s3cret-file\n"))
	tests := []struct {
		name     string
		opts     Options
		wantPass string
		wantErr  string
	}{
		{name: "password", opts: Options{URL: "https://host/r", Password: secret.New("s3cret")}, wantPass: "s3cret"},
		{name: "file", opts: Options{URL: "https://host/r", PasswordFile: file}, wantPass: "s3cret-file"},
		{name: "URL and password", opts: Options{URL: "https://git:s3cret@host/r", Password: secret.New("other")},
			wantErr: "--repo holds a password and KGITOPS_GIT_PASSWORD is set too: keep only one, preferably not the URL"},
		{name: "URL and file", opts: Options{URL: "https://git:s3cret@host/r", PasswordFile: file},
			wantErr: "--repo holds a password and --git-password-file is set too: keep only one, preferably not the URL"},
		{name: "password and file", opts: Options{URL: "https://host/r", Password: secret.New("s3cret"), PasswordFile: file},
			wantErr: "both KGITOPS_GIT_PASSWORD and --git-password-file are set: set only one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.CacheDir, o.Names = t.TempDir(), runNames{}
			err := o.Complete()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Complete error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pass, err := o.readPassword(); err != nil || pass != tt.wantPass {
				t.Errorf("password %q (%v), want %q", pass, err, tt.wantPass)
			}
			if s := fmt.Sprintf("%v %+v %#v", o, &o, o); strings.Contains(s, "s3cret") {
				t.Errorf("printed Options hold the password: %s", s)
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
			o := completed(t, Options{URL: tt.url})
			if err := o.Complete(); err != nil { // again, as a caller may
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
	if err := b.Complete(); err != nil {
		t.Fatal(err)
	}
	c := Options{URL: "https://host/other.git"}
	if err := c.Complete(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.CacheDir, filepath.Join(base, "kgitops", "git")+string(filepath.Separator)) {
		t.Fatalf("default cache dir %s is not under %s", b.CacheDir, filepath.Join(base, "kgitops", "git"))
	}
	b2 := Options{URL: "https://bob:two@host/r.git"}
	if err := b2.Complete(); err != nil {
		t.Fatal(err)
	}
	if b2.CacheDir != b.CacheDir {
		t.Errorf("the same repository with other credentials gets another cache: %s, %s", b2.CacheDir, b.CacheDir)
	}
	if c.CacheDir == b.CacheDir {
		t.Errorf("two repositories share the cache %s", c.CacheDir)
	}
}
