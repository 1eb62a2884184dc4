package gitsync

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Complete fills each field the user did not give as a flag from its
// KGITOPS_GIT_* environment variable (flags win over the environment),
// applies the defaults, checks the result and reads the password, key,
// known_hosts and CA files once, so that a mistake shows before the first
// fetch. A user:password@ in an HTTPS URL is moved out of the URL. getenv
// is os.Getenv outside tests; nil means os.Getenv.
//
// A flag counts as given when it was set on the command line; for Options
// built in code without AddFlags, when its field is not the zero value.
func (o *Options) Complete(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	o.completed = false
	if err := o.fromEnv(getenv); err != nil {
		return err
	}
	u, err := parseRepoURL(o.URL, o.env.Source(flagRepo))
	if err != nil {
		return err
	}
	if u.web() && u.user == "" && u.password == "" && o.urlCreds != nil && o.URL == o.fetchURL {
		// Completed before: the credentials were moved out of this URL.
		u.user, u.password = o.urlCreds.user, o.urlCreds.s
	}
	o.fetchURL, o.proto, o.redacted, o.urlCreds = u.fetch, u.proto, Redact(o.URL), nil
	if u.web() {
		if u.user != "" || u.password != "" {
			o.urlCreds = &secret{user: u.user, s: u.password}
		}
		o.URL = u.fetch // credentials move out of the URL
	}
	if u.user != "" && u.password == "" && u.web() && getenv(EnvPassword) == "" && o.PasswordFile == "" {
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
	if err := o.loadPassword(getenv, &u); err != nil {
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

func (o *Options) fromEnv(getenv func(string) string) error {
	o.env.EnvFor = envFor
	o.env.Reset()
	for flag, p := range map[string]*string{
		flagRepo: &o.URL, flagRef: &o.Ref, flagCacheDir: &o.CacheDir, flagUsername: &o.Username,
		flagPasswordFile: &o.PasswordFile, flagCAFile: &o.CAFile, flagSSHKeyFile: &o.SSHKeyFile,
		flagPassphraseFile: &o.SSHKeyPassphraseFile, flagKnownHosts: &o.KnownHostsFile,
	} {
		o.env.String(getenv, flag, p)
	}
	return o.env.Duration(getenv, flagTimeout, &o.Timeout)
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
	if u.user != "" && (o.proto == "https" || o.proto == "http") {
		if o.Username != "" && o.Username != u.user {
			return fmt.Errorf("%s names user %q but %s says %q: give the user name once", o.env.Source(flagRepo), u.user, o.env.Source(flagUsername), o.Username)
		}
		o.Username = u.user
	}
	if o.Username == "" && o.proto != "ssh" {
		o.Username = DefaultUsername
	}
	if o.proto == "ssh" && o.KnownHostsFile == "" && !o.InsecureIgnoreHostKey {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no home directory for ~/.ssh/known_hosts: pass --%s FILE or set %s", flagKnownHosts, envFor(flagKnownHosts))
		}
		o.KnownHostsFile = filepath.Join(home, ".ssh", "known_hosts")
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no user cache directory to keep the clone in (%v): pass --%s DIR or set %s", err, flagCacheDir, envFor(flagCacheDir))
		}
		sum := sha256.Sum256([]byte(o.redacted))
		o.CacheDir = filepath.Join(base, "kgitops", "git", hex.EncodeToString(sum[:])[:16])
	}
	return nil
}

// validate checks that the options fit the URL's transport, without
// reading any file.
func (o *Options) validate() error {
	if strings.HasPrefix(o.Ref, "-") || strings.ContainsAny(o.Ref, " \t\n~^:?*[\\") || strings.Contains(o.Ref, "..") {
		return fmt.Errorf("%s: %q is not a branch, tag or commit SHA", o.env.Source(flagRef), o.Ref)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%s: %v is negative; want a duration such as 60s", o.env.Source(flagTimeout), o.Timeout)
	}
	notFor := func(flag string, set bool, want string) error {
		if !set {
			return nil
		}
		return fmt.Errorf("%s is for %s URLs, but %s is a %s URL: drop it or fix the URL", o.env.Source(flag), want, o.redacted, o.proto)
	}
	ssh, web := o.proto == "ssh", o.proto == "https" || o.proto == "http"
	for _, c := range []struct {
		flag string
		set  bool
		want string
	}{
		{flagSSHKeyFile, o.SSHKeyFile != "" && !ssh, "ssh://"},
		{flagPassphraseFile, o.SSHKeyPassphraseFile != "" && !ssh, "ssh://"},
		{flagKnownHosts, o.KnownHostsFile != "" && !ssh, "ssh://"},
		{flagInsecure, o.InsecureIgnoreHostKey && !ssh, "ssh://"},
		{flagCAFile, o.CAFile != "" && o.proto != "https", "https://"},
		{flagPasswordFile, o.PasswordFile != "" && !web, "https://"},
	} {
		if err := notFor(c.flag, c.set, c.want); err != nil {
			return err
		}
	}
	if ssh && o.SSHKeyFile == "" {
		return fmt.Errorf("SSH URL %s needs a private key: pass --%s FILE or set %s", o.redacted, flagSSHKeyFile, envFor(flagSSHKeyFile))
	}
	return nil
}

// loadPassword finds the HTTPS password: in the URL, in
// KGITOPS_GIT_PASSWORD or in PasswordFile. A password file the user gave as
// a flag wins over KGITOPS_GIT_PASSWORD; any other two sources at once are
// an error.
func (o *Options) loadPassword(getenv func(string) string, u *repoURL) error {
	o.password, o.passFile = nil, false
	inURL := u.password
	envPass := getenv(EnvPassword)
	if o.proto != "https" && o.proto != "http" {
		if envPass != "" && o.proto == "ssh" {
			return fmt.Errorf("%s is set but %s is an SSH URL, which takes a key: unset it and pass --%s", EnvPassword, o.redacted, flagSSHKeyFile)
		}
		return nil
	}
	fileFromEnv := o.env.FromEnv(flagPasswordFile)
	switch {
	case inURL != "" && (envPass != "" || o.PasswordFile != ""):
		return fmt.Errorf("%s holds a password and %s is set too: keep only one, preferably not the URL", o.env.Source(flagRepo), firstSet(envPass != "", EnvPassword, o.env.Source(flagPasswordFile)))
	case inURL != "":
		o.password = &secret{s: inURL}
	case o.PasswordFile != "" && envPass != "" && fileFromEnv:
		return fmt.Errorf("both %s and %s are set: set only one", EnvPassword, envFor(flagPasswordFile))
	case o.PasswordFile != "":
		o.passFile = true
		if _, err := o.readPassword(); err != nil {
			return err
		}
	case envPass != "":
		o.password = &secret{s: envPass}
	}
	return nil
}

func firstSet(a bool, x, y string) string {
	if a {
		return x
	}
	return y
}

// errNotCompleted is returned by Open when Complete has not succeeded.
var errNotCompleted = errors.New("git options are not complete: call Complete before Open")
