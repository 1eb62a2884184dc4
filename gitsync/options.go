package gitsync

import (
	"fmt"
	"strings"
	"time"

	"github.com/kgitops/kgitops/secret"
)

// DefaultRef is the ref fetched when Options.Ref is empty.
const DefaultRef = "main"

// DefaultTimeout bounds one fetch when Options.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// DefaultUsername is the HTTPS user name sent with a token when none is
// given. GitHub and GitLab accept any user name with a token.
const DefaultUsername = "git"

// Options says which repository to fetch, which ref to follow and how to
// authenticate. Fill it, then call Complete before Open.
type Options struct {
	// URL is the repository: file:///path, /path, https://host/repo,
	// http://host/repo, ssh://user@host[:port]/repo or user@host:repo.
	// A user:password@ in an HTTPS URL is accepted, and Complete moves it
	// out of the URL.
	URL string
	// Ref is a branch, a tag, a full ref name (refs/heads/main) or a full
	// 40-hex commit SHA. Empty means DefaultRef. A branch wins over a tag
	// of the same name.
	Ref string
	// CacheDir is where the bare clone is kept between passes and
	// restarts. Empty means os.UserCacheDir()/kgitops/git/<hash of the
	// redacted URL>. An existing directory must be empty or a kgitops
	// cache: gitsync never deletes a directory it did not create.
	CacheDir string
	// Timeout bounds one fetch. Zero means DefaultTimeout.
	Timeout time.Duration

	// Username is the HTTPS user name (default DefaultUsername), or the
	// SSH user when the URL names none (default "git").
	Username string
	// Password is the HTTPS password or token. PasswordFile is the other
	// way to give it, and the URL a third; only one of them may hold it.
	Password secret.Value
	// PasswordFile holds the HTTPS password or token. It is read again on
	// every fetch, so a rotated token is picked up.
	PasswordFile string
	// CAFile is a PEM file of extra CA certificates to trust for HTTPS, on
	// top of the system's.
	CAFile string

	// SSHKeyFile holds the SSH private key (PEM or OpenSSH format).
	SSHKeyFile string
	// SSHKeyPassphraseFile holds the key's passphrase, if it has one.
	SSHKeyPassphraseFile string
	// KnownHostsFile lists the SSH host keys to trust. Empty means
	// ~/.ssh/known_hosts. Unknown hosts are refused.
	KnownHostsFile string
	// InsecureIgnoreHostKey accepts any SSH host key.
	InsecureIgnoreHostKey bool

	// Names tells errors and hints how the user set each field, so that
	// they name the flag or variable the user wrote. Nil names the Go
	// fields.
	Names Names

	password  secret.Value // from the URL or Password; zero when read from PasswordFile
	urlCreds  *urlCreds    // what Complete moved out of URL, for a second Complete
	passFile  bool         // password is read from PasswordFile, again on each fetch
	fetchURL  string       // URL without user:password@, the one handed to go-git
	proto     string       // "file", "https", "http", "ssh" or "git"
	redacted  string       // Redact(URL), for logs and errors
	completed bool
}

// urlCreds are the user name and password Complete moved out of an HTTPS
// URL.
type urlCreds struct {
	user     string
	password secret.Value
}

// Names tells gitsync's errors and hints how the user set each Options
// field, by its Go name ("Ref", "SSHKeyFile"), so that they name the flag
// or variable the user wrote and say what to write instead. A command line
// implements it over its flags and environment variables (kgitops' does,
// in cmd/kgitops/cli); gitsync reads neither.
type Names interface {
	// Source says where field's value came from, as "--ref" or
	// "KGITOPS_GIT_REF".
	Source(field string) string
	// Name is how to mention field, as "--git-timeout".
	Name(field string) string
	// HowToSet says how to give field a value, meta standing for the
	// value, as "pass --repo URL"; with orEnv it adds another way, as in
	// "pass --repo URL or set KGITOPS_GIT_REPO".
	HowToSet(field, meta string, orEnv bool) string
}

// goNames names the fields as Go code sets them, for Options without
// Names: "Options.Ref".
type goNames struct{}

func (goNames) Source(field string) string              { return "Options." + field }
func (goNames) Name(field string) string                { return "Options." + field }
func (goNames) HowToSet(field, _ string, _ bool) string { return "set Options." + field }

// names is o.Names, or goNames.
func (o *Options) names() Names {
	if o == nil || o.Names == nil {
		return goNames{}
	}
	return o.Names
}

// String describes the repository for logs and status, without
// credentials, as in "https://github.com/acme/kafka@main (token as git)".
// Printing Options with %v or %+v shows this too.
func (o Options) String() string {
	url := o.redacted
	if url == "" {
		url = Redact(o.URL)
	}
	ref := o.Ref
	if ref == "" {
		ref = DefaultRef
	}
	var how []string
	switch o.proto {
	case "https", "http":
		if !o.password.IsZero() || o.passFile {
			how = append(how, "token as "+o.Username)
		}
		if o.CAFile != "" {
			how = append(how, "CA "+o.CAFile)
		}
	case "ssh":
		how = append(how, "key "+o.SSHKeyFile)
		if o.InsecureIgnoreHostKey {
			how = append(how, "host key not checked")
		}
	}
	if len(how) == 0 {
		return fmt.Sprintf("%s@%s", url, ref)
	}
	return fmt.Sprintf("%s@%s (%s)", url, ref, strings.Join(how, ", "))
}
