package gitsync

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is an SSH server on 127.0.0.1 that lets in one public key and
// runs `git-upload-pack '<path>'` for exec requests.
type sshServer struct {
	addr    string
	hostKey ssh.PublicKey
}

// startSSH starts an SSH server accepting clientKey, for the test's
// duration.
func startSSH(t *testing.T, clientKey ssh.PublicKey) *sshServer {
	t.Helper()
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(clientKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveSSH(c, cfg)
			}()
		}
	}()
	return &sshServer{addr: ln.Addr().String(), hostKey: hostSigner.PublicKey()}
}

// serveSSH serves one connection's sessions.
func serveSSH(c net.Conn, cfg *ssh.ServerConfig) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		go serveSession(ch, chReqs)
	}
}

// serveSession runs the exec request of one session.
func serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" || len(req.Payload) < 4 {
			_ = req.Reply(false, nil)
			continue
		}
		command := string(req.Payload[4:])
		path, ok := strings.CutPrefix(command, "git-upload-pack ")
		if !ok {
			_ = req.Reply(false, nil)
			return
		}
		_ = req.Reply(true, nil)
		cmd := exec.Command("git", "upload-pack", strings.Trim(path, "'"))
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		stdin, err := cmd.StdinPipe()
		status := uint32(1)
		if err == nil && cmd.Start() == nil {
			go func() { _, _ = io.Copy(stdin, ch); stdin.Close() }()
			if cmd.Wait() == nil {
				status = 0
			}
		}
		_, _ = ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, status))
		return
	}
}

// sshKeyPair makes a client key, writes its private half to a file
// (encrypted when passphrase is set) and returns the file and the public
// half.
func sshKeyPair(t *testing.T, passphrase string) (string, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var block *pem.Block
	if passphrase == "" {
		block, err = ssh.MarshalPrivateKey(priv, "")
	} else {
		block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "id_ed25519")
	write(t, file, pem.EncodeToMemory(block))
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return file, sshPub
}

// knownHostsFile writes a known_hosts file listing key for addr.
func knownHostsFile(t *testing.T, addr string, key ssh.PublicKey) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "known_hosts")
	write(t, file, []byte(knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)+"\n"))
	return file
}

func TestFetchSSH(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	keyFile, pub := sshKeyPair(t, "")
	srv := startSSH(t, pub)
	url := "ssh://git@" + srv.addr + rem.bare

	trusted := knownHostsFile(t, srv.addr, srv.hostKey)
	_, otherKey := sshKeyPair(t, "")
	otherHost := knownHostsFile(t, "127.0.0.1:1", srv.hostKey)
	changed := knownHostsFile(t, srv.addr, otherKey)
	wrongKey, _ := sshKeyPair(t, "")
	lockedKey, lockedPub := sshKeyPair(t, "open sesame")
	passFile := filepath.Join(t.TempDir(), "passphrase")
	write(t, passFile, []byte("open sesame\n"))

	tests := []struct {
		name     string
		opts     Options
		server   *sshServer
		wantText string // empty for success
	}{
		{name: "known host", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: trusted}},
		{name: "unknown host", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: otherHost},
			wantText: "host [" + strings.Replace(srv.addr, ":", "]:", 1) + " is not in " + otherHost + ": add its key (ssh-keyscan -p"},
		{name: "changed host key", opts: Options{SSHKeyFile: keyFile, KnownHostsFile: changed},
			wantText: "does not match " + changed},
		{name: "host key not checked", opts: Options{SSHKeyFile: keyFile, InsecureIgnoreHostKey: true}},
		{name: "unknown client key", opts: Options{SSHKeyFile: wrongKey, KnownHostsFile: trusted},
			wantText: "the SSH server refused the key in " + wrongKey},
		{name: "key with a passphrase", opts: Options{SSHKeyFile: lockedKey, SSHKeyPassphraseFile: passFile, KnownHostsFile: trusted},
			server: startSSH(t, lockedPub)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.URL = url
			if tt.server != nil {
				o.URL = "ssh://git@" + tt.server.addr + rem.bare
				o.KnownHostsFile = knownHostsFile(t, tt.server.addr, tt.server.hostKey)
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
