package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/reconcile"
)

// FuzzReadSavedPlan feeds fuzzed bytes to readSavedPlan as a plan file,
// seeded with a file kgitops plan --out wrote (testdata/saved/plan.json)
// and damaged copies of it. It must never panic. It refuses with an error
// that names the file, says it is not a plan of this kgitops and how to
// make one, on one line; or it accepts a file whose every required field
// is there, whose plan reads as a plan, and which reads back the same
// once written again.
func FuzzReadSavedPlan(f *testing.F) {
	good, err := os.ReadFile("testdata/saved/plan.json")
	if err != nil {
		f.Fatal(err)
	}
	s := string(good)
	f.Add(good)
	f.Add([]byte(""))
	f.Add([]byte("null"))
	f.Add([]byte(`{"format":"kgitops-plan"}`))
	f.Add([]byte(`{"format":"kgitops-plan","version":1}`))
	f.Add([]byte(`{"FORMAT":"kgitops-plan","Version":1.0}`))
	f.Add([]byte("PK\x03\x04tfplan"))
	f.Add(good[:len(good)/2])
	f.Add(append(bytes.Clone(good), good...))
	f.Add([]byte(strings.Replace(s, `"version": 1`, `"version": 2`, 1)))
	f.Add([]byte(strings.Replace(s, `"version": 1`, `"version": -9999999999999999999`, 1)))
	f.Add([]byte(strings.Replace(s, `"version": 1,`, `"version": 1, "extra\n\u001b[31m": true,`, 1)))
	f.Add([]byte(strings.Replace(s, `"plan": {`, `"plan": null, "live": {`, 1)))
	f.Add([]byte(strings.Replace(s, `"changes": [`, `"changes": {"a": [`, 1)))
	f.Add([]byte(strings.Replace(s, `"dir": "/`, `"dir": "`, 1)))
	f.Add([]byte(strings.Replace(s, `"new": 3`, `"new": 1e999`, 1)))
	f.Add([]byte("\xef\xbb\xbf" + s))

	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "plan.bin")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sp, err := readSavedPlan(path)
		if err != nil {
			msg := err.Error()
			clear := strings.HasPrefix(msg, path+" is not a kgitops plan file (") && strings.HasSuffix(msg, "): make one with kgitops plan --out "+path) ||
				strings.HasPrefix(msg, path+" is a kgitops plan of format version ") && strings.HasSuffix(msg, ": make the plan again with this kgitops")
			if !clear {
				t.Fatalf("unclear refusal: %q", msg)
			}
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Fatalf("refusal spans lines or holds a terminal escape: %q", msg)
			}
			return
		}
		var plan reconcile.Plan
		switch {
		case sp.Format != savedFormat || sp.Version != savedVersion:
			t.Fatalf("accepted format %q version %d", sp.Format, sp.Version)
		case !filepath.IsAbs(sp.Dir) || sp.Desired == "" || sp.Live.Fingerprint == "" || sp.Options.InventoryName == "" || sp.Options.InventoryTopic == "":
			t.Fatalf("accepted a plan with a required field missing: %+v", sp)
		case json.Unmarshal(sp.Plan, &plan) != nil:
			t.Fatalf("accepted a plan that does not read: %s", sp.Plan)
		}
		again, err := json.MarshalIndent(sp, "", "  ")
		if err != nil {
			t.Fatalf("an accepted plan does not write again: %v", err)
		}
		if err := os.WriteFile(path, again, 0o600); err != nil {
			t.Fatal(err)
		}
		back, err := readSavedPlan(path)
		if err != nil {
			t.Fatalf("an accepted plan, written again, is refused: %v\n%s", err, again)
		}
		sp.Plan, back.Plan = compactJSON(t, sp.Plan), compactJSON(t, back.Plan)
		if !reflect.DeepEqual(sp, back) {
			t.Fatalf("an accepted plan reads back otherwise once written again:\n%+v\n%+v", sp, back)
		}
	})
}

func compactJSON(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
