package spec

import (
	"errors"
	"flag"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite the errors.txt golden files under testdata/bad")

// wantGood is the State each testdata/good/<case> must load to.
var wantGood = map[string]*State{
	"minimal": {
		Topics: []Topic{{
			Name: "orders", Partitions: 1, ReplicationFactor: 1,
			Pos: Pos{File: "orders.yaml", Line: 2},
		}},
	},
	"full": {
		Topics: []Topic{
			{
				Name: "audit-log_v2", Partitions: 1, ReplicationFactor: 1,
				Pos: Pos{File: "topics/ops/audit.yml", Line: 2},
			},
			{
				Name:              "shop.orders",
				Labels:            map[string]string{"team": "shop", "tier": "1"},
				Partitions:        12,
				ReplicationFactor: 3,
				Configs: map[string]string{
					"retention.ms":                    "604800000",
					"cleanup.policy":                  "delete",
					"confluent.placement.constraints": `{"version":1}`,
				},
				IgnoreConfigs: []string{"segment.ms"},
				Pos:           Pos{File: "topics/shop/orders.yaml", Line: 4},
			},
			{
				Name: "shop.payments", Partitions: 6, ReplicationFactor: 3,
				Pos: Pos{File: "topics/shop/orders.yaml", Line: 19},
			},
		},
		Settings: Settings{
			IgnoreConfigs:   []string{"message.downconversion.enable", "confluent.tier.*"},
			ExtraConfigKeys: []string{"confluent.placement.constraints"},
			Reassignment: ReassignmentSettings{
				Throttle: 20 << 20, ThrottleSet: true, MaxPartitionsInFlight: 4, PlacementDrift: PlacementDriftRevert,
				Pos: Pos{File: "settings.yaml", Line: 8},
			},
			Pos: Pos{File: "settings.yaml", Line: 3},
		},
		// .hidden/ is skipped whole; .pre-commit-config.yaml is a tool's,
		// not a renamed manifest.
		Skipped: []SkippedFile{
			{Path: ".pre-commit-config.yaml", Reason: "hidden"},
			{Path: "README.md", Reason: "not .yaml/.yml"},
			{Path: "topics/notes.txt", Reason: "not .yaml/.yml"},
		},
	},
	"configs": {
		Topics: []Topic{
			{
				Name: "all-types", Partitions: 3, ReplicationFactor: 2,
				Configs: map[string]string{
					"retention.ms":                            "604800000",
					"retention.bytes":                         "9223372036854775807",
					"local.retention.ms":                      "-2",
					"max.message.bytes":                       "1048588",
					"min.insync.replicas":                     "2",
					"segment.bytes":                           "1073741824",
					"min.cleanable.dirty.ratio":               "0.5",
					"compression.gzip.level":                  "-1",
					"compression.zstd.level":                  "-131072",
					"preallocate":                             "true",
					"unclean.leader.election.enable":          "false",
					"message.downconversion.enable":           "true",
					"compression.type":                        "zstd",
					"message.timestamp.type":                  "LogAppendTime",
					"cleanup.policy":                          "compact,delete",
					"leader.replication.throttled.replicas":   "0:1,1:2",
					"follower.replication.throttled.replicas": "*",
				},
				Pos: Pos{File: "configs.yaml", Line: 3},
			},
			{
				Name: "more-types", Partitions: 2147483647, ReplicationFactor: 32767,
				Configs: map[string]string{
					"cleanup.policy":            "delete,compact",
					"min.cleanable.dirty.ratio": "1",
					"message.format.version":    "3.0-IV1",
					"x.vendor.flag":             "yes",
					"retention.ms":              "604800000",
					"segment.ms":                "5400000",
					"retention.bytes":           "1073741824",
					"max.message.bytes":         "2000000",
					"delete.retention.ms":       "500",
				},
				Pos: Pos{File: "configs.yaml", Line: 29},
			},
		},
		Settings: Settings{
			ExtraConfigKeys: []string{"message.format.version", "x.vendor.flag"},
			Pos:             Pos{File: "configs.yaml", Line: 47},
		},
	},
	"anchors": {
		Topics: []Topic{
			{
				Name: "a", Partitions: 3, ReplicationFactor: 3,
				Configs: map[string]string{"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"},
				Pos:     Pos{File: "anchors.yaml", Line: 2},
			},
			{
				Name: "b", Partitions: 1, ReplicationFactor: 1,
				Configs: map[string]string{"min.compaction.lag.ms": "120000", "max.compaction.lag.ms": "120000"},
				Pos:     Pos{File: "anchors.yaml", Line: 13},
			},
		},
	},
	"placement": {
		Topics: []Topic{
			{
				Name: "local", Partitions: 1, ReplicationFactor: 2,
				Placement: &Placement{Strategy: PlacementInRack, Rack: "eu-west-1a", Pos: Pos{File: "topics.yaml", Line: 16}},
				Pos:       Pos{File: "topics.yaml", Line: 11},
			},
			{
				Name: "pinned", Partitions: 2, ReplicationFactor: 3,
				Placement: &Placement{Strategy: PlacementStatic, Static: [][]int32{{1, 2, 3}, {2, 3, 0}}, Pos: Pos{File: "topics.yaml", Line: 24}},
				Pos:       Pos{File: "topics.yaml", Line: 19},
			},
			{
				Name: "pinned-by-profile", Partitions: 1, ReplicationFactor: 2,
				Profile: "pair", ProfileOrigin: "profile pair at topics.yaml:38",
				FromProfile: map[string]bool{"partitions": true, "replicationFactor": true},
				Placement:   &Placement{Strategy: PlacementStatic, Static: [][]int32{{4, 5}}, Pos: Pos{File: "topics.yaml", Line: 35}},
				Pos:         Pos{File: "topics.yaml", Line: 31},
			},
			{
				Name: "spread", Partitions: 3, ReplicationFactor: 3,
				Placement: &Placement{Strategy: PlacementRackAware, Pos: Pos{File: "topics.yaml", Line: 8}},
				Pos:       Pos{File: "topics.yaml", Line: 3},
			},
			{
				Name: "unplaced", Partitions: 1, ReplicationFactor: 1, // placement: null is none
				Pos: Pos{File: "topics.yaml", Line: 45},
			},
		},
		Profiles: []TopicProfile{{Name: "pair", Partitions: 1, ReplicationFactor: 2, Pos: Pos{File: "topics.yaml", Line: 38}}},
	},
	"empty":  {},
	"access": wantAccess, // access_test.go
}

func TestLoadGood(t *testing.T) {
	dirs, err := filepath.Glob("testdata/good/*")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := wantGood[name]
			if !ok {
				t.Fatalf("no wantGood entry for %s", dir)
			}
			got, err := Load(dir)
			if err != nil {
				t.Fatalf("Load(%s):\n%v", dir, err)
			}
			want = unsetDefaults(want)
			// Where each value was written is TestTopicPositions'.
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Topic{}, "At")); diff != "" {
				t.Errorf("Load(%s) mismatch (-want +got):\n%s", dir, diff)
			}
		})
	}
	for name := range wantGood {
		if !seen[name] {
			t.Errorf("wantGood has %q but testdata/good/%s does not exist", name, name)
		}
	}
}

// unsetDefaults returns want with the values a repo gets for what it
// leaves out, where want leaves them zero: a throttle of -1.
func unsetDefaults(want *State) *State {
	w := *want
	if w.Settings.Reassignment == (ReassignmentSettings{}) {
		w.Settings.Reassignment = unsetReassignment()
	}
	return &w
}

// TestLoadBad loads each testdata/bad/<case> and compares the whole error
// text with its errors.txt. Run with -update to rewrite the goldens.
func TestLoadBad(t *testing.T) {
	dirs, err := filepath.Glob("testdata/bad/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no testdata/bad cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			st, err := Load(dir)
			if err == nil {
				t.Fatalf("Load(%s) succeeded, want errors; state: %+v", dir, st)
			}
			if st != nil {
				t.Errorf("Load(%s) returned a State along with errors", dir)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("Load(%s) error is %T, want Errors: %v", dir, err, err)
			}
			golden(t, filepath.Join(dir, "errors.txt"), err.Error()+"\n")
		})
	}
}

// TestLoadReportsAllAtOnce pins that one load reports problems of several
// files and several classes together, sorted by file and line.
func TestLoadReportsAllAtOnce(t *testing.T) {
	_, err := Load("testdata/bad/many-errors")
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %v, want Errors", err)
	}
	files := map[string]bool{}
	for _, e := range es {
		files[e.Pos.File] = true
	}
	if len(files) < 4 || len(es) < 6 {
		t.Errorf("got %d errors in %d files, want at least 6 in 4:\n%v", len(es), len(files), err)
	}
	if !slicesSorted(es) {
		t.Errorf("errors are not sorted:\n%v", err)
	}
}

func slicesSorted(es Errors) bool {
	for i := 1; i < len(es); i++ {
		a, b := es[i-1].Pos, es[i].Pos
		if a.File > b.File || a.File == b.File && a.Line > b.Line {
			return false
		}
	}
	return true
}

func TestLoadIOError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "does-not-exist"))
	if err == nil {
		t.Fatal("Load of a missing directory succeeded")
	}
	var es Errors
	if errors.As(err, &es) {
		t.Errorf("got Errors for an I/O problem: %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v, want an error wrapping fs.ErrNotExist", err)
	}

	_, err = LoadFS(failingFS{fstest.MapFS{"a.yaml": {Data: []byte("kind: Topic\n")}}})
	if err == nil || errors.As(err, &es) || !strings.Contains(err.Error(), "a.yaml") {
		t.Errorf("got %v, want an I/O error naming a.yaml", err)
	}
}

// failingFS lists its files but cannot open them.
type failingFS struct{ m fstest.MapFS }

func (f failingFS) Open(name string) (fs.File, error) {
	if fi, err := f.m.Stat(name); err == nil && fi.IsDir() {
		return f.m.Open(name)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

func TestLoadFSPositions(t *testing.T) {
	fsys := fstest.MapFS{
		"x/y/z.yaml":       {Data: []byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: t}\nspec: {partitions: 1, replicationFactor: 1}\n")},
		"x/.git/HEAD.yaml": {Data: []byte("not: valid: yaml")},
		"x/other.json":     {Data: []byte("{")},
	}
	st, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := &State{
		Topics: []Topic{{Name: "t", Partitions: 1, ReplicationFactor: 1, Pos: Pos{File: "x/y/z.yaml", Line: 2},
			At: map[string]Pos{"name": {"x/y/z.yaml", 3}, "partitions": {"x/y/z.yaml", 4}, "replicationFactor": {"x/y/z.yaml", 4}}}},
		// No Settings document: the throttle is not set, which is -1, not
		// 0 (no throttle).
		Settings: Settings{Reassignment: ReassignmentSettings{Throttle: -1}},
		Skipped:  []SkippedFile{{Path: "x/other.json", Reason: "not .yaml/.yml"}},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
