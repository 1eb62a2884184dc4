package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds one file to the loader. It must never panic; on success
// every topic must be one kgitops may manage, with values Kafka accepts;
// on failure the error must be Errors, each with a position and a message.
func FuzzLoad(f *testing.F) {
	dirs, err := filepath.Glob("testdata/good/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, dir := range dirs {
		var docs []string
		err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml") {
				return err
			}
			data, err := os.ReadFile(p)
			docs = append(docs, string(data))
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(strings.Join(docs, "\n---\n")))
	}

	// Inputs that once needed care: aliases that contain themselves, merge
	// keys, and documents that are not mappings.
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: &m {name: *m}\nspec: &s {partitions: 1, replicationFactor: 1, configs: {cleanup.policy: &p [*p]}}\n"))
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\nspec:\n  <<: {partitions: 1}\n  replicationFactor: 1\n"))
	f.Add([]byte("- a\n---\nb\n---\n~\n---\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := LoadFS(fstest.MapFS{"in.yaml": {Data: data}})
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is %T, not a non-empty Errors: %v", err, err)
			}
			for _, e := range es {
				if e.Pos.File != "in.yaml" || e.Pos.Line < 1 || e.Msg == "" {
					t.Fatalf("error without position or message: %#v", e)
				}
			}
			return
		}
		checkState(t, st)
	})
}

// checkState asserts what a successful load promises.
func checkState(t *testing.T, st *State) {
	t.Helper()
	seen := map[string]string{}
	for i, tp := range st.Topics {
		if msg, ok := ValidTopicName(tp.Name); !ok {
			t.Fatalf("loaded an invalid topic name: %s", msg)
		}
		if why, ok := Reserved(tp.Name); ok {
			t.Fatalf("loaded reserved topic %q (%s)", tp.Name, why)
		}
		if other, ok := seen[CollisionKey(tp.Name)]; ok {
			t.Fatalf("loaded colliding topics %q and %q", other, tp.Name)
		}
		seen[CollisionKey(tp.Name)] = tp.Name
		if i > 0 && st.Topics[i-1].Name >= tp.Name {
			t.Fatalf("topics not sorted: %q before %q", st.Topics[i-1].Name, tp.Name)
		}
		if tp.Partitions < 1 || tp.ReplicationFactor < 1 {
			t.Fatalf("topic %q has %d partitions, replication factor %d", tp.Name, tp.Partitions, tp.ReplicationFactor)
		}
		for k, v := range tp.Configs {
			if !KnownConfigKey(k) {
				if !slices.Contains(st.Settings.ExtraConfigKeys, k) {
					t.Fatalf("topic %q sets unknown config %q", tp.Name, k)
				}
				continue
			}
			if norm, err := NormalizeConfig(k, v); err != nil || norm != v {
				t.Fatalf("topic %q config %s=%q is not normalized: %q, %v", tp.Name, k, v, norm, err)
			}
			if _, ok := IgnoreMatch(tp.IgnoreConfigs, k); ok {
				t.Fatalf("topic %q both sets and ignores %s", tp.Name, k)
			}
		}
	}
}
