package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, d)
	}
}

func TestProfilesCommand(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		r := kgitops(t, nil, "profiles", "-o", format)
		if r.code != 0 {
			t.Fatalf("profiles -o %s:\n%s", format, r)
		}
		golden(t, "profiles."+format, r.stdout)
	}
	var out struct {
		Profiles []struct {
			Name      string `json:"name"`
			BuiltIn   bool   `json:"builtIn"`
			Rationale string `json:"rationale"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(kgitops(t, nil, "profiles", "-o", "json").stdout), &out); err != nil || len(out.Profiles) != 6 {
		t.Fatalf("profiles -o json: %v %+v", err, out)
	}

	// With --dir, the repo's profile replaces the built-in one, and
	// validate says so.
	dir := repo(t, map[string]string{"p.yaml": `apiVersion: kgitops.io/v1alpha1
kind: TopicProfile
metadata: {name: durable}
spec:
  description: ours needs four copies
  replicationFactor: 4
  configs: {min.insync.replicas: 3}
`})
	r := kgitops(t, nil, "profiles", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "durable (the repo's, at p.yaml:2; replaces the built-in one)") ||
		strings.Contains(r.stdout, "durable (built-in)") || !strings.Contains(r.stdout, "ephemeral (built-in)") {
		t.Fatalf("profiles --dir:\n%s", r)
	}
	r = kgitops(t, nil, "validate", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "Profile durable: the repo's TopicProfile at "+filepath.Join(dir, "p.yaml")+":2 replaces the built-in one") {
		t.Fatalf("validate:\n%s", r)
	}
}
