package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestValidateListsSkippedFiles pins the bug where renaming b.yaml to
// b.yaml.bak or .b.yaml dropped its topics without a word: validate names
// every skipped file and why, and warns about the renamed manifests.
func TestValidateListsSkippedFiles(t *testing.T) {
	dir := repo(t, map[string]string{
		"a.yaml":       topicYAML("a", 1),
		"b.yaml.bak":   topicYAML("b", 1),
		"team/.c.yaml": topicYAML("c", 1),
		"notes.txt":    "notes",
		".git/HEAD":    "ref: refs/heads/main",
	})
	r := kgitops(t, nil, "validate", "--dir", dir)
	wantOut := dir + " is valid: 1 topic(s).\n" +
		"1 warning(s).\n" +
		"Skipped 3 file(s):\n" +
		"  " + dir + "/b.yaml.bak (a renamed manifest? rename it back to b.yaml to load it)\n" +
		"  " + dir + "/notes.txt (not .yaml/.yml)\n" +
		"  " + dir + "/team/.c.yaml (hidden: a manifest? rename it to c.yaml to load it)\n"
	wantErr := "Warning: skipped " + dir + "/b.yaml.bak: a renamed manifest? rename it back to b.yaml to load it\n" +
		"Warning: skipped " + dir + "/team/.c.yaml: hidden: a manifest? rename it to c.yaml to load it\n" +
		"Warning: " + dir + "/a.yaml:7: Topic a: replication factor 1: losing one broker loses the topic's data; set replicationFactor: 3, " +
		"or use profile ephemeral for data that may be lost (rule rf-one-outside-ephemeral)\n"
	if r.code != 0 || r.stdout != wantOut || r.stderr != wantErr {
		t.Errorf("got:\n%s\nwant stdout:\n%s--- and stderr:\n%s", r, wantOut, wantErr)
	}

	r = kgitops(t, nil, "validate", "--dir", dir, "--log-level", "debug")
	for _, f := range []string{"b.yaml.bak", "notes.txt", "team/.c.yaml"} {
		if !strings.Contains(r.stderr, `msg="skipped a file" file=`+dir+"/"+f) {
			t.Errorf("the debug log does not name %s:\n%s", f, r.stderr)
		}
	}
}

// TestValidateListsAtMostSomeSkippedFiles pins that a folder of many other
// files does not flood validate's output; renamed manifests are always
// named.
func TestValidateListsAtMostSomeSkippedFiles(t *testing.T) {
	files := map[string]string{"a.yaml": topicYAML("a", 1), "zz.yaml~": topicYAML("z", 1)}
	for i := range 30 {
		files[filepath.Join("docs", string(rune('a'+i%26))+strings.Repeat("x", i/26)+".md")] = "doc"
	}
	dir := repo(t, files)
	r := kgitops(t, nil, "validate", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "Skipped 31 file(s):\n") ||
		!strings.Contains(r.stdout, dir+"/zz.yaml~ (a renamed manifest?") ||
		!strings.HasSuffix(r.stdout, "  ... and 10 more (--log-level debug lists every one)\n") ||
		strings.Count(r.stdout, "\n  ") != 22 {
		t.Errorf("got:\n%s", r)
	}
}

// TestPlanWarnsAboutRenamedManifests: plan and apply warn on stderr, so
// that -o json stays JSON.
func TestPlanWarnsAboutRenamedManifests(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		dir := repo(t, map[string]string{"a.yaml": topicYAML(kafkatest.Unique("a"), 1), "b.yaml.orig": topicYAML("b", 1)})
		r := kgitops(t, nil, append([]string{"plan", "--dir", dir, "-o", "json"}, clusterArgs(c, kafkatest.Unique("cli"))...)...)
		want := "Warning: skipped " + dir + "/b.yaml.orig: a renamed manifest? rename it back to b.yaml to load it\n"
		if r.code != 0 || !strings.HasPrefix(r.stdout, "{") || !strings.Contains(r.stderr, want) {
			t.Errorf("got:\n%s", r)
		}
	})
}

const secretText = "TOPSECRET-5c1e-hunter2"

// TestLoadNeverPrintsALinkedFile pins the bug where a link
// notes.yaml -> /some/secret made validate print the secret in its error
// (and a pull request's validate runs in CI): validate, plan, apply and
// diff refuse the link at its path, and no output holds the target's
// contents, at any log level.
func TestLoadNeverPrintsALinkedFile(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(root, "secret")
	if err := os.WriteFile(secret, []byte(secretText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := newWorkTree(t)
	w.commit("base", map[string]string{"orders.yaml": topicYAML("orders", 1)})
	dir := filepath.Join(w.dir, "kafka")
	for name, target := range map[string]string{"notes.yaml": secret, "passwd.yaml": "/etc/passwd", "up.yaml": "../../" + filepath.Base(root) + "/secret"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	w.git("add", "-A")
	w.git("commit", "-q", "-m", "links")

	unreachable := []string{"--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s", "--log-level", "debug"}
	runs := map[string][]string{
		"validate": {"validate", "--dir", dir, "--log-level", "debug"},
		"plan":     append([]string{"plan", "--dir", dir}, unreachable...),
		"apply":    append([]string{"apply", "--dir", dir}, unreachable...),
		"diff":     {"diff", "--dir", dir, "--base", "HEAD~1", "--log-level", "debug"},
	}
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			r := kgitops(t, nil, args...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1:\n%s", r.code, r)
			}
			link := dir + "/notes.yaml"
			if name == "diff" {
				link = "kafka/notes.yaml"
			}
			if !strings.Contains(r.stderr, link+`: a symbolic link to "`+secret+`", which leads outside the folder`) {
				t.Errorf("no error at the link:\n%s", r)
			}
			for _, leak := range []string{"TOPSECRET", "hunter2", "root:x:0", "/bin/bash"} {
				if strings.Contains(r.stdout+r.stderr, leak) {
					t.Errorf("the output holds %q:\n%s", leak, r)
				}
			}
		})
	}
}

// TestValidateFIFODoesNotHang pins the bug where a FIFO named x.yaml hung
// validate forever.
func TestValidateFIFODoesNotHang(t *testing.T) {
	dir := repo(t, map[string]string{"a.yaml": topicYAML("a", 1)})
	if err := syscall.Mkfifo(filepath.Join(dir, "x.yaml"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan result, 1)
	go func() { done <- kgitops(t, nil, "validate", "--dir", dir) }()
	select {
	case r := <-done:
		want := dir + "/x.yaml: a named pipe (FIFO), not a regular file (kgitops reads only regular files: remove it, or rename it so that it does not end in .yaml)\n" +
			"Error: 1 problem(s) found in " + dir + "; nothing was applied\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("got:\n%s\nwant stderr:\n%s", r, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("validate hangs on a FIFO")
	}
}

// TestDirTypo pins the bug where --dir ./kafak said "stat .: no such file
// or directory": every command names the folder as it was given.
func TestDirTypo(t *testing.T) {
	t.Chdir(t.TempDir()) // outside any git work tree
	cluster := []string{"--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s"}
	if err := os.WriteFile("orders.yaml", []byte(topicYAML("orders", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--dir", "./kafak"}, "Error: --dir ./kafak: no such directory\n"},
		{append([]string{"plan", "--dir", "./kafak"}, cluster...), "Error: --dir ./kafak: no such directory\n"},
		{append([]string{"apply", "--dir", "./kafak"}, cluster...), "Error: --dir ./kafak: no such directory\n"},
		{[]string{"diff", "--dir", "./kafak", "--base", "main"}, "Error: --dir ./kafak: no such directory\n"},
		{[]string{"validate", "--dir", "orders.yaml"}, "Error: --dir orders.yaml: not a directory (give the folder that holds the YAML files)\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:3], " "), func(t *testing.T) {
			r := kgitops(t, nil, tt.args...)
			if r.code != 1 || r.stderr != tt.want {
				t.Errorf("got:\n%s\nwant stderr:\n%s", r, tt.want)
			}
		})
	}
	// run's own message (run.go) names the folder too.
	r := kgitops(t, nil, append([]string{"run", "--dir", "./kafak"}, cluster...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "./kafak") {
		t.Errorf("run --dir ./kafak:\n%s", r)
	}
}
