package soak

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
)

// aclRule is one ALLOW binding on a topic, from any host.
type aclRule struct {
	topic   string
	pattern kadm.ACLPattern
	op      kadm.ACLOperation
}

// model is the desired state the soak's repo declares: what the cluster
// must match once every drift is reverted and every push applied. Pushes
// change only the first fifth of the base topics and add topics of their
// own; drift is injected only into the rest, so a drift's expected state
// never moves under its check.
type model struct {
	prefix string

	mu     sync.Mutex
	topics map[string]map[string]string  // topic → overrides
	base   []string                      // the initial topics, in order
	added  []string                      // topics pushes added
	acls   map[string][]aclRule          // principal → its bindings
	quotas map[string]map[string]float64 // user → quota values
	pushes int
}

const (
	soakPrincipals  = 20
	soakQuotaUsers  = 20
	pushChanges     = 50 // topics whose retention.ms a push changes
	pushAdds        = 5  // topics a push adds
	topicsPerFile   = 100
	segmentBytes    = "104857600"
	unmanagedConfig = "segment.ms" // the override drift adds and kgitops removes
)

func newModel(prefix string, topics int) *model {
	m := &model{prefix: prefix, topics: map[string]map[string]string{}, acls: map[string][]aclRule{}, quotas: map[string]map[string]float64{}}
	for i := range topics {
		name := fmt.Sprintf("%s-t-%05d", prefix, i)
		m.base = append(m.base, name)
		m.topics[name] = map[string]string{"retention.ms": fmt.Sprint(86400000 + i), "segment.bytes": segmentBytes}
	}
	for i := range soakPrincipals {
		app := fmt.Sprintf("%s-app-%02d", prefix, i)
		m.acls["User:"+app] = []aclRule{
			{app, kadm.ACLPatternLiteral, kadm.OpRead},
			{app, kadm.ACLPatternLiteral, kadm.OpDescribe},
			{app + "-", kadm.ACLPatternPrefixed, kadm.OpWrite},
		}
	}
	for i := range soakQuotaUsers {
		m.quotas[fmt.Sprintf("%s-q-%02d", prefix, i)] = map[string]float64{"producer_byte_rate": float64(1048576 + i), "consumer_byte_rate": float64(2097152 + i)}
	}
	return m
}

// driftTopics are the topics drift may touch: pushes never change them.
func (m *model) driftTopics() []string { return m.base[len(m.base)/5:] }

func (m *model) principals() []string { return slices.Sorted(maps.Keys(m.acls)) }
func (m *model) quotaUsers() []string { return slices.Sorted(maps.Keys(m.quotas)) }

// topic returns a copy of a topic's desired overrides.
func (m *model) topic(name string) map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.topics[name])
}

// allTopics returns a copy of every topic's desired overrides.
func (m *model) allTopics() map[string]map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]map[string]string, len(m.topics))
	for k, v := range m.topics {
		out[k] = maps.Clone(v)
	}
	return out
}

// push changes retention.ms of pushChanges topics of the first fifth
// (a window that moves with each push) and adds pushAdds topics. It
// returns the names of both.
func (m *model) push() (changed, added []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pushes++
	window := max(1, len(m.base)/5)
	for j := range min(pushChanges, window) {
		i := (m.pushes*pushChanges + j) % window
		name := m.base[i]
		m.topics[name]["retention.ms"] = fmt.Sprint(3600000*(m.pushes+1) + i)
		changed = append(changed, name)
	}
	for j := range pushAdds {
		name := fmt.Sprintf("%s-p%03d-%d", m.prefix, m.pushes, j)
		m.topics[name] = map[string]string{"retention.ms": fmt.Sprint(7200000 + j), "segment.bytes": segmentBytes}
		m.added = append(m.added, name)
		added = append(added, name)
	}
	return changed, added
}

// write writes the repo's files under dir (replacing what was there).
func (m *model) write(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "topics"), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	topic := func(name string) {
		c := m.topics[name]
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: %s}\nspec:\n  partitions: 1\n  replicationFactor: 1\n  configs:\n    retention.ms: %s\n    segment.bytes: %s\n",
			name, c["retention.ms"], c["segment.bytes"])
	}
	flush := func(path string) error {
		defer b.Reset()
		return os.WriteFile(filepath.Join(dir, path), []byte(b.String()), 0o644)
	}
	for i, name := range m.base {
		topic(name)
		if (i+1)%topicsPerFile == 0 || i == len(m.base)-1 {
			if err := flush(fmt.Sprintf("topics/base-%04d.yaml", i/topicsPerFile)); err != nil {
				return err
			}
		}
	}
	for _, name := range m.added {
		topic(name)
	}
	if err := flush("topics/pushed.yaml"); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(m.acls)) {
		rules := m.acls[p]
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: ACL\nmetadata: {name: %s}\nspec:\n  principal: %s\n  rules:\n", strings.TrimPrefix(p, "User:"), p)
		fmt.Fprintf(&b, "    - resource: {type: topic, name: %s, patternType: literal}\n      operations: [read, describe]\n", rules[0].topic)
		fmt.Fprintf(&b, "    - resource: {type: topic, name: %s, patternType: prefixed}\n      operations: [write]\n", rules[2].topic)
	}
	if err := flush("acls.yaml"); err != nil {
		return err
	}
	for _, u := range slices.Sorted(maps.Keys(m.quotas)) {
		q := m.quotas[u]
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Quota\nmetadata: {name: %s}\nspec:\n  user: %s\n  values: {producer_byte_rate: %.0f, consumer_byte_rate: %.0f}\n",
			u, u, q["producer_byte_rate"], q["consumer_byte_rate"])
	}
	return flush("quotas.yaml")
}

// gitRepo is a bare repository (what the daemon pulls, over file://) and
// a work tree that pushes to it.
type gitRepo struct {
	bare, work string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	g := &gitRepo{bare: filepath.Join(t.TempDir(), "config.git"), work: t.TempDir()}
	for _, args := range [][]string{
		{"init", "-q", "--bare", "-b", "main", g.bare},
		{"-C", g.work, "init", "-q", "-b", "main"},
		{"-C", g.work, "remote", "add", "origin", g.bare},
	} {
		if _, err := git(args...); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// commit writes m under kafka/, commits, pushes and returns the SHA.
func (g *gitRepo) commit(m *model, msg string) (string, error) {
	if err := m.write(filepath.Join(g.work, "kafka")); err != nil {
		return "", err
	}
	for _, args := range [][]string{
		{"-C", g.work, "add", "-A"},
		{"-C", g.work, "commit", "-q", "-m", msg},
		{"-C", g.work, "push", "-q", "origin", "main"},
	} {
		if _, err := git(args...); err != nil {
			return "", err
		}
	}
	return git("-C", g.work, "rev-parse", "HEAD")
}

func git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=soak", "GIT_AUTHOR_EMAIL=soak@example.com",
		"GIT_COMMITTER_NAME=soak", "GIT_COMMITTER_EMAIL=soak@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}
