package spec

import (
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// TestLoadListsSkippedFiles pins the bug where renaming b.yaml to
// b.yaml.bak, b.yaml.orig, b.yaml~ or .b.yaml dropped its topics without
// a word: every skipped file is listed with its reason, and those that
// look like renamed manifests are marked. Hidden directories list nothing.
func TestLoadListsSkippedFiles(t *testing.T) {
	topic := func(name string) *fstest.MapFile {
		return &fstest.MapFile{Data: fmt.Appendf(nil, topicDoc, name)}
	}
	fsys := fstest.MapFS{
		"a.yaml":                      topic("a"),
		"a.yaml.bak":                  topic("a"), // a copy: a.yaml is loaded
		"b.yaml.bak":                  topic("b"),
		"team/c.yaml.orig":            topic("c"),
		"team/d.yml~":                 topic("d"),
		"team/.e.yaml":                topic("e"),
		"f.YAML.OLD":                  topic("f"),
		".g.yaml.swp":                 {Data: []byte{0}},
		"h.yaml.disabled":             topic("h"),
		"i.yml.orig.bak":              topic("i"),
		"notes.txt":                   {Data: []byte("notes")},
		"README.md":                   {Data: []byte("# repo")},
		"archive.bak":                 {Data: []byte("x")},
		".gitignore":                  {Data: []byte("*.bak")},
		".gitlab-ci.yml":              {Data: []byte("stages: [test]")},
		".pre-commit-config.yaml.bak": {Data: []byte("repos: []")},
		".git/HEAD":                   {Data: []byte("ref: refs/heads/main")},
		".git/x.yaml.bak":             topic("x"),
		".hidden/y.yaml":              topic("y"),
		"Makefile":                    {Data: []byte("all:")},
	}
	st, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Topics) != 1 || st.Topics[0].Name != "a" {
		t.Errorf("topics: %+v", st.Topics)
	}
	renamed := func(path, orig string) SkippedFile {
		return SkippedFile{Path: path, Reason: "a renamed manifest? rename it back to " + orig + " to load it", LooksRenamed: true}
	}
	want := []SkippedFile{
		renamed(".g.yaml.swp", "g.yaml"),
		{Path: ".gitignore", Reason: "hidden"},
		{Path: ".gitlab-ci.yml", Reason: "hidden"},
		{Path: ".pre-commit-config.yaml.bak", Reason: "hidden"},
		{Path: "Makefile", Reason: "not .yaml/.yml"},
		{Path: "README.md", Reason: "not .yaml/.yml"},
		{Path: "a.yaml.bak", Reason: "a copy of a.yaml, which is loaded"},
		{Path: "archive.bak", Reason: "not .yaml/.yml"},
		renamed("b.yaml.bak", "b.yaml"),
		renamed("f.YAML.OLD", "f.YAML"),
		renamed("h.yaml.disabled", "h.yaml"),
		renamed("i.yml.orig.bak", "i.yml"),
		{Path: "notes.txt", Reason: "not .yaml/.yml"},
		{Path: "team/.e.yaml", Reason: "hidden: a manifest? rename it to e.yaml to load it", LooksRenamed: true},
		renamed("team/c.yaml.orig", "c.yaml"),
		renamed("team/d.yml~", "d.yml"),
	}
	if d := cmp.Diff(want, st.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
}

func TestRenamedFrom(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"b.yaml.bak", "b.yaml"},
		{"b.yaml~", "b.yaml"},
		{"b.yml.orig", "b.yml"},
		{"b.yaml.backup", "b.yaml"},
		{"b.yaml.save", "b.yaml"},
		{".b.yaml", "b.yaml"},
		{".b.yaml.swp", "b.yaml"},
		{"..b.yaml", "b.yaml"},
		{"b.bak", ""},
		{"b.yaml.tmp", ""},
		{"b.json.bak", ""},
		{".gitlab-ci.yml", ""},
		{".golangci.yml.orig", ""},
		{".yaml", ""},
		{"~", ""},
		{".bak", ""},
	}
	for _, tt := range tests {
		got, ok := renamedFrom(tt.name)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("renamedFrom(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}
