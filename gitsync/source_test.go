package gitsync

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestOneRepoIsOneSourceWhateverTheURL(t *testing.T) {
	want := "git:github.com/acme/kafka-config//kafka"
	for _, u := range []string{
		"https://github.com/acme/kafka-config.git",
		"https://x-access-token:s3cr3t@github.com/acme/kafka-config",
		"ssh://git@github.com:22/acme/kafka-config.git",
		"git@github.com:acme/kafka-config.git",
		"https://GitHub.com/acme/kafka-config/",
	} {
		if got := SourceID(u, "kafka/"); got != want {
			t.Errorf("SourceID(%q) = %q, want %q", u, got, want)
		}
	}
	if got := SourceID("https://github.com/acme/kafka-config", "."); got != "git:github.com/acme/kafka-config//" {
		t.Errorf("repo root: %q", got)
	}
}

func TestDirSourceIDOfAWorkTree(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if got := DirSourceID(dir); got != "dir:"+dir {
		t.Errorf("a plain folder: %q", got)
	}
	run("init", "-q")
	run("remote", "add", "origin", "git@github.com:acme/kafka-config.git")
	run("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x")
	if err := os.MkdirAll(filepath.Join(dir, "kafka"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := DirSourceID(filepath.Join(dir, "kafka")); got != "git:github.com/acme/kafka-config//kafka" {
		t.Errorf("a folder of a work tree: %q", got)
	}
}
