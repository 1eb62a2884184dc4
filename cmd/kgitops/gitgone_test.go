package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestRunKeepsEnforcingWhenTheRefIsGone pins case 3 of "a daemon that
// never stops enforcing" with a real repository and real processes: the
// branch is deleted on the remote, and a hand-made change is still
// reverted; then the daemon is killed and started again with the branch
// still gone, and it enforces the revision it had accepted, read from its
// git cache.
func TestRunKeepsEnforcingWhenTheRefIsGone(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		g := newGitRepo(t)
		name := kafkatest.Unique("gone")
		doc := topicDoc(name, 1) + "  configs:\n    retention.ms: 3600000\n"
		first := g.commit("first", map[string]*string{"topics.yaml": str(doc)})
		cache, inv := t.TempDir(), kafkatest.Unique("gone")
		args := []string{"--repo", "file://" + g.bare, "--ref", "main", "--path", "kafka",
			"--git-cache-dir", cache, "--bootstrap-servers", strings.Join(c.Bootstrap, ","),
			"--inventory-name", inv, "--interval", "500ms", "--leader-election=false"}
		p := startRun(t, args...)
		waitUntil(t, 30*time.Second, "the first commit applied", func() bool {
			st, ok := p.status(t)
			return ok && st["lastAppliedRevision"] == first
		})

		adm := c.Admin(t)
		retention := func() string {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rcs, err := adm.DescribeTopicConfigs(ctx, name)
			if err != nil {
				return ""
			}
			rc, err := rcs.On(name, nil)
			if err != nil {
				return ""
			}
			for _, cfg := range rc.Configs {
				if cfg.Key == "retention.ms" {
					return cfg.MaybeValue()
				}
			}
			return ""
		}
		drift := func(when string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.ms", Value: kadm.StringPtr("1000")}}, name); err != nil {
				t.Fatal(err)
			}
			took := waitUntil(t, 10*time.Second, "drift reverted "+when, func() bool { return retention() == "3600000" })
			t.Logf("%s: drift reverted %s after the change, %s", c.Name, took.Round(10*time.Millisecond), when)
		}

		g.git(g.bare, "update-ref", "-d", "refs/heads/main")
		waitUntil(t, 10*time.Second, "the missing ref reported", func() bool {
			st, ok := p.status(t)
			return ok && st["errorClass"] == "git_unreachable" && st["enforcedRevision"] == first
		})
		drift("with the ref deleted")

		_ = p.cmd.Process.Kill()
		exit := <-p.done
		p.done <- exit // for the cleanup of startRun
		p = startRun(t, args...)
		waitUntil(t, 30*time.Second, "the cached revision enforced after a restart", func() bool {
			st, ok := p.status(t)
			return ok && st["enforcedRevision"] == first && st["errorClass"] == "git_unreachable"
		})
		drift("after a restart with the ref still deleted")
	})
}
