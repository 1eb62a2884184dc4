package spec

import (
	"testing"
	"testing/fstest"
)

func TestHashFS(t *testing.T) {
	topic := "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: a\nspec:\n  partitions: 1\n  replicationFactor: 1\n"
	base := fstest.MapFS{"a.yaml": {Data: []byte(topic)}, "README.md": {Data: []byte("hi")}}
	hash := func(fsys fstest.MapFS) string {
		t.Helper()
		h, err := HashFS(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	want := hash(base)
	tests := []struct {
		name string
		fsys fstest.MapFS
		same bool
	}{
		{"same files", fstest.MapFS{"a.yaml": {Data: []byte(topic)}, "README.md": {Data: []byte("hi")}}, true},
		{"a skipped file changed", fstest.MapFS{"a.yaml": {Data: []byte(topic)}, "README.md": {Data: []byte("other")}}, true},
		{"a byte changed", fstest.MapFS{"a.yaml": {Data: []byte(topic + "#")}}, false},
		{"renamed", fstest.MapFS{"b.yaml": {Data: []byte(topic)}}, false},
		{"a file added", fstest.MapFS{"a.yaml": {Data: []byte(topic)}, "b.yml": {Data: []byte("")}}, false},
		{"bytes moved between files", fstest.MapFS{"a.yaml": {Data: []byte(topic[:10])}, "b.yaml": {Data: []byte(topic[10:])}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hash(tt.fsys); (got == want) != tt.same {
				t.Errorf("hash %s, base %s: want same=%v", got, want, tt.same)
			}
		})
	}
}
