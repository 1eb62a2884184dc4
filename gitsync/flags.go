package gitsync

import (
	"strings"

	"github.com/spf13/pflag"
)

// Flag names. Each but --git-insecure-ignore-host-key has an environment
// fallback named by envFor.
const (
	flagRepo           = "repo"
	flagRef            = "ref"
	flagCacheDir       = "git-cache-dir"
	flagTimeout        = "git-timeout"
	flagUsername       = "git-username"
	flagPasswordFile   = "git-password-file"
	flagCAFile         = "git-ca-file"
	flagSSHKeyFile     = "git-ssh-key-file"
	flagPassphraseFile = "git-ssh-key-passphrase-file"
	flagKnownHosts     = "git-known-hosts"
	flagInsecure       = "git-insecure-ignore-host-key"
)

// EnvPassword is the only way, besides a file, to give the HTTPS password
// or token.
const EnvPassword = "KGITOPS_GIT_PASSWORD"

// envFor names the environment variable a flag falls back to: --repo reads
// KGITOPS_GIT_REPO and --git-known-hosts reads KGITOPS_GIT_KNOWN_HOSTS.
func envFor(flag string) string {
	name := strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
	if !strings.HasPrefix(name, "GIT_") {
		name = "GIT_" + name
	}
	return "KGITOPS_" + name
}

// AddFlags registers the repository flags on fs. There is deliberately no
// flag for the password: command lines end up in shell history and process
// lists, so it comes from KGITOPS_GIT_PASSWORD or --git-password-file.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.env.Flags = fs
	ref := o.Ref
	if ref == "" {
		ref = DefaultRef
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	fs.StringVar(&o.URL, flagRepo, o.URL, "git repository holding the desired state: https://HOST/REPO, ssh://USER@HOST/REPO, USER@HOST:REPO, file:///PATH or a path"+envHelp(flagRepo))
	fs.StringVar(&o.Ref, flagRef, ref, "branch, tag or full commit SHA to apply"+envHelp(flagRef))
	fs.StringVar(&o.CacheDir, flagCacheDir, o.CacheDir, "directory keeping the clone between passes and restarts (default: the user cache directory)"+envHelp(flagCacheDir))
	fs.DurationVar(&o.Timeout, flagTimeout, timeout, "how long one fetch may take"+envHelp(flagTimeout))
	fs.StringVar(&o.Username, flagUsername, o.Username, "HTTPS user name sent with the token (default \"git\"), or the SSH user when the URL has none"+envHelp(flagUsername))
	fs.StringVar(&o.PasswordFile, flagPasswordFile, o.PasswordFile, "file holding the HTTPS password or token, read again on every fetch (or set "+EnvPassword+")"+envHelp(flagPasswordFile))
	fs.StringVar(&o.CAFile, flagCAFile, o.CAFile, "PEM file of CA certificates to trust for HTTPS, besides the system's"+envHelp(flagCAFile))
	fs.StringVar(&o.SSHKeyFile, flagSSHKeyFile, o.SSHKeyFile, "file holding the SSH private key, for ssh:// and USER@HOST:REPO URLs"+envHelp(flagSSHKeyFile))
	fs.StringVar(&o.SSHKeyPassphraseFile, flagPassphraseFile, o.SSHKeyPassphraseFile, "file holding the SSH private key's passphrase, if it has one"+envHelp(flagPassphraseFile))
	fs.StringVar(&o.KnownHostsFile, flagKnownHosts, o.KnownHostsFile, "known_hosts file listing the SSH host keys to trust (default ~/.ssh/known_hosts)"+envHelp(flagKnownHosts))
	fs.BoolVar(&o.InsecureIgnoreHostKey, flagInsecure, o.InsecureIgnoreHostKey, "accept any SSH host key (unsafe: anyone in the network path can serve you another repository)")
}

func envHelp(flag string) string { return " [$" + envFor(flag) + "]" }
