package reconcile

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

// liveFixture is the JSON form of a Live value in testdata.
type liveFixture struct {
	Brokers int `json:"brokers"`
	Topics  map[string]struct {
		Partitions        int32             `json:"partitions"`
		ReplicationFactor int16             `json:"replicationFactor"`
		Internal          bool              `json:"internal"`
		Configs           map[string]string `json:"configs"`
	} `json:"topics"`
	Inventory []string `json:"inventory"` // "Kind/name"
}

func loadLive(t *testing.T, path string) *Live {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f liveFixture
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	live := &Live{Brokers: f.Brokers, Topics: map[string]LiveTopic{}, Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for name, lt := range f.Topics {
		cfg := lt.Configs
		if cfg == nil {
			cfg = map[string]string{}
		}
		live.Topics[name] = LiveTopic{Name: name, Partitions: lt.Partitions, ReplicationFactor: lt.ReplicationFactor, Internal: lt.Internal, Configs: cfg}
	}
	for _, k := range f.Inventory {
		kind, name, _ := strings.Cut(k, "/")
		live.Inventory.Entries[ResourceKey{kind, name}] = InventoryEntry{}
	}
	return live
}

// TestDiffGolden runs Diff over testdata/diff/<case>: desired/ is the repo,
// live.json the cluster, options.json the DiffOptions (optional). The
// rendered text and JSON plans must equal want.txt and want.json.
func TestDiffGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/diff/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			desired, err := spec.Load(filepath.Join(dir, "desired"))
			if err != nil {
				t.Fatalf("load desired: %v", err)
			}
			live := loadLive(t, filepath.Join(dir, "live.json"))
			var opts DiffOptions
			if data, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
				if err := json.Unmarshal(data, &opts); err != nil {
					t.Fatal(err)
				}
			}
			plan := Diff(desired, live, opts)
			var text, js bytes.Buffer
			if err := RenderText(&text, plan); err != nil {
				t.Fatal(err)
			}
			if err := RenderJSON(&js, plan); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join(dir, "want.txt"), text.String())
			golden(t, filepath.Join(dir, "want.json"), js.String())

			// Diff is deterministic: a second run gives the same plan.
			again := Diff(desired, live, opts)
			if d := cmp.Diff(plan, again); d != "" {
				t.Errorf("second Diff differs (-first +second):\n%s", d)
			}
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, d)
	}
}
