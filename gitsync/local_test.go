package gitsync

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenLocalResolve(t *testing.T) {
	rem := newRemote(t, map[string]string{"envs/prod/topics.yaml": "v1"})
	first := rem.head()
	runGit(t, rem.work, "tag", "-a", "-m", "release", "v1")
	second := rem.commit("second", map[string]string{"envs/prod/topics.yaml": "v2"})
	rem.push("main")
	runGit(t, rem.work, "fetch", "-q", "origin")
	runGit(t, rem.work, "checkout", "-q", "-b", "feature")
	third := rem.commit("third", map[string]string{"envs/prod/topics.yaml": "v3"})

	// Opened from a subdirectory, as `kgitops diff` run inside envs/prod.
	r, err := OpenLocal(filepath.Join(rem.work, "envs", "prod"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rev     string
		want    string
		subject string
		content string
	}{
		{"HEAD", third, "third", "v3"},
		{"HEAD~1", second, "second", "v2"},
		{"HEAD^^", first, "first", "v1"},
		{"main", second, "second", "v2"},
		{"origin/main", second, "second", "v2"},
		{"feature", third, "third", "v3"},
		{"v1", first, "first", "v1"},
		{first, first, "first", "v1"},
		{first[:10], first, "first", "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.rev, func(t *testing.T) {
			rev, err := r.Resolve(tt.rev)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if rev.SHA != tt.want || rev.Ref != tt.rev || rev.Subject != tt.subject {
				t.Fatalf("Resolve = %+v, want SHA %s, ref %q, subject %q", rev, tt.want, tt.rev, tt.subject)
			}
			fsys, err := r.Files(rev.SHA, "envs/prod")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := fs.ReadFile(fsys, "topics.yaml"); err != nil || string(got) != tt.content {
				t.Fatalf("topics.yaml = %q, %v; want %q", got, err, tt.content)
			}
		})
	}

	for _, bad := range []string{"nope", "HEAD~9", strings.Repeat("0", 40), "main..feature"} {
		if _, err := r.Resolve(bad); !IsNotFound(err) || !strings.Contains(err.Error(), bad) {
			t.Errorf("Resolve(%q) error = %v, want a not-found error naming it", bad, err)
		}
	}
	if _, err := r.Fetch(context.Background()); err == nil {
		t.Error("Fetch of a local repository: want an error")
	}
}

func TestOpenLocalBareAndLinkedWorktree(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	linked := filepath.Join(t.TempDir(), "linked")
	runGit(t, rem.work, "worktree", "add", "-q", "-b", "other", linked)
	for _, dir := range []string{rem.bare, linked} {
		r, err := OpenLocal(dir)
		if err != nil {
			t.Fatalf("OpenLocal(%s): %v", dir, err)
		}
		rev, err := r.Resolve("main")
		if err != nil || rev.SHA != rem.head() {
			t.Fatalf("OpenLocal(%s).Resolve(main) = %+v, %v; want %s", dir, rev, err, rem.head())
		}
	}
}

func TestOpenLocalOutsideARepository(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := OpenLocal(filepath.Join(dir, "sub"))
	if !IsNotFound(err) || !strings.Contains(err.Error(), "no git repository") {
		t.Fatalf("OpenLocal outside a repository: error = %v, want not found", err)
	}
}
