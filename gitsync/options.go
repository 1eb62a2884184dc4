package gitsync

import (
	"fmt"
	"strings"
	"time"

	"github.com/kgitops/kgitops/internal/envflag"
)

// DefaultRef is the ref fetched unless --ref or KGITOPS_GIT_REF says
// otherwise.
const DefaultRef = "main"

// DefaultTimeout bounds one fetch unless --git-timeout or
// KGITOPS_GIT_TIMEOUT says otherwise.
const DefaultTimeout = 60 * time.Second

// DefaultUsername is the HTTPS user name sent with a token when none is
// given. GitHub and GitLab accept any user name with a token.
const DefaultUsername = "git"

// Options says which repository to fetch, which ref to follow and how to
// authenticate. Fill it with AddFlags (or in code), then call Complete
// before Open.
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
	// PasswordFile holds the HTTPS password or token. It is read again on
	// every fetch, so a rotated token is picked up. The other way to give
	// it is the KGITOPS_GIT_PASSWORD environment variable; there is
	// deliberately no flag holding the password itself.
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
	// InsecureIgnoreHostKey accepts any SSH host key. Only a flag sets it,
	// never the environment.
	InsecureIgnoreHostKey bool

	password  *secret // from the URL, KGITOPS_GIT_PASSWORD or PasswordFile; a pointer so %v prints no secret
	urlCreds  *secret // the user and password Complete moved out of URL, for a second Complete
	passFile  bool    // password is read from PasswordFile, again on each fetch
	fetchURL  string  // URL without user:password@, the one handed to go-git
	proto     string  // "file", "https", "http", "ssh" or "git"
	redacted  string  // Redact(URL), for logs and errors
	completed bool
	env       envflag.Fallbacks // flags given vs defaults, and where values came from
}

// secret holds a password (and, in urlCreds, its user name). Options keeps
// a pointer to it, so that printing its fields shows an address, never the
// secret.
type secret struct{ user, s string }

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
		if o.password != nil || o.passFile {
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
