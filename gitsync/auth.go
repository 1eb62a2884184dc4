package gitsync

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// authMethod builds the credentials for one fetch, reading the password,
// key and known_hosts files afresh. It returns nil for transports without
// credentials. Its errors are *Error of kind auth.
func (o *Options) authMethod() (transport.AuthMethod, error) {
	switch o.proto {
	case "https", "http":
		pass, err := o.readPassword()
		if err != nil || pass == "" {
			return nil, err
		}
		return &githttp.BasicAuth{Username: o.Username, Password: pass}, nil
	case "ssh":
		return o.sshAuth()
	}
	return nil, nil
}

// readPassword returns the HTTPS password: the one Complete found, or the
// password file's content, read now. The *PathError of a failed read names
// the file, never its content.
func (o *Options) readPassword() (string, error) {
	if !o.passFile {
		return o.password.Reveal(), nil
	}
	pass, err := readSecretFile(o.PasswordFile, "password")
	if err != nil {
		return "", configError(o, fmt.Errorf("read %s: %w", o.names().Source("PasswordFile"), err))
	}
	return pass, nil
}

// readSecretFile reads a one-line secret, without its line ending.
func readSecretFile(name, what string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s file %q is empty", what, name)
	}
	return s, nil
}

// sshAuth loads the private key and the host key check.
func (o *Options) sshAuth() (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(o.fetchURL)
	if err != nil {
		return nil, configError(o, err)
	}
	user := ep.User
	if user == "" {
		user = o.Username
	}
	if user == "" {
		user = gitssh.DefaultUsername
	}
	var passphrase string
	if o.SSHKeyPassphraseFile != "" {
		if passphrase, err = readSecretFile(o.SSHKeyPassphraseFile, "passphrase"); err != nil {
			return nil, configError(o, fmt.Errorf("read %s: %w", o.names().Source("SSHKeyPassphraseFile"), err))
		}
	}
	pem, err := os.ReadFile(o.SSHKeyFile)
	if err != nil {
		return nil, configError(o, fmt.Errorf("read %s: %w", o.names().Source("SSHKeyFile"), err))
	}
	var signer ssh.Signer
	if passphrase == "" {
		signer, err = ssh.ParsePrivateKey(pem)
	} else {
		signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(passphrase))
	}
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, configError(o, fmt.Errorf("SSH key %s is protected by a passphrase: %s", o.SSHKeyFile, o.names().HowToSet("SSHKeyPassphraseFile", "FILE", false)))
		}
		return nil, configError(o, fmt.Errorf("SSH key %s: %w", o.SSHKeyFile, err))
	}
	keys := &gitssh.PublicKeys{User: user, Signer: signer}
	if o.InsecureIgnoreHostKey {
		keys.HostKeyCallback = ssh.InsecureIgnoreHostKey()
	} else {
		if _, err := os.Stat(o.KnownHostsFile); err != nil {
			return nil, configError(o, fmt.Errorf("known_hosts file: %w; write it with ssh-keyscan -p PORT HOST >> FILE (then check the fingerprints) and %s, or %s",
				err, o.names().HowToSet("KnownHostsFile", "FILE", false), o.names().HowToSet("InsecureIgnoreHostKey", "", false)))
		}
		db, err := gitssh.NewKnownHostsDb(o.KnownHostsFile)
		if err != nil {
			return nil, configError(o, fmt.Errorf("known_hosts file %s: %w", o.KnownHostsFile, err))
		}
		keys.HostKeyCallback = db.HostKeyCallback()
		// Offer only the key types known_hosts has for this host, so
		// that a server with several keys shows the one we can check.
		port := ep.Port
		if port <= 0 {
			port = 22
		}
		keys.HostKeyAlgorithms = db.HostKeyAlgorithms(net.JoinHostPort(ep.Host, strconv.Itoa(port)))
	}
	return keys, nil
}

// caBundle reads the extra CA certificates for HTTPS, or returns nil.
func (o *Options) caBundle() ([]byte, error) {
	if o.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(o.CAFile)
	if err != nil {
		return nil, configError(o, fmt.Errorf("read %s: %w", o.names().Source("CAFile"), err))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, configError(o, fmt.Errorf("%s %s holds no PEM certificate", o.names().Source("CAFile"), o.CAFile))
	}
	return pem, nil
}

// configError is a credential or trust file problem, of kind auth.
func configError(o *Options, err error) error {
	return &Error{Op: "load credentials for", Repo: o.redacted, kind: kindAuth, msg: scrubText(err.Error(), o.secrets()...), err: err}
}

// secrets lists what must never appear in an error: the password (as
// Complete found it) and the URL's query values.
func (o *Options) secrets() []string {
	var s []string
	if !o.password.IsZero() {
		s = append(s, o.password.Reveal())
	}
	if i := strings.Index(o.URL, "?"); i >= 0 {
		for _, p := range strings.Split(o.URL[i+1:], "&") {
			if _, v, ok := strings.Cut(p, "="); ok && v != "" {
				s = append(s, v)
			}
		}
	}
	return s
}
