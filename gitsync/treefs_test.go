package gitsync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// treeFiles is a repository with YAML under envs/, links, a file that is
// not YAML, and a hidden directory.
var treeFiles = map[string]string{
	"README.md":                    "# config\n",
	"envs/prod/topics.yaml":        "prod topics\n",
	"envs/prod/acls/team-a.yml":    "team a\n",
	"envs/prod/.hidden/skip.yaml":  "hidden\n",
	"envs/prod/run.sh":             "#!/bin/sh\n",
	"envs/prod/shared.yaml":        "->../../shared/common.yaml",
	"envs/prod/shared-dir":         "->../../shared",
	"envs/prod/escape.yaml":        "->../../../outside.yaml",
	"envs/prod/loop.yaml":          "->loop.yaml",
	"envs/staging/topics.yaml":     "staging topics\n",
	"shared/common.yaml":           "common\n",
	"envs/prod/deep/a/b/c/d.yaml":  "deep\n",
	"envs/prod/deep/a/b/c/e.yaml":  "deeper\n",
	"envs/prod/deep/a/b/readme.md": "not yaml\n",
}

func treeRepo(t *testing.T) (*Repo, string) {
	t.Helper()
	rem := newRemote(t, treeFiles)
	if err := os.Chmod(filepath.Join(rem.work, "envs", "prod", "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	rem.commit("chmod", nil)
	rem.push("main")
	r, _ := open(t, completed(t, Options{URL: rem.bare}))
	return r, fetch(t, r).SHA
}

func TestFilesSubdirWalk(t *testing.T) {
	r, sha := treeRepo(t)
	fsys, err := r.Files(sha, "envs/prod")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != "." {
			return fs.SkipDir
		}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") {
			got = append(got, p+" "+d.Type().String())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WalkDir: %v", err)
	}
	want := []string{
		"acls/team-a.yml ----------",
		"deep/a/b/c/d.yaml ----------",
		"deep/a/b/c/e.yaml ----------",
		"escape.yaml L---------",
		"loop.yaml L---------",
		"shared.yaml L---------",
		"topics.yaml ----------",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("WalkDir found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	tests := []struct {
		name    string
		want    string
		wantErr string
	}{
		{name: "topics.yaml", want: "prod topics\n"},
		{name: "acls/team-a.yml", want: "team a\n"},
		{name: "shared.yaml", want: "common\n"},
		{name: "shared-dir/common.yaml", want: "common\n"},
		{name: "escape.yaml", wantErr: "read escape.yaml: symbolic link points outside the repository"},
		{name: "loop.yaml", wantErr: "read loop.yaml: too many levels of symbolic links"},
		{name: "nope.yaml", wantErr: "read nope.yaml: file does not exist"},
		{name: "acls", wantErr: "read acls: is a directory"},
		{name: "../staging/topics.yaml", wantErr: "read ../staging/topics.yaml: invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fs.ReadFile(fsys, tt.name)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ReadFile = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("ReadFile = %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	info, err := fs.Stat(fsys, "run.sh")
	if err != nil || info.Mode() != 0o555 || info.Size() != int64(len("#!/bin/sh\n")) || info.Name() != "run.sh" {
		t.Fatalf("Stat(run.sh) = %v, %v; want an executable of 10 bytes", info, err)
	}
	if _, err := fs.Stat(fsys, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat(missing) error = %v, want fs.ErrNotExist", err)
	}
}

// TestFilesIsAValidFS runs the standard library's checks of an fs.FS,
// on the whole tree and on a subdirectory.
func TestFilesIsAValidFS(t *testing.T) {
	r, sha := treeRepo(t)
	tests := []struct {
		subdir   string
		badLinks bool
		want     []string
	}{
		{"", true, []string{"README.md", "envs/prod/topics.yaml", "envs/staging/topics.yaml", "shared/common.yaml"}},
		{"./envs/prod/", true, []string{"topics.yaml", "acls/team-a.yml", "run.sh", "deep/a/b/c/d.yaml"}},
		{"envs/prod/shared-dir", false, []string{"common.yaml"}},
		{"envs/prod/deep", false, []string{"a/b/c/d.yaml", "a/b/c/e.yaml", "a/b/readme.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.subdir, func(t *testing.T) {
			fsys, err := r.Files(sha, tt.subdir)
			if err != nil {
				t.Fatal(err)
			}
			if tt.badLinks {
				// fstest reads every file, and some links are meant
				// to fail: check a view without them.
				fsys = withoutBadLinks{fsys}
			}
			if err := fstest.TestFS(fsys, tt.want...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// withoutBadLinks hides the links that cannot be read.
type withoutBadLinks struct{ fs.FS }

func (w withoutBadLinks) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, "escape.yaml") || strings.HasSuffix(name, "loop.yaml") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := w.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if d, ok := f.(fs.ReadDirFile); ok {
		return filteredDir{d}, nil
	}
	return f, nil
}

func (w withoutBadLinks) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(w.FS, name) }
func (w withoutBadLinks) ReadLink(name string) (string, error)   { return fs.ReadLink(w.FS, name) }
func (w withoutBadLinks) Stat(name string) (fs.FileInfo, error)  { return fs.Stat(w.FS, name) }
func (w withoutBadLinks) ReadFile(name string) ([]byte, error)   { return fs.ReadFile(w.FS, name) }

type filteredDir struct{ fs.ReadDirFile }

func (d filteredDir) ReadDir(n int) ([]fs.DirEntry, error) {
	all, err := d.ReadDirFile.ReadDir(n)
	var out []fs.DirEntry
	for _, e := range all {
		if e.Name() != "escape.yaml" && e.Name() != "loop.yaml" {
			out = append(out, e)
		}
	}
	return out, err
}

func TestFilesMissingSubdir(t *testing.T) {
	r, sha := treeRepo(t)
	tests := []struct {
		subdir string
		want   string
	}{
		{"envs/qa", `subdirectory "envs/qa" of commit ` + sha[:12] + `: no such directory in the commit`},
		{"README.md", `subdirectory "README.md" of commit ` + sha[:12] + `: it is a file, not a directory`},
		{"../../etc", `subdirectory "etc" of commit ` + sha[:12] + `: no such directory in the commit`},
	}
	for _, tt := range tests {
		t.Run(tt.subdir, func(t *testing.T) {
			_, err := r.Files(sha, tt.subdir)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !IsNotFound(err) {
				t.Fatalf("Files(%q) error = %v, want a not-found error saying %q", tt.subdir, err, tt.want)
			}
		})
	}
	if _, err := r.Files("main", ""); err == nil || !IsNotFound(err) {
		t.Fatalf("Files with a branch name instead of a SHA: error = %v, want not found", err)
	}
	if _, err := r.Files(strings.Repeat("0", 40), ""); err == nil || !IsNotFound(err) {
		t.Fatalf("Files of a commit the repository lacks: error = %v, want not found", err)
	}
}

// TestFilesWhileFetching reads a revision's files from several goroutines
// while fetches run, for the race detector.
func TestFilesWhileFetching(t *testing.T) {
	r, sha := treeRepo(t)
	fsys, err := r.Files(sha, "envs/prod")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := fs.ReadFile(fsys, "topics.yaml"); err != nil {
					t.Error(err)
					return
				}
				if _, err := fs.ReadDir(fsys, "deep/a/b"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 3 {
		fetch(t, r)
	}
	wg.Wait()
}
