package gitsync

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kgitops/kgitops/secret"
)

// Complete applies the defaults, checks the options and reads the
// password, key, known_hosts and CA files once, so that a mistake shows
// before the first fetch. A user:password@ in an HTTPS URL is moved out of
// the URL. It reads no flag and no environment variable: the caller fills
// Options, and says through Names where each value came from.
func (o *Options) Complete() error {
	o.completed = false
	n := o.names()
	u, err := parseRepoURL(o.URL, n)
	if err != nil {
		return err
	}
	if u.web() && u.user == "" && u.password == "" && o.urlCreds != nil && o.URL == o.fetchURL {
		// Completed before: the credentials were moved out of this URL.
		u.user, u.password = o.urlCreds.user, o.urlCreds.password.Reveal()
	}
	o.fetchURL, o.proto, o.redacted, o.urlCreds = u.fetch, u.proto, Redact(o.URL), nil
	if u.web() {
		if u.user != "" || u.password != "" {
			o.urlCreds = &urlCreds{user: u.user, password: secret.New(u.password)}
		}
		o.URL = u.fetch // credentials move out of the URL
	}
	if u.user != "" && u.password == "" && u.web() && o.Password.IsZero() && o.PasswordFile == "" {
		// https://TOKEN@host/repo: a lone user name and no password from
		// anywhere else is a token (a form GitHub documents). It is sent
		// as the password, with the default user name.
		u.password, u.user = u.user, ""
	}
	if err := o.defaults(u); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	if err := o.loadPassword(&u); err != nil {
		return err
	}
	// Read each file once now; fetches read them again, to pick up a
	// rotated token or key.
	if _, err := o.authMethod(); err != nil {
		return err
	}
	if _, err := o.caBundle(); err != nil {
		return err
	}
	o.completed = true
	return nil
}

// defaults fills what the user left empty, and takes the user name out of
// the URL.
func (o *Options) defaults(u repoURL) error {
	o.Ref = strings.TrimSpace(o.Ref)
	if o.Ref == "" {
		o.Ref = DefaultRef
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	n := o.names()
	if u.user != "" && (o.proto == "https" || o.proto == "http") {
		if o.Username != "" && o.Username != u.user {
			return fmt.Errorf("%s names user %q but %s says %q: give the user name once", n.Source("URL"), u.user, n.Source("Username"), o.Username)
		}
		o.Username = u.user
	}
	if o.Username == "" && o.proto != "ssh" {
		o.Username = DefaultUsername
	}
	if o.proto == "ssh" && o.KnownHostsFile == "" && !o.InsecureIgnoreHostKey {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no home directory for ~/.ssh/known_hosts: %s", n.HowToSet("KnownHostsFile", "FILE", true))
		}
		o.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no user cache directory to keep the clone in (%v): %s", err, n.HowToSet("CacheDir", "DIR", true))
		}
		sum := sha256.Sum256([]byte(o.redacted))
		o.CacheDir = filepath.Join(base, "kgitops", "git", hex.EncodeToString(sum[:])[:16])
	}
	return nil
}

// validate checks that the options fit the URL's transport, without
// reading any file.
func (o *Options) validate() error {
	n := o.names()
	if strings.HasPrefix(o.Ref, "-") || strings.ContainsAny(o.Ref, " \t\n~^:?*[\\") || strings.Contains(o.Ref, "..") {
		return fmt.Errorf("%s: %q is not a branch, tag or commit SHA", n.Source("Ref"), o.Ref)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%s: %v is negative; want a duration such as 60s", n.Source("Timeout"), o.Timeout)
	}
	notFor := func(field string, set bool, want string) error {
		if !set {
			return nil
		}
		return fmt.Errorf("%s is for %s URLs, but %s is a %s URL: drop it or fix the URL", n.Source(field), want, o.redacted, o.proto)
	}
	ssh, web := o.proto == "ssh", o.proto == "https" || o.proto == "http"
	for _, c := range []struct {
		field string
		set   bool
		want  string
	}{
		{"SSHKeyFile", o.SSHKeyFile != "" && !ssh, "ssh://"},
		{"SSHKeyPassphraseFile", o.SSHKeyPassphraseFile != "" && !ssh, "ssh://"},
		{"KnownHostsFile", o.KnownHostsFile != "" && !ssh, "ssh://"},
		{"InsecureIgnoreHostKey", o.InsecureIgnoreHostKey && !ssh, "ssh://"},
		{"CAFile", o.CAFile != "" && o.proto != "https", "https://"},
		{"PasswordFile", o.PasswordFile != "" && !web, "https://"},
	} {
		if err := notFor(c.field, c.set, c.want); err != nil {
			return err
		}
	}
	if ssh && o.SSHKeyFile == "" {
		return fmt.Errorf("SSH URL %s needs a private key: %s", o.redacted, n.HowToSet("SSHKeyFile", "FILE", true))
	}
	return nil
}

// loadPassword finds the HTTPS password: in the URL, in Password or in
// PasswordFile, only one of them.
func (o *Options) loadPassword(u *repoURL) error {
	o.password, o.passFile = secret.Value{}, false
	n := o.names()
	inURL := u.password
	if o.proto != "https" && o.proto != "http" {
		if !o.Password.IsZero() && o.proto == "ssh" {
			return fmt.Errorf("%s is set but %s is an SSH URL, which takes a key: unset it and %s", n.Source("Password"), o.redacted, n.HowToSet("SSHKeyFile", "", false))
		}
		return nil
	}
	switch {
	case inURL != "" && (!o.Password.IsZero() || o.PasswordFile != ""):
		other := "PasswordFile"
		if !o.Password.IsZero() {
			other = "Password"
		}
		return fmt.Errorf("%s holds a password and %s is set too: keep only one, preferably not the URL", n.Source("URL"), n.Source(other))
	case inURL != "":
		o.password = secret.New(inURL)
	case o.PasswordFile != "" && !o.Password.IsZero():
		return fmt.Errorf("both %s and %s are set: set only one", n.Source("Password"), n.Source("PasswordFile"))
	case o.PasswordFile != "":
		o.passFile = true
		if _, err := o.readPassword(); err != nil {
			return err
		}
	case !o.Password.IsZero():
		o.password = o.Password
	}
	return nil
}

// errNotCompleted is returned by Open when Complete has not succeeded.
var errNotCompleted = errors.New("git options are not complete: call Complete before Open")
