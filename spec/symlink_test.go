package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

const secretText = "TOPSECRET-7f3a-hunter2"

const topicDoc = "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: %s}\nspec: {partitions: 1, replicationFactor: 1}\n"

// linkRepo makes a folder repo/ beside a secret file, with files (path ->
// content) and links (path -> target) in repo/. It returns repo/.
func linkRepo(t *testing.T, files, links map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "secret"), []byte(secretText+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "repo")
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range links {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadRefusesLinksOut pins the bug where a link such as
// notes.yaml -> /some/secret made validate print the secret's contents in
// its error: a link that leads out of the folder, or to something that is
// not a regular file, is refused at the link without its target being
// opened.
func TestLoadRefusesLinksOut(t *testing.T) {
	const outside = "kgitops reads only regular files inside the folder it loads: copy the file in, or remove the link"
	tests := []struct {
		name  string
		files map[string]string
		links map[string]string // in the folder; "SECRET" is the secret's absolute path
		want  string
	}{{
		name:  "absolute link to a secret",
		links: map[string]string{"notes.yaml": "SECRET"},
		want:  `notes.yaml: a symbolic link to "SECRET", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "relative link out of the folder",
		links: map[string]string{"team/notes.yml": "../../secret"},
		want:  `team/notes.yml: a symbolic link to "../../secret", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "link to /etc/passwd",
		links: map[string]string{"passwd.yaml": "/etc/passwd"},
		want:  `passwd.yaml: a symbolic link to "/etc/passwd", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "link to /dev/zero",
		links: map[string]string{"zero.yaml": "/dev/zero"},
		want:  `zero.yaml: a symbolic link to "/dev/zero", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "a chain of links that ends outside",
		links: map[string]string{"a.yaml": "b.txt", "b.txt": "sub/c", "sub/c": "../../secret"},
		want:  `a.yaml: a symbolic link to "b.txt", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "a link through a linked directory that leaves",
		links: map[string]string{"up": "..", "a.yaml": "up/secret"},
		want:  `a.yaml: a symbolic link to "up/secret", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "a link that climbs out and back in",
		links: map[string]string{"a.yaml": "../repo/b.txt"},
		files: map[string]string{"b.txt": "x: 1\n"},
		want:  `a.yaml: a symbolic link to "../repo/b.txt", which leads outside the folder (` + outside + `)`,
	}, {
		name:  "link to git's config, which can hold a token",
		files: map[string]string{".git/config": "[http]\n\textraheader = AUTHORIZATION: basic " + secretText + "\n"},
		links: map[string]string{"config.yaml": ".git/config"},
		want:  "config.yaml: a symbolic link to .git/config, a hidden file (kgitops reads no hidden file, such as .git/config: copy the file in, or remove the link)",
	}, {
		name:  "link to a directory",
		files: map[string]string{"topics/a.txt": "x: 1\n"},
		links: map[string]string{"all.yaml": "topics"},
		want:  "all.yaml: a symbolic link to a directory (kgitops does not follow links to directories: name the link without .yaml, or remove it)",
	}, {
		name:  "a loop",
		links: map[string]string{"a.yaml": "b.yaml", "b.yaml": "a.yaml"},
		want: "a.yaml: a symbolic link that leads through more than 40 links (point it straight at a file, or remove it)\n" +
			"b.yaml: a symbolic link that leads through more than 40 links (point it straight at a file, or remove it)",
	}, {
		name:  "a dangling link",
		links: map[string]string{"a.yaml": "gone.yaml"},
		want:  `a.yaml: a symbolic link to "gone.yaml", which does not exist (point it at a file in the folder, or remove it)`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := linkRepo(t, tt.files, nil)
			secret := filepath.Join(filepath.Dir(dir), "secret")
			for p, target := range tt.links {
				full := filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(strings.ReplaceAll(target, "SECRET", secret), full); err != nil {
					t.Fatal(err)
				}
			}
			st, err := Load(dir)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("got %v, %v; want Errors", st, err)
			}
			want := strings.ReplaceAll(tt.want, "SECRET", secret)
			if d := cmp.Diff(want, err.Error()); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
			if strings.Contains(err.Error(), "TOPSECRET") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "root:") {
				t.Errorf("the error shows a target's contents:\n%v", err)
			}
		})
	}
}

// TestLoadFollowsLinksInside pins which links are read: one that leads,
// inside the folder, to a regular file that is not hidden, under the
// link's own name; one to a file the load reads anyway is skipped.
func TestLoadFollowsLinksInside(t *testing.T) {
	dir := linkRepo(t,
		map[string]string{
			"a.yaml":             fmt.Sprintf(topicDoc, "a"),
			"shared/topics.tmpl": "\n" + fmt.Sprintf(topicDoc, "shared"),
		},
		map[string]string{
			"team/shared.yaml": "../via/topics.tmpl", // through a linked directory
			"via":              "shared",
			"again.yaml":       "a.yaml",
			"twice.yaml":       "shared/topics.tmpl",
		})
	st, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tp := range st.Topics {
		got = append(got, tp.Name+" at "+tp.Pos.String())
	}
	if d := cmp.Diff([]string{"a at a.yaml:2", "shared at team/shared.yaml:3"}, got); d != "" {
		t.Errorf("topics (-want +got):\n%s", d)
	}
	wantSkipped := []SkippedFile{
		{Path: "again.yaml", Reason: "a symbolic link to a.yaml, which is loaded already"},
		{Path: "shared/topics.tmpl", Reason: "not .yaml/.yml"},
		{Path: "twice.yaml", Reason: "a symbolic link to shared/topics.tmpl, which is loaded already as team/shared.yaml"},
		{Path: "via", Reason: "a symbolic link to a directory: not followed"},
	}
	if d := cmp.Diff(wantSkipped, st.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
}

// TestLoadLinksWithoutReadLink pins that a file system that cannot say
// where a link leads has its links refused, not followed.
func TestLoadLinksWithoutReadLink(t *testing.T) {
	fsys := noReadLink{fstest.MapFS{
		"a.yaml": {Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink},
	}}
	_, err := LoadFS(fsys)
	want := "a.yaml: a symbolic link, which this file system cannot resolve (copy the file in, or remove the link)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// noReadLink hides MapFS's fs.ReadLinkFS.
type noReadLink struct{ m fstest.MapFS }

func (f noReadLink) Open(name string) (fs.File, error) { return f.m.Open(name) }

// TestLoadMapFSLinks runs the same rules on an fs.FS that is not the
// disk: links in fstest.MapFS, as gitsync's commit trees report them.
func TestLoadMapFSLinks(t *testing.T) {
	link := func(target string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
	}
	fsys := fstest.MapFS{
		"in/a.yaml":      {Data: []byte(fmt.Sprintf(topicDoc, "a"))},
		"in/b.txt":       {Data: []byte(fmt.Sprintf(topicDoc, "b"))},
		"in/b.yaml":      link("b.txt"),
		"in/out.yaml":    link("../../secret"),
		"in/abs.yaml":    link("/etc/passwd"),
		"in/hidden.yaml": link(".env"),
		"in/.env":        {Data: []byte(secretText)},
	}
	sub, err := fs.Sub(fsys, "in")
	if err != nil {
		t.Fatal(err)
	}
	// fs.Sub keeps ReadLinkFS since Go 1.25.
	_, err = LoadFS(sub)
	want := `abs.yaml: a symbolic link to "/etc/passwd", which leads outside the folder (kgitops reads only regular files inside the folder it loads: copy the file in, or remove the link)` + "\n" +
		`hidden.yaml: a symbolic link to .env, a hidden file (kgitops reads no hidden file, such as .git/config: copy the file in, or remove the link)` + "\n" +
		`out.yaml: a symbolic link to "../../secret", which leads outside the folder (kgitops reads only regular files inside the folder it loads: copy the file in, or remove the link)`
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
	delete(fsys, "in/out.yaml")
	delete(fsys, "in/abs.yaml")
	delete(fsys, "in/hidden.yaml")
	st, err := LoadFS(sub)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Topics) != 2 || st.Topics[1].Pos.String() != "b.yaml:2" {
		t.Errorf("topics: %+v", st.Topics)
	}
}
