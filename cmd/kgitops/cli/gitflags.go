package cli

import (
	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/internal/envflag"
)

// envGitPassword is the only way, besides a file, to give the HTTPS
// password or token.
const envGitPassword = "KGITOPS_GIT_PASSWORD"

// gitVars binds o to the repository flags, each but
// --git-insecure-ignore-host-key with a KGITOPS_GIT_* variable as a
// fallback (--repo reads KGITOPS_GIT_REPO, --git-known-hosts reads
// KGITOPS_GIT_KNOWN_HOSTS), and makes o's errors name them. There is
// deliberately no flag for the password: command lines end up in shell
// history and process lists, so it comes from KGITOPS_GIT_PASSWORD or
// --git-password-file, and a file the user passes wins over the variable.
func gitVars(o *gitsync.Options) *envflag.Set {
	s := envflag.New("KGITOPS_GIT_", "git-")
	s.String(&o.URL, "URL", "repo", "", "git repository holding the desired state: https://HOST/REPO, ssh://USER@HOST/REPO, USER@HOST:REPO, file:///PATH or a path")
	s.String(&o.Ref, "Ref", "ref", gitsync.DefaultRef, "branch, tag or full commit SHA to apply")
	s.String(&o.CacheDir, "CacheDir", "git-cache-dir", "", "directory keeping the clone between passes and restarts (default: the user cache directory)")
	s.Duration(&o.Timeout, "Timeout", "git-timeout", gitsync.DefaultTimeout, "how long one fetch may take")
	s.String(&o.Username, "Username", "git-username", "", "HTTPS user name sent with the token (default \"git\"), or the SSH user when the URL has none")
	s.String(&o.PasswordFile, "PasswordFile", "git-password-file", "", "file holding the HTTPS password or token, read again on every fetch (or set "+envGitPassword+")")
	s.String(&o.CAFile, "CAFile", "git-ca-file", "", "PEM file of CA certificates to trust for HTTPS, besides the system's")
	s.String(&o.SSHKeyFile, "SSHKeyFile", "git-ssh-key-file", "", "file holding the SSH private key, for ssh:// and USER@HOST:REPO URLs")
	s.String(&o.SSHKeyPassphraseFile, "SSHKeyPassphraseFile", "git-ssh-key-passphrase-file", "", "file holding the SSH private key's passphrase, if it has one")
	s.String(&o.KnownHostsFile, "KnownHostsFile", "git-known-hosts", "", "known_hosts file listing the SSH host keys to trust (default ~/.ssh/known_hosts)")
	s.Unsafe(&o.InsecureIgnoreHostKey, "InsecureIgnoreHostKey", "git-insecure-ignore-host-key", "accept any SSH host key (unsafe: anyone in the network path can serve you another repository)")
	s.Secret(&o.Password, "Password", envGitPassword, "PasswordFile")
	o.Names = s
	return s
}
