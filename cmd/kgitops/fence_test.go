package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// The leader is paused (SIGSTOP) in the middle of an apply: in its first
// of two create batches. The standby takes the lead after the session timeout and
// applies the rest. When the old leader resumes it still believes it
// leads, but the group coordinator refuses its generation: it stops
// before its next batch, says so, and reports no failed change (without
// the fence it would create topics the new leader created, and fail on
// each). The repo is then applied exactly: a plan is empty.
func TestLeaderPausedMidApplyIsFenced(t *testing.T) {
	// kfake, so that the pause lands exactly inside the apply: when the
	// leader's first CreateTopics batch arrives, the broker stops the
	// leader's process before answering.
	c := kafkatest.NewFake(t)
	// 3,000 topics of 3 overrides: 5 metadata records each, so two
	// CreateTopics batches of at most 8,000 records.
	const topics = 3000
	prefix := kafkatest.Unique("fenced")
	dir := t.TempDir()
	var b strings.Builder
	for i := range topics {
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s-%04d\nspec:\n  partitions: 1\n  replicationFactor: 1\n  profile: ephemeral\n", prefix, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "topics.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := reconcile.InventoryRef{Name: kafkatest.Unique("fenced")}
	args := []string{"--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--interval", "1s",
		"--inventory-name", inv.Name, "--leader-topic", kafkatest.Unique("__kgitops_leader"),
		"--leader-session-timeout", "6s", "--log-level", "info"}
	a, bb := startRun(t, args...), startRun(t, args...)
	isLeader := func(p *proc) bool {
		st, ok := p.status(t)
		return ok && st["leader"] == true
	}
	var paused atomic.Pointer[proc]
	c.Fake.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		ours := false
		for _, rt := range req.(*kmsg.CreateTopicsRequest).Topics {
			ours = ours || strings.HasPrefix(rt.Topic, prefix)
		}
		if !ours || paused.Load() != nil {
			return nil, nil, false
		}
		for _, p := range []*proc{a, bb} {
			if isLeader(p) {
				if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
					t.Error(err)
				}
				paused.Store(p)
			}
		}
		return nil, nil, false // answered as usual: the paused leader reads it when it resumes
	})
	waitUntil(t, 60*time.Second, "the leader paused in its first create batch", func() bool { return paused.Load() != nil })
	leader := paused.Load()
	standby := a
	if leader == a {
		standby = bb
	}
	took := waitUntil(t, 60*time.Second, "the standby to take the lead", func() bool { return isLeader(standby) })
	t.Logf("the standby leads %s after the pause", took.Round(time.Millisecond))
	waitUntil(t, 120*time.Second, "the new leader to apply", func() bool {
		st, _ := standby.status(t)
		rev, _ := st["lastAppliedRevision"].(string)
		return rev != ""
	})
	if err := leader.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "the old leader to stop at the fence", func() bool {
		return strings.Contains(leader.out.String(), "lost the lead in the middle of an apply")
	})
	time.Sleep(time.Second) // let it record and log what it did
	for _, line := range strings.Split(leader.out.String(), "\n") {
		if strings.Contains(line, "lost the lead") {
			t.Logf("the old leader: %s", line)
		}
	}
	if out := leader.out.String(); strings.Contains(out, "change failed") {
		t.Errorf("the old leader wrote after losing the lead:\n%s", out)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	plan := exec.Command(self, "plan", "--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--inventory-name", inv.Name,
		"--detailed-exitcode", "--timeout", "60s")
	plan.Env = append(os.Environ(), "KGITOPS_TEST_MAIN=1")
	if out, err := plan.CombinedOutput(); err != nil {
		t.Errorf("plan after the failover: %v\n%s", err, out)
	}
}
