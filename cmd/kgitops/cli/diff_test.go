package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// workTree is a git work tree in a temp dir, for offline diffs.
type workTree struct {
	t   *testing.T
	dir string
}

func newWorkTree(t *testing.T) *workTree {
	t.Helper()
	w := &workTree{t: t, dir: t.TempDir()}
	w.git("init", "-q", "-b", "main")
	return w
}

func (w *workTree) git(args ...string) string {
	w.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit applies changes under kafka/ (empty content removes a file; a
// "from=>to" key renames) and commits.
func (w *workTree) commit(msg string, files map[string]string) string {
	w.t.Helper()
	for p, content := range files {
		if from, to, ok := strings.Cut(p, "=>"); ok {
			w.git("mv", filepath.Join("kafka", from), filepath.Join("kafka", to))
			continue
		}
		full := filepath.Join(w.dir, "kafka", p)
		if content == "" {
			w.git("rm", "-q", filepath.Join("kafka", p))
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	w.git("add", "-A")
	w.git("commit", "-q", "-m", msg)
	return w.git("rev-parse", "HEAD")
}

func TestDiffBetweenRefs(t *testing.T) {
	w := newWorkTree(t)
	base := w.commit("base", map[string]string{
		"orders.yaml":   topicYAML("orders", 3, "retention.ms: 86400000"),
		"payments.yaml": topicYAML("payments", 6),
		"legacy.yaml":   topicYAML("legacy", 1),
	})
	w.git("branch", "base")
	head := w.commit("change", map[string]string{
		"orders.yaml":              topicYAML("orders", 3, "retention.ms: 3600000"), // config change
		"legacy.yaml":              "",                                              // delete
		"payments.yaml=>team.yaml": "",                                              // a rename of the file: no change
		"new.yaml":                 topicYAML("fresh", 1),
	})
	run := func(args ...string) result {
		t.Helper()
		return kgitops(t, nil, append([]string{"diff", "--dir", filepath.Join(w.dir, "kafka")}, args...)...)
	}
	r := run("--base", "base", "--detailed-exitcode")
	if r.code != 2 {
		t.Fatalf("diff with changes: want exit 2\n%s", r)
	}
	for _, want := range []string{
		"+ Topic fresh",
		"~ Topic orders\n      # from Topic orders at orders.yaml:2\n    ~ configs.retention.ms: 1d (86400000) → 1h (3600000)",
		"- Topic legacy  (pending: deleted only with --allow-delete)",
		"Plan: 1 to create, 1 to update, 0 to delete, 1 deletion(s) pending --allow-delete,",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, " Topic payments\n") { // a change line, not its warning
		t.Errorf("a renamed file shows as a change:\n%s", r.stdout)
	}
	if r := run("--base", "base", "--fail-on", "destructive"); r.code != ExitDestructive {
		t.Errorf("--fail-on destructive with a deletion: exit %d, want %d\n%s", r.code, ExitDestructive, r)
	}
	if r := run("--base", base, "--head", head, "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"pendingDelete": 1`) {
		t.Errorf("diff -o json:\n%s", r)
	}
	if r := run("--base", "base", "-o", "markdown"); r.code != 0 || !strings.Contains(r.stdout, "<!-- kgitops-plan -->") || !strings.Contains(r.stdout, head[:12]) {
		t.Errorf("diff -o markdown:\n%s", r)
	}
	if r := run("--base", "HEAD", "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("diff of a commit with itself:\n%s", r)
	}

	// An invalid head: exit 1, with file:line relative to the repo.
	w.commit("broken", map[string]string{"orders.yaml": topicYAML("orders", 0)})
	r = run("--base", "base")
	if r.code != 1 || !strings.Contains(r.stderr, "kafka/orders.yaml:6: partitions must be at least 1") {
		t.Fatalf("diff with an invalid head:\n%s", r)
	}
	if r := kgitops(t, nil, "diff", "--dir", w.dir); r.code != 1 || !strings.Contains(r.stderr, "--base is required") {
		t.Errorf("diff without --base:\n%s", r)
	}
}
