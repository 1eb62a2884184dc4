package envflag

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kgitops/kgitops/secret"
)

func TestPrecedenceAndSources(t *testing.T) {
	env := map[string]string{"X_NAME": "from-env", "X_OTHER": "env-other", "X_WAIT": "2m", "X_BAD": "soon"}
	getenv := func(k string) string { return env[k] }
	var name, other, empty string
	var wait, bad time.Duration
	s := New("X_", "")
	s.String(&name, "Name", "name", "", "")
	s.String(&other, "Other", "other", "default", "")
	s.String(&empty, "Empty", "empty", "", "")
	s.Duration(&wait, "Wait", "wait", 0, "")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	s.Register(fs)
	if err := fs.Parse([]string{"--name", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Fill(getenv); err != nil {
		t.Fatal(err)
	}
	if name != "from-flag" || other != "env-other" || empty != "" || wait != 2*time.Minute {
		t.Errorf("values: name=%q other=%q empty=%q wait=%v", name, other, empty, wait)
	}
	if s.Source("Name") != "--name" || s.Source("Other") != "X_OTHER" || !s.FromEnv("Wait") || s.FromEnv("Name") {
		t.Errorf("sources: %s %s", s.Source("Name"), s.Source("Other"))
	}

	b := New("X_", "")
	b.Duration(&bad, "Bad", "bad", 0, "")
	b.Register(pflag.NewFlagSet("t", pflag.ContinueOnError))
	if err := b.Fill(getenv); err == nil || !strings.Contains(err.Error(), "X_BAD") || strings.Contains(err.Error(), "--bad") {
		t.Errorf("bad duration: %v", err)
	}
}

func TestWithoutFlags(t *testing.T) {
	set, unset := "kept", ""
	s := New("E_", "")
	s.String(&set, "A", "a", "", "")
	s.String(&unset, "B", "b", "", "")
	if err := s.Fill(func(string) string { return "env" }); err != nil {
		t.Fatal(err)
	}
	if set != "kept" || unset != "env" || s.Source("B") != "E_B" || s.Source("A") != "--a" {
		t.Errorf("set=%q unset=%q sources=%q %q", set, unset, s.Source("B"), s.Source("A"))
	}
}

func TestVariableNames(t *testing.T) {
	var a, b, c string
	s := New("KGITOPS_GIT_", "git-")
	s.String(&a, "URL", "repo", "", "")
	s.String(&b, "KnownHostsFile", "git-known-hosts", "", "")
	s.String(&c, "Ref", "gitlab-ref", "", "")
	for field, want := range map[string]string{"URL": "KGITOPS_GIT_REPO", "KnownHostsFile": "KGITOPS_GIT_KNOWN_HOSTS", "Ref": "KGITOPS_GIT_GITLAB_REF"} {
		if got := s.HowToSet(field, "", true); !strings.HasSuffix(got, " or set "+want) {
			t.Errorf("%s: HowToSet = %q, want it to name %s", field, got, want)
		}
	}
}

func TestTypes(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "none", want: "list=[] tls=false insecure=false"},
		{name: "all", env: map[string]string{"K_LIST": "a:1,b:2", "K_TLS": "true", "K_INSECURE": "true"}, want: "list=[a:1 b:2] tls=true insecure=false"},
		{name: "not a bool", env: map[string]string{"K_TLS": "yes"}, wantErr: `K_TLS: want true or false: strconv.ParseBool: parsing "yes": invalid syntax`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list []string
			var tls, insecure bool
			s := New("K_", "")
			s.Strings(&list, "List", "list", "")
			s.Bool(&tls, "TLS", "tls", "")
			s.Unsafe(&insecure, "Insecure", "insecure", "")
			err := s.Fill(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Fill error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("list=%v tls=%v insecure=%v", list, tls, insecure); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// A password file the user passed wins over the password variable; a file
// from the environment does not, so that both in the environment can be
// refused by the options' own check.
func TestSecretYieldsToAGivenFile(t *testing.T) {
	env := map[string]string{"P_PASSWORD": "from-env", "P_PASSWORD_FILE": "env-file"}
	tests := []struct {
		name     string
		args     []string
		file     string // set in code, without flags
		flags    bool
		wantFile string
		wantPass string
	}{
		{name: "file flag wins", flags: true, args: []string{"--password-file", "flag-file"}, wantFile: "flag-file"},
		{name: "both from the environment", flags: true, wantFile: "env-file", wantPass: "from-env"},
		{name: "file set in code wins", file: "code-file", wantFile: "code-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			var pass secret.Value
			s := New("P_", "")
			s.String(&file, "PasswordFile", "password-file", "", "")
			s.Secret(&pass, "Password", "P_PASSWORD", "PasswordFile")
			if tt.flags {
				fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
				s.Register(fs)
				if err := fs.Parse(tt.args); err != nil {
					t.Fatal(err)
				}
				if fs.Lookup("password") != nil {
					t.Error("a secret has a flag")
				}
			}
			if err := s.Fill(func(k string) string { return env[k] }); err != nil {
				t.Fatal(err)
			}
			if file != tt.wantFile || pass.Reveal() != tt.wantPass {
				t.Errorf("file %q password %q, want %q %q", file, pass.Reveal(), tt.wantFile, tt.wantPass)
			}
			if tt.wantPass != "" && s.Source("Password") != "P_PASSWORD" {
				t.Errorf("Source(Password) = %q", s.Source("Password"))
			}
		})
	}
}

func TestNamesAndHelp(t *testing.T) {
	var repo, key string
	var insecure bool
	var pass secret.Value
	s := New("G_", "git-")
	s.String(&repo, "URL", "repo", "", "the repository")
	s.String(&key, "SSHKeyFile", "git-ssh-key-file", "", "the key")
	s.Unsafe(&insecure, "Insecure", "git-insecure", "accept any host key")
	s.Secret(&pass, "Password", "G_PASSWORD", "")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	s.Register(fs)
	tests := []struct{ got, want string }{
		{s.HowToSet("URL", "URL", true), "pass --repo URL or set G_REPO"},
		{s.HowToSet("SSHKeyFile", "FILE", false), "pass --git-ssh-key-file FILE"},
		{s.HowToSet("Insecure", "", true), "pass --git-insecure"},
		{s.HowToSet("Password", "", false), "set G_PASSWORD"},
		{s.Name("Password"), "G_PASSWORD"},
		{s.Name("Insecure"), "--git-insecure"},
		{s.Name("Unbound"), "Options.Unbound"},
		{s.Source("URL"), "--repo"},
		{fs.Lookup("repo").Usage, "the repository [$G_REPO]"},
		{fs.Lookup("git-ssh-key-file").Usage, "the key [$G_SSH_KEY_FILE]"},
		{fs.Lookup("git-insecure").Usage, "accept any host key"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
