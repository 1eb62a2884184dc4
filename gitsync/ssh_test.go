package gitsync

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/kgitops/kgitops/gitsync/gittest"
)

// sshKeyPair makes a client key (see gittest.SSHKey) and returns its
// file and public half.
func sshKeyPair(t *testing.T, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	file, _, pub := gittest.SSHKey(t, passphrase)
	return file, pub
}

func TestFetchSSH(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	keyFile, pub := sshKeyPair(t, "")
	srv := gittest.StartSSH(t, pub)
	url := "ssh://git@" + srv.Addr + rem.bare

	trusted := gittest.KnownHosts(t, srv.Addr, srv.HostKey)
	_, otherKey := sshKeyPair(t, "")
	otherHost := gittest.KnownHosts(t, "127.0.0.1:1", srv.HostKey)
	changed := gittest.KnownHosts(t, srv.Addr, otherKey)
	wrongKey, _ := sshKeyPair(t, "")
	lockedKey, lockedPub := sshKeyPair(t, "open sesame")
	passFile := filepath.Join(t.TempDir(), "passphrase")
	write(t, passFile, []byte("open sesame\n"))

	tests := []struct {
		name     string
		opts     Options
		server   *gittest.SSHServer
		wantText string // empty for success
	}{
		{name: "known host", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: trusted}},
		{name: "unknown host", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: otherHost},
			wantText: "host [" + strings.Replace(srv.Addr, ":", "]:", 1) + " is not in " + otherHost + ": add its key (ssh-keyscan -p"},
		{name: "changed host key", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: changed},
			wantText: "does not match " + changed},
		{name: "host key not checked", opts: Options{SSHKeyFile: keyFile, InsecureIgnoreHostKey: true}},
		{name: "unknown client key", opts: Options{SSHKeyFile: wrongKey, KnownHostsFile: trusted},
			wantText: "the SSH server refused the key in " + wrongKey},
		{name: "key with a passphrase", opts: Options{SSHKeyFile: lockedKey, SSHKeyPassphraseFile: passFile, KnownHostsFile: trusted},
			server: gittest.StartSSH(t, lockedPub)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.URL = url
			if tt.server != nil {
				o.URL = "ssh://git@" + tt.server.Addr + rem.bare
				o.KnownHostsFile = gittest.KnownHosts(t, tt.server.Addr, tt.server.HostKey)
			}
			r, log := open(t, completed(t, o))
			if tt.wantText == "" {
				if rev := fetch(t, r); rev.SHA != rem.head() {
					t.Fatalf("Fetch = %s, want %s", rev.SHA, rem.head())
				}
				if o.InsecureIgnoreHostKey && !strings.Contains(log.String(), "not checking the SSH host key") {
					t.Errorf("no warning logged for an unchecked host key:\n%s", log)
				}
				return
			}
			err := fetchErr(t, r)
			if !IsAuth(err) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Fetch error = %v (Reason %q), want IsAuth saying %q", err, Reason(err), tt.wantText)
			}
		})
	}
}

func TestCompleteSSHKeyNeedsPassphrase(t *testing.T) {
	keyFile, _ := sshKeyPair(t, "open sesame")
	o := Options{URL: "ssh://git@127.0.0.1:1/repo.git", SSHKeyFile: keyFile, InsecureIgnoreHostKey: true, CacheDir: t.TempDir(), Names: runNames{}}
	err := o.Complete()
	if err == nil || !strings.Contains(err.Error(), "protected by a passphrase: pass --git-ssh-key-passphrase-file") {
		t.Fatalf("Complete with a locked key and no passphrase: error = %v", err)
	}
}

// TestFetchSSHSilentServer pins that a server that accepts the connection
// and then says nothing cannot hold a fetch past --git-timeout: go-git's
// SSH handshake does not watch the fetch's context.
func TestFetchSSHSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	keyFile, _ := sshKeyPair(t, "")
	o := completed(t, Options{URL: "ssh://git@" + ln.Addr().String() + "/repo.git", SSHKeyFile: keyFile,
		InsecureIgnoreHostKey: true, Timeout: 500 * time.Millisecond})
	r, _ := open(t, o)
	start := time.Now()
	err = fetchErr(t, r)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Fetch took %v with a 500ms timeout", took)
	}
	if Reason(err) != "timeout" || !strings.Contains(err.Error(), "no answer within 500ms (--git-timeout)") {
		t.Fatalf("Fetch error = %v (Reason %q), want a timeout naming --git-timeout", err, Reason(err))
	}
}
