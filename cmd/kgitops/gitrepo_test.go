package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// gitRepo is a bare repository in a temp dir and a work tree that pushes
// to it, as a team's config repo and a developer's clone would be.
type gitRepo struct {
	t          *testing.T
	bare, work string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	g := &gitRepo{t: t, bare: filepath.Join(t.TempDir(), "config.git"), work: t.TempDir()}
	g.git("", "init", "-q", "--bare", "-b", "main", g.bare)
	g.git(g.work, "init", "-q", "-b", "main")
	g.git(g.work, "remote", "add", "origin", g.bare)
	return g
}

func (g *gitRepo) git(dir string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files under kafka/ (nil content removes a file), commits,
// pushes (forced, so history rewrites go through) and returns the SHA.
func (g *gitRepo) commit(msg string, files map[string]*string) string {
	g.t.Helper()
	for p, content := range files {
		full := filepath.Join(g.work, "kafka", p)
		if content == nil {
			_ = os.Remove(full)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(*content), 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
	g.git(g.work, "add", "-A")
	g.git(g.work, "commit", "-q", "--allow-empty", "-m", msg)
	g.git(g.work, "push", "-q", "-f", "origin", "main")
	return g.git(g.work, "rev-parse", "HEAD")
}

func str(s string) *string { return &s }

func topicDoc(name string, partitions int) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: %d\n  replicationFactor: 1\n", name, partitions)
}

// TestRunFromGitRepo runs kgitops run against a local bare repository:
// the first commit is applied, a pushed commit is applied within the
// interval, a bad commit is counted as a failure while the last good state
// stays, and a force-push that rewrites history back is followed.
func TestRunFromGitRepo(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		g := newGitRepo(t)
		name := kafkatest.Unique("gitops")
		first := g.commit("first", map[string]*string{"topics.yaml": str(topicDoc(name, 1)), "README.md": str("not YAML")})
		p := startRun(t, "--repo", "file://"+g.bare, "--ref", "main", "--path", "kafka",
			"--git-cache-dir", t.TempDir(), "--bootstrap-servers", strings.Join(c.Bootstrap, ","),
			"--inventory-name", kafkatest.Unique("gitops"), "--interval", "300ms", "--leader-election=false")
		applied := func(sha string) func() bool {
			return func() bool {
				st, ok := p.status(t)
				return ok && st["lastAppliedRevision"] == sha
			}
		}
		waitUntil(t, 30*time.Second, "the first commit applied", applied(first))

		second := g.commit("grow", map[string]*string{"topics.yaml": str(topicDoc(name, 3))})
		took := waitUntil(t, 10*time.Second, "the pushed commit applied", applied(second))
		t.Logf("%s: a pushed commit was applied %s after the push (interval 300ms)", c.Name, took.Round(time.Millisecond))

		bad := g.commit("bad", map[string]*string{"broken.yaml": str("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: x}\nspec: {partitions: 0, replicationFactor: 1}\n")})
		waitUntil(t, 10*time.Second, "the bad commit reported", func() bool {
			st, ok := p.status(t)
			return ok && st["lastFetchedRevision"] == bad && st["errorClass"] == "spec"
		})
		st, _ := p.status(t)
		if st["lastAppliedRevision"] != second || !strings.Contains(fmt.Sprint(st["lastError"]), "kafka/broken.yaml:4") {
			t.Fatalf("status after a bad commit: %v", st)
		}

		// Rewrite history: reset to the first commit and force-push. The
		// ref moves backwards; the daemon follows it (partitions cannot
		// shrink, so the plan is refused and nothing is applied).
		g.git(g.work, "reset", "-q", "--hard", first)
		g.git(g.work, "push", "-q", "-f", "origin", "main")
		waitUntil(t, 10*time.Second, "the rewound ref followed", func() bool {
			st, ok := p.status(t)
			return ok && st["lastFetchedRevision"] == first && st["errorClass"] == "refused"
		})
		third := g.commit("fix", map[string]*string{"topics.yaml": str(topicDoc(name, 3))})
		waitUntil(t, 10*time.Second, "a commit on the rewritten history applied", applied(third))
	})
}
