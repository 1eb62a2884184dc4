package gitsync

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hint says, in a few words, what the user can do about a failed fetch.
func (r *Repo) hint(err error, k kind) string {
	o, n := r.opts, r.opts.names()
	var (
		keyErr    *knownhosts.KeyError
		revoked   *knownhosts.RevokedError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		execErr   *exec.Error
	)
	switch {
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		host, port := r.hostPort()
		return fmt.Sprintf("host %s is not in %s: add its key (ssh-keyscan -p %s %s >> %s, then check the fingerprint) or %s",
			knownhosts.Normalize(net.JoinHostPort(host, port)), o.KnownHostsFile, port, host, o.KnownHostsFile, n.HowToSet("InsecureIgnoreHostKey", "", false))
	case errors.As(err, &keyErr):
		host, port := r.hostPort()
		return fmt.Sprintf("the host key of %s does not match %s: the server's key changed, or someone is in between; find out which before you update %s",
			knownhosts.Normalize(net.JoinHostPort(host, port)), o.KnownHostsFile, o.KnownHostsFile)
	case errors.As(err, &revoked):
		return fmt.Sprintf("the host key is revoked in %s", o.KnownHostsFile)
	case strings.Contains(err.Error(), "ssh: unable to authenticate"):
		return fmt.Sprintf("the SSH server refused the key in %s: add its public key to the repository's deploy keys, or check the user name", o.SSHKeyFile)
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("the server's TLS certificate is signed by an unknown authority: %s with the CA certificate", n.HowToSet("CAFile", "", false))
	case errors.As(err, &hostErr):
		return "the server's TLS certificate is not for this host name"
	case errors.Is(err, transport.ErrAuthenticationRequired) && o.password.IsZero() && !o.passFile:
		return fmt.Sprintf("the server wants credentials: %s or %s", n.HowToSet("Password", "", false), n.HowToSet("PasswordFile", "", false))
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Sprintf("the server refused the credentials: check the token (%s or %s) and %s", n.Name("Password"), n.Name("PasswordFile"), n.Name("Username"))
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return "the credentials may not read this repository"
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		return "the repository is empty: push a commit first"
	case errors.Is(err, transport.ErrRepositoryNotFound) && o.proto == "file":
		return "no git repository at that path"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return "check the URL, and that the credentials may read the repository"
	case errors.As(err, &execErr):
		return "reading a file:// URL or a path runs git-upload-pack: install git"
	case k == kindUnreachable:
		return "cannot reach the repository"
	}
	return ""
}

// hostPort is the SSH or HTTPS server's host and port.
func (r *Repo) hostPort() (string, string) {
	ep, err := transport.NewEndpoint(r.opts.fetchURL)
	if err != nil {
		return "", ""
	}
	port := ep.Port
	if port <= 0 {
		port = 22
	}
	return ep.Host, strconv.Itoa(port)
}

// joinQuoted lists names as "a", "b", "c".
func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
