package reconcile

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

// liveFixture is the JSON form of a Live value in testdata.
type liveFixture struct {
	Brokers           int     `json:"brokers"`
	RegisteredBrokers int     `json:"registeredBrokers"`
	DownBrokers       []int32 `json:"downBrokers"`
	Topics            map[string]struct {
		Partitions        int32             `json:"partitions"`
		ReplicationFactor int16             `json:"replicationFactor"`
		Internal          bool              `json:"internal"`
		Configs           map[string]string `json:"configs"`
		Assignment        []LivePartition   `json:"assignment"`
	} `json:"topics"`
	Inventory []string `json:"inventory"` // "Kind/name"
	// InventoryEntries holds entries with more than a name ("Kind/name").
	InventoryEntries map[string]InventoryEntry `json:"inventoryEntries"`
	ACLs             []spec.ACLEntry           `json:"acls"`
	Quotas           []struct {
		Entity spec.QuotaEntity   `json:"entity"`
		Values map[string]float64 `json:"values"`
	} `json:"quotas"`
	Users map[string][]ScramCredential `json:"users"`
	// Cluster is Live.Cluster, for the checks against the cluster.
	Cluster *ClusterInfo `json:"cluster"`
}

// optionsFixture is options.json: DiffOptions plus passwords in clear.
type optionsFixture struct {
	AllowDelete   bool
	IgnoreConfigs []string
	Passwords     map[string]string
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
	live := &Live{Brokers: f.Brokers, RegisteredBrokers: f.RegisteredBrokers, DownBrokers: f.DownBrokers, Cluster: f.Cluster,
		Topics: map[string]LiveTopic{}, Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for name, lt := range f.Topics {
		cfg := lt.Configs
		if cfg == nil {
			cfg = map[string]string{}
		}
		live.Topics[name] = LiveTopic{Name: name, Partitions: lt.Partitions, ReplicationFactor: lt.ReplicationFactor, Internal: lt.Internal, Configs: cfg, Assignment: lt.Assignment}
	}
	for _, k := range f.Inventory {
		kind, name, _ := strings.Cut(k, "/")
		live.Inventory.Entries[ResourceKey{kind, name}] = InventoryEntry{}
	}
	for k, e := range f.InventoryEntries {
		kind, name, _ := strings.Cut(k, "/")
		live.Inventory.Entries[ResourceKey{kind, name}] = e
	}
	if f.ACLs != nil {
		live.ACLs = map[spec.ACLEntry]bool{}
		for _, a := range f.ACLs {
			live.ACLs[a] = true
		}
	}
	if f.Quotas != nil {
		live.Quotas = map[string]LiveQuota{}
		for _, q := range f.Quotas {
			live.Quotas[q.Entity.String()] = LiveQuota{Entity: q.Entity, Values: q.Values}
		}
	}
	live.Users = f.Users
	return live
}

// TestDiffGolden runs Diff over testdata/diff/<case>: desired/ is the repo,
// live.json the cluster, options.json the DiffOptions (optional). The
// rendered text, JSON and markdown plans must equal want.txt, want.json
// and want.md.
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
			var of optionsFixture
			if data, err := os.ReadFile(filepath.Join(dir, "options.json")); err == nil {
				if err := json.Unmarshal(data, &of); err != nil {
					t.Fatal(err)
				}
			}
			opts := DiffOptions{AllowDelete: of.AllowDelete, IgnoreConfigs: of.IgnoreConfigs, Passwords: map[string]Secret{},
				Now: func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }}
			for u, pw := range of.Passwords {
				opts.Passwords[u] = NewSecret(pw)
			}
			plan := Diff(desired, live, opts)
			var text, js, md bytes.Buffer
			if err := RenderText(&text, plan); err != nil {
				t.Fatal(err)
			}
			if err := RenderJSON(&js, plan); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&md, plan, MarkdownOptions{Revision: "0123456789abcdef0123456789abcdef01234567"}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join(dir, "want.txt"), text.String())
			golden(t, filepath.Join(dir, "want.json"), js.String())
			golden(t, filepath.Join(dir, "want.md"), md.String())
			for _, pw := range of.Passwords {
				if strings.Contains(text.String()+js.String()+md.String(), pw) {
					t.Errorf("the plan shows a password")
				}
			}

			// Diff is deterministic: a second run gives the same plan.
			again := Diff(desired, live, opts)
			if d := cmp.Diff(plan, again, cmp.Comparer(func(a, b Secret) bool { return a.Reveal() == b.Reveal() })); d != "" {
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
