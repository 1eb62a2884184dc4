package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/internal/syncbuf"
)

// The test binary doubles as kgitops: with KGITOPS_TEST_MAIN=1 it runs main.
// That lets these tests start real kgitops processes and signal them.
func TestMain(m *testing.M) {
	if os.Getenv("KGITOPS_TEST_MAIN") == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// proc is a kgitops run process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	out  *syncbuf.Buffer
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startRun(t *testing.T, args ...string) *proc {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{addr: freeAddr(t), out: &syncbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(self, append([]string{"run", "--listen", p.addr}, args...)...)
	p.cmd.Env = append(os.Environ(), "KGITOPS_TEST_MAIN=1")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("kgitops run %s output:\n%s", p.addr, p.out)
		}
	})
	return p
}

func (p *proc) status(t *testing.T) (map[string]any, bool) {
	resp, err := http.Get("http://" + p.addr + "/status")
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var st map[string]any
	body, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(body, &st) != nil {
		return nil, false
	}
	return st, true
}

func (p *proc) ready() bool {
	resp, err := http.Get("http://" + p.addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func repoDir(t *testing.T, topic string) string {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: 1\n  replicationFactor: 1\n", topic)
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunExitsZeroOnSIGTERM(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		p := startRun(t, "--dir", repoDir(t, kafkatest.Unique("sigterm")), "--bootstrap-servers", strings.Join(c.Bootstrap, ","),
			"--inventory-name", kafkatest.Unique("sigterm"), "--interval", "1s", "--leader-election=false")
		waitUntil(t, 30*time.Second, "ready", p.ready)
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 10*time.Second, "a pass woken by SIGHUP", func() bool { return strings.Contains(p.out.String(), "SIGHUP: starting a pass") })
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-p.done:
			p.done <- err // for Cleanup
			if err != nil {
				t.Fatalf("kgitops run after SIGTERM: %v (want exit 0)", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("kgitops run did not exit within 15s of SIGTERM")
		}
		if !strings.Contains(p.out.String(), "kgitops run stopped") {
			t.Errorf("no clean shutdown logged:\n%s", p.out)
		}
	})
}

// TestLeaderKilled runs two kgitops processes against one cluster and
// repo, SIGKILLs the leader, and checks the other takes over within the
// leader session timeout (plus a rebalance).
func TestLeaderKilled(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		dir := repoDir(t, kafkatest.Unique("failover"))
		args := []string{"--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--interval", "500ms",
			"--inventory-name", kafkatest.Unique("failover"), "--leader-topic", kafkatest.Unique("__kgitops_leader"),
			"--leader-session-timeout", "6s"}
		a, b := startRun(t, args...), startRun(t, args...)
		isLeader := func(p *proc) bool {
			st, ok := p.status(t)
			return ok && st["leader"] == true
		}
		waitUntil(t, 60*time.Second, "one leader", func() bool { return isLeader(a) != isLeader(b) && a.ready() && b.ready() })
		leader, standby := a, b
		if isLeader(b) {
			leader, standby = b, a
		}
		if err := leader.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		took := waitUntil(t, 30*time.Second, "the standby to take over", func() bool { return isLeader(standby) })
		t.Logf("%s: the standby leads %s after the leader was killed", c.Name, took.Round(time.Millisecond))
		st, _ := standby.status(t)
		waitUntil(t, 10*time.Second, "the new leader to apply", func() bool {
			st, _ = standby.status(t)
			rev, _ := st["lastAppliedRevision"].(string)
			return rev != ""
		})
	})
}
