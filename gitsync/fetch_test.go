package gitsync

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFetchFollowsNewCommits(t *testing.T) {
	tests := []struct {
		name string
		url  func(bare string) string
	}{
		{"file URL", func(bare string) string { return "file://" + bare }},
		{"plain path", func(bare string) string { return bare }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t, map[string]string{"topics.yaml": "one"})
			r, _ := open(t, completed(t, Options{URL: tt.url(rem.bare)}))

			rev := fetch(t, r)
			want := Revision{SHA: rem.head(), Ref: "main", Subject: "first",
				CommitTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			if rev.SHA != want.SHA || rev.Ref != want.Ref || rev.Subject != want.Subject || !rev.CommitTime.Equal(want.CommitTime) {
				t.Fatalf("first Fetch = %+v, want %+v", rev, want)
			}
			assertFile(t, r, rev.SHA, "topics.yaml", "one")

			second := rem.commit("second\n\nbody", map[string]string{"topics.yaml": "two"})
			rem.push("main")
			rev = fetch(t, r)
			if rev.SHA != second || rev.Subject != "second" {
				t.Fatalf("after a new commit, Fetch = %+v, want SHA %s with subject %q", rev, second, "second")
			}
			assertFile(t, r, rev.SHA, "topics.yaml", "two")

			if again := fetch(t, r); again.SHA != second {
				t.Fatalf("Fetch with nothing new = %s, want %s", again.SHA, second)
			}
		})
	}
}

func TestFetchFollowsRewrittenHistory(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	first := rem.head()
	second := rem.commit("second", map[string]string{"a.yaml": "v2"})
	rem.push("main")
	r, _ := open(t, completed(t, Options{URL: rem.bare}))
	if got := fetch(t, r).SHA; got != second {
		t.Fatalf("Fetch = %s, want %s", got, second)
	}

	// A force-push to a commit unrelated to anything fetched before.
	runGit(t, rem.work, "checkout", "-q", "--orphan", "rewrite")
	unrelated := rem.commit("rewritten", map[string]string{"a.yaml": "v3"})
	rem.push("main")
	if got := fetch(t, r).SHA; got != unrelated {
		t.Fatalf("after a force-push, Fetch = %s, want %s", got, unrelated)
	}
	assertFile(t, r, unrelated, "a.yaml", "v3")

	// The branch reset to an older commit the cache already has.
	runGit(t, rem.work, "push", "-q", "-f", "origin", first+":refs/heads/main")
	if got := fetch(t, r).SHA; got != first {
		t.Fatalf("after the branch moved backwards, Fetch = %s, want %s", got, first)
	}
	assertFile(t, r, first, "a.yaml", "v1")
}

func TestFetchTagsAndCommits(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	first := rem.head()
	runGit(t, rem.work, "tag", "light")
	runGit(t, rem.work, "tag", "-a", "-m", "annotated", "v1.0.0")
	runGit(t, rem.work, "push", "-q", "origin", "--tags")
	rem.commit("second", map[string]string{"a.yaml": "v2"})
	rem.push("main")

	tests := []struct {
		ref  string
		want string
	}{
		{"light", first},
		{"v1.0.0", first},
		{"refs/tags/v1.0.0", first},
		{"refs/heads/main", rem.head()},
		{first, first},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r, _ := open(t, completed(t, Options{URL: rem.bare, Ref: tt.ref}))
			rev := fetch(t, r)
			if rev.SHA != tt.want || rev.Ref != tt.ref {
				t.Fatalf("Fetch = %+v, want SHA %s and ref %q", rev, tt.want, tt.ref)
			}
		})
	}
}

func TestFetchMissingRef(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	rem.push("feature")
	r, _ := open(t, completed(t, Options{URL: rem.bare, Ref: "feature"}))
	fetch(t, r)

	// Deleted on the remote: the prune removes it from the cache too.
	runGit(t, rem.work, "push", "-q", "origin", ":feature")
	err := fetchErr(t, r)
	if !IsNotFound(err) || IsAuth(err) || Reason(err) != "not_found" {
		t.Fatalf("Fetch of a deleted branch: IsNotFound=%v IsAuth=%v Reason=%q, want a not-found error: %v", IsNotFound(err), IsAuth(err), Reason(err), err)
	}
	for _, want := range []string{`no branch or tag "feature"`, `"main"`, "--ref"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	missing := strings.Repeat("ab", 20)
	r, _ = open(t, completed(t, Options{URL: rem.bare, Ref: missing}))
	if err := fetchErr(t, r); !IsNotFound(err) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Fetch of an unknown commit: want a not-found error naming it, got %v", err)
	}
}

func TestFetchRecreatesDeletedCache(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	o := completed(t, Options{URL: rem.bare})
	r, _ := open(t, o)
	fetch(t, r)
	if err := os.RemoveAll(o.CacheDir); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, r).SHA; got != rem.head() {
		t.Fatalf("Fetch after the cache was deleted = %s, want %s", got, rem.head())
	}
	if _, err := os.Stat(filepath.Join(o.CacheDir, cacheMarker)); err != nil {
		t.Fatalf("the cache was not recreated: %v", err)
	}
}

func TestFetchRecoversCorruptCache(t *testing.T) {
	garbage := []byte("this is not git\x00\xff")
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
	}{
		{"config", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "config"), garbage) }},
		{"HEAD", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "HEAD"), garbage) }},
		{"branch ref", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "refs", "heads", "main"), garbage) }},
		{"every object", func(t *testing.T, dir string) {
			err := filepath.WalkDir(filepath.Join(dir, "objects"), func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					write(t, p, garbage)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"objects deleted", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "objects")); err != nil {
				t.Fatal(err)
			}
		}},
		{"marker", func(t *testing.T, dir string) { write(t, filepath.Join(dir, cacheMarker), garbage) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t, map[string]string{"a.yaml": "v1"})
			o := completed(t, Options{URL: rem.bare})
			r, _ := open(t, o)
			fetch(t, r)
			tt.corrupt(t, o.CacheDir)

			// Both a running Repo and one opened afresh (a restart) recover.
			for _, r := range []*Repo{r, mustOpen(t, o)} {
				rev := fetch(t, r)
				if rev.SHA != rem.head() {
					t.Fatalf("Fetch = %s, want %s", rev.SHA, rem.head())
				}
				assertFile(t, r, rev.SHA, "a.yaml", "v1")
			}
		})
	}
}

func TestFetchUnreachableRepoComesBack(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	o := completed(t, Options{URL: "file://" + rem.bare})
	r, log := open(t, o)
	first := fetch(t, r)

	moved := rem.bare + ".away"
	if err := os.Rename(rem.bare, moved); err != nil {
		t.Fatal(err)
	}
	err := fetchErr(t, r)
	if Reason(err) == "cache" || IsAuth(err) {
		t.Fatalf("Fetch of a vanished repository: Reason=%q IsAuth=%v, want a remote failure: %v", Reason(err), IsAuth(err), err)
	}
	if !strings.Contains(err.Error(), rem.bare) {
		t.Errorf("error %q does not name the repository", err)
	}
	if strings.Contains(log.String(), "cloning again") {
		t.Errorf("an unreachable repository made the cache be cloned again:\n%s", log)
	}
	// The cache still serves the last revision.
	assertFile(t, r, first.SHA, "a.yaml", "v1")

	if err := os.Rename(moved, rem.bare); err != nil {
		t.Fatal(err)
	}
	next := rem.commit("second", map[string]string{"a.yaml": "v2"})
	rem.push("main")
	if got := fetch(t, r).SHA; got != next {
		t.Fatalf("Fetch after the repository came back = %s, want %s", got, next)
	}
}

func TestOpenRefusesForeignDirectory(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious.txt")
	write(t, precious, []byte("keep me"))
	o := completed(t, Options{URL: rem.bare, CacheDir: dir})
	_, err := Open(o, nil)
	if err == nil || !strings.Contains(err.Error(), "--git-cache-dir") {
		t.Fatalf("Open on a directory holding other files: want an error naming --git-cache-dir, got %v", err)
	}
	if _, err := os.Stat(precious); err != nil {
		t.Fatalf("Open deleted a file it did not own: %v", err)
	}
}

func TestOpenWithoutComplete(t *testing.T) {
	if _, err := Open(Options{URL: "/nowhere"}, nil); err == nil {
		t.Fatal("Open of options never completed: want an error")
	}
}

func TestCacheSwitchesToAnotherRepository(t *testing.T) {
	one := newRemote(t, map[string]string{"a.yaml": "one"})
	two := newRemote(t, map[string]string{"a.yaml": "two"})
	dir := filepath.Join(t.TempDir(), "cache")
	r, _ := open(t, completed(t, Options{URL: one.bare, CacheDir: dir}))
	fetch(t, r)
	r, _ = open(t, completed(t, Options{URL: two.bare, CacheDir: dir}))
	rev := fetch(t, r)
	if rev.SHA != two.head() {
		t.Fatalf("Fetch = %s, want the second repository's %s", rev.SHA, two.head())
	}
	if _, err := r.Resolve(one.head()); !IsNotFound(err) {
		t.Fatalf("the first repository's commit is still in the cache: Resolve error = %v", err)
	}
}

func mustOpen(t *testing.T, o Options) *Repo {
	t.Helper()
	r, _ := open(t, o)
	return r
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertFile checks that file name of commit sha holds want.
func assertFile(t *testing.T, r *Repo, sha, name, want string) {
	t.Helper()
	fsys, err := r.Files(sha, "")
	if err != nil {
		t.Fatalf("Files(%s): %v", sha, err)
	}
	got, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatalf("ReadFile(%s): %v", name, err)
	}
	if string(got) != want {
		t.Fatalf("%s at %s = %q, want %q", name, sha[:12], got, want)
	}
}

func TestFetchClonesAgainAfterAFailedRead(t *testing.T) {
	rem := newRemote(t, map[string]string{"a.yaml": strings.Repeat("v1 ", 100)})
	o := completed(t, Options{URL: rem.bare})
	r, log := open(t, o)
	rev := fetch(t, r)
	fsys, err := r.Files(rev.SHA, "")
	if err != nil {
		t.Fatal(err)
	}
	packs, err := filepath.Glob(filepath.Join(o.CacheDir, "objects", "pack", "*.pack"))
	if err != nil || len(packs) == 0 {
		t.Fatalf("no pack in the cache: %v", err)
	}
	for _, p := range packs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := 12; i < len(data)-20; i++ { // keep the header and checksum
			data[i] = 0xff
		}
		write(t, p, data)
	}
	if _, err := fs.ReadFile(fsys, "a.yaml"); err == nil || Reason(err) != "cache" {
		t.Fatalf("ReadFile from a damaged pack: error = %v (Reason %q), want a cache error", err, Reason(err))
	}
	if got := fetch(t, r).SHA; got != rev.SHA {
		t.Fatalf("Fetch = %s, want %s", got, rev.SHA)
	}
	if !strings.Contains(log.String(), "git cache failed a read; deleting it and cloning again") {
		t.Fatalf("Fetch did not clone again after a failed read:\n%s", log)
	}
	assertFile(t, r, rev.SHA, "a.yaml", strings.Repeat("v1 ", 100))
}
