package spec

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestPlacementPosition pins where a topic's placement was written: its
// Pos and PosOf("placement") name the placement: line.
func TestPlacementPosition(t *testing.T) {
	doc := "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\nspec:\n  partitions: 1\n  replicationFactor: 2\n  placement:\n    static: [[2, 1]]\n"
	st, err := LoadFS(fstest.MapFS{"t.yaml": {Data: []byte(doc)}})
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := st.Topic("t")
	want := Pos{File: "t.yaml", Line: 7}
	if tp.Placement == nil || tp.Placement.Pos != want || tp.PosOf("placement") != want {
		t.Errorf("placement %+v at %v, want it at %v", tp.Placement, tp.PosOf("placement"), want)
	}
}

// TestPlacementIsTopicOnly pins that a TopicProfile takes no placement:
// broker ids and racks belong to one topic.
func TestPlacementIsTopicOnly(t *testing.T) {
	doc := "apiVersion: kgitops.io/v1alpha1\nkind: TopicProfile\nmetadata: {name: p}\nspec:\n  replicationFactor: 3\n  placement: rack-aware\n"
	_, err := LoadFS(fstest.MapFS{"p.yaml": {Data: []byte(doc)}})
	if err == nil || !strings.Contains(err.Error(), `p.yaml:6: unknown field "placement" in spec`) {
		t.Errorf("got %v, want placement refused on a TopicProfile", err)
	}
}
