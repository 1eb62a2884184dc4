package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// savedSetup is a repo, a cluster and an inventory for saved-plan tests.
type savedSetup struct {
	t    *testing.T
	c    *kafkatest.Cluster
	dir  string
	inv  string
	plan string // where the plan is saved
}

func newSaved(t *testing.T, c *kafkatest.Cluster, files map[string]string) *savedSetup {
	t.Helper()
	return &savedSetup{t: t, c: c, dir: repo(t, files), inv: kafkatest.Unique("saved"), plan: filepath.Join(t.TempDir(), "plan.bin")}
}

// run runs kgitops cmd against the setup's cluster and inventory.
func (s *savedSetup) run(environ map[string]string, cmd string, extra ...string) result {
	s.t.Helper()
	args := append([]string{cmd}, clusterArgs(s.c, s.inv)...)
	return kgitops(s.t, environ, append(args, extra...)...)
}

// save runs plan --out, and checks the file's mode.
func (s *savedSetup) save(environ map[string]string, extra ...string) {
	s.t.Helper()
	r := s.run(environ, "plan", append([]string{"--dir", s.dir, "--out", s.plan}, extra...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "Saved the plan to "+s.plan) {
		s.t.Fatalf("plan --out:\n%s", r)
	}
	fi, err := os.Stat(s.plan)
	if err != nil {
		s.t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		s.t.Fatalf("the plan file has mode %v, want 0600", fi.Mode().Perm())
	}
}

// applySaved runs apply PLANFILE with only the connection flags: the rest
// comes from the file.
func (s *savedSetup) applySaved(environ map[string]string, extra ...string) result {
	s.t.Helper()
	args := append([]string{"apply", s.plan, "--bootstrap-servers", strings.Join(s.c.Bootstrap, ","), "--timeout", "30s"}, extra...)
	return kgitops(s.t, environ, args...)
}

func (s *savedSetup) topicExists(name string) bool {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := s.c.Admin(s.t).Metadata(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	_, ok := md.Topics[name]
	return ok
}

func (s *savedSetup) setConfig(topic, key, value string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := s.c.Admin(s.t).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: key, Value: &value}}, topic)
	if err == nil {
		_, err = rs.On(topic, nil)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	// A real broker answers DescribeConfigs with the old value for a
	// moment: wait until it shows the new one, as a later plan would.
	for {
		rcs, err := s.c.Admin(s.t).DescribeTopicConfigs(ctx, topic)
		if err == nil {
			if rc, err := rcs.On(topic, nil); err == nil {
				for _, cfg := range rc.Configs {
					if cfg.Key == key && cfg.Value != nil && *cfg.Value == value {
						return
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("topic %s does not show %s=%s", topic, key, value)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestSavedPlanAppliesOnce(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("saved")
		s := newSaved(t, c, map[string]string{"t.yaml": topicYAML(name, 2, "retention.ms: 604800000")})
		s.save(nil)
		var file struct {
			Format  string          `json:"format"`
			Version int             `json:"version"`
			Dir     string          `json:"dir"`
			Plan    json.RawMessage `json:"plan"`
		}
		data, err := os.ReadFile(s.plan)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &file); err != nil || file.Format != "kgitops-plan" || file.Version != 1 || file.Dir != s.dir || planChanges(t, string(file.Plan)) == "" {
			t.Fatalf("plan file: %v\n%s", err, data)
		}
		if s.topicExists(name) {
			t.Fatal("plan --out created the topic")
		}

		r := s.applySaved(nil)
		if r.code != 0 || !strings.Contains(r.stdout, "Applying the plan saved in "+s.plan) || !strings.Contains(r.stdout, "✓ Topic "+name+": created") {
			t.Fatalf("apply PLANFILE:\n%s", r)
		}
		if !s.topicExists(name) {
			t.Fatal("apply PLANFILE did not create the topic")
		}
		if r := s.run(nil, "plan", "--dir", s.dir, "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan after apply PLANFILE must be empty:\n%s", r)
		}

		// The second time, the plan made again is empty: refused.
		r = s.applySaved(nil)
		if r.code != 1 || !strings.Contains(r.stderr, "or the plan was applied already") || !strings.Contains(r.stderr, "Topic "+name+": saved to create, now nothing to do") {
			t.Fatalf("apply PLANFILE twice:\n%s", r)
		}
	})
}

// TestSavedPlanTerraformOut pins Terraform's spelling, -out FILE, which
// pflag would read as -o ut.
func TestSavedPlanTerraformOut(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("tfout")
		s := newSaved(t, c, map[string]string{"t.yaml": topicYAML(name, 1)})
		for _, args := range [][]string{{"-out", s.plan}, {"-out=" + s.plan}} {
			os.Remove(s.plan)
			r := s.run(nil, "plan", append([]string{"--dir", s.dir}, args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "+ Topic "+name) {
				t.Fatalf("plan %v:\n%s", args, r)
			}
			if _, err := os.Stat(s.plan); err != nil {
				t.Fatalf("plan %v saved nothing: %v", args, err)
			}
		}
		if r := s.run(nil, "plan", "--dir", s.dir, "-out", s.plan, "-o", "json"); r.code != 1 || !strings.Contains(r.stderr, "to save the plan, write --out FILE") {
			t.Fatalf("plan -out FILE -o json:\n%s", r)
		}
		// No connection flag: the saved bootstrap servers are used.
		if r := kgitops(t, nil, "apply", s.plan, "--timeout", "30s"); r.code != 0 || !s.topicExists(name) {
			t.Fatalf("apply of the plan saved with -out, without --bootstrap-servers:\n%s", r)
		}
	})
}

func TestSavedPlanRefusesChangedRepo(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("repo")
		s := newSaved(t, c, map[string]string{"t.yaml": topicYAML(name, 1)})
		s.save(nil)
		// Even a comment changes the desired state as reviewed.
		if err := os.WriteFile(filepath.Join(s.dir, "t.yaml"), []byte(topicYAML(name, 1)+"# edited\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := s.applySaved(nil)
		if r.code != 1 || !strings.Contains(r.stderr, "the desired state changed since the plan was saved") {
			t.Fatalf("apply PLANFILE after an edit:\n%s", r)
		}
		if s.topicExists(name) {
			t.Fatal("a refused saved plan created the topic")
		}
		// A new file is a change too.
		if err := os.WriteFile(filepath.Join(s.dir, "t.yaml"), []byte(topicYAML(name, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s.dir, "u.yaml"), []byte(topicYAML(name+"-2", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := s.applySaved(nil); r.code != 1 || !strings.Contains(r.stderr, "the desired state changed since the plan was saved") {
			t.Fatalf("apply PLANFILE after adding a file:\n%s", r)
		}
	})
}

func TestSavedPlanRefusesChangedCluster(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		affected, other, foreign := kafkatest.Unique("affected"), kafkatest.Unique("other"), kafkatest.Unique("foreign")
		s := newSaved(t, c, map[string]string{
			"a.yaml": topicYAML(affected, 1, "retention.ms: 3600000"),
			"o.yaml": topicYAML(other, 1, "retention.ms: 3600000"),
		})
		if r := s.run(nil, "apply", "--dir", s.dir); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := s.c.Admin(t).CreateTopic(ctx, 1, 1, nil, foreign); err != nil {
			t.Fatal(err)
		}
		edit := func() {
			t.Helper()
			if err := os.WriteFile(filepath.Join(s.dir, "a.yaml"), []byte(topicYAML(affected, 2, "retention.ms: 3600000")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		edit()

		// retention.ms is left alone by the plan (--ignore-config), so
		// the plan made again is the same: only the fingerprint of the
		// affected topic tells that it changed.
		s.save(nil, "--ignore-config", "retention.ms")
		s.setConfig(affected, "retention.ms", "7200000")
		r := s.applySaved(nil)
		if r.code != 1 || !strings.Contains(r.stderr, "the cluster changed since the plan was saved: what the plan changes is not as it was (Topic "+affected+")") {
			t.Fatalf("apply PLANFILE after an affected topic changed:\n%s", r)
		}

		// Without --ignore-config, the plan made again differs.
		s.save(nil)
		s.setConfig(affected, "retention.ms", "3600000")
		if r := s.applySaved(nil); r.code != 1 || !strings.Contains(r.stderr, "Topic "+affected+": the update differs") {
			t.Fatalf("apply PLANFILE after an affected topic changed back:\n%s", r)
		}

		// Topics the plan does not change may change: a topic of another
		// team, and an ignored config of a managed topic.
		s.save(nil, "--ignore-config", "retention.ms")
		s.setConfig(foreign, "retention.ms", "7200000")
		s.setConfig(other, "retention.ms", "7200000")
		if r := s.applySaved(nil); r.code != 0 || !strings.Contains(r.stdout, "✓ Topic "+affected+": updated") {
			t.Fatalf("apply PLANFILE after unaffected topics changed:\n%s", r)
		}
	})
}

func TestSavedPlanHoldsNoPassword(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		const password = "saved-pw-3f9a1c-NEVER-SAVED"
		user := kafkatest.Unique("saveduser")
		s := newSaved(t, c, map[string]string{"u.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: " + user + "}\n" +
			"spec:\n  scram: {mechanism: SCRAM-SHA-256, iterations: 4096, passwordFrom: {env: SAVED_PW}}\n"})
		environ := map[string]string{"SAVED_PW": password}
		s.save(environ)
		data, err := os.ReadFile(s.plan)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), password) || !strings.Contains(string(data), user) {
			t.Fatalf("the plan file holds the password, or not the user:\n%s", data)
		}
		// The password is read again from where passwordFrom says.
		if r := s.applySaved(nil); r.code != 1 || !strings.Contains(r.stderr, "password(s) could not be read") {
			t.Fatalf("apply PLANFILE without the password:\n%s", r)
		}
		r := s.applySaved(environ)
		if r.code != 0 || !strings.Contains(r.stdout, "✓ User "+user+": created") || strings.Contains(r.String(), password) {
			t.Fatalf("apply PLANFILE with the password:\n%s", r)
		}
	})
}

func TestSavedPlanRefusesConflictingFlags(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("flags")
		s := newSaved(t, c, map[string]string{"t.yaml": topicYAML(name, 1)})
		s.save(nil)
		tests := []struct {
			name  string
			env   map[string]string
			extra []string
			want  string
		}{
			{"allow-delete", nil, []string{"--allow-delete"}, "--allow-delete true (the plan was made with false)"},
			{"inventory-trust-unsigned", nil, []string{"--inventory-trust-unsigned"}, "--inventory-trust-unsigned true (the plan was made with false)"},
			{"max-deletes", nil, []string{"--max-deletes", "3"}, "--max-deletes 3 (the plan was made with -1)"},
			{"inventory-name", nil, []string{"--inventory-name", "other"}, "--inventory-name other (the plan was made with " + s.inv + ")"},
			{"inventory variable", map[string]string{"KGITOPS_INVENTORY_NAME": "other"}, nil, "--inventory-name other"},
			{"bootstrap", nil, []string{"--bootstrap-servers", "127.0.0.1:1"}, "--bootstrap-servers 127.0.0.1:1 (the plan was made for "},
			{"bootstrap variable", map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": "127.0.0.1:1"}, nil, "--bootstrap-servers 127.0.0.1:1 (the plan was made for "},
			{"dir of other files", nil, []string{"--dir", repo(t, map[string]string{"t.yaml": topicYAML(name, 2)})}, "the desired state changed since the plan was saved"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				args := append([]string{"apply", s.plan, "--timeout", "5s"}, tt.extra...)
				if !strings.Contains(strings.Join(tt.extra, " "), "--bootstrap-servers") && tt.env["KGITOPS_BOOTSTRAP_SERVERS"] == "" {
					args = append(args, "--bootstrap-servers", strings.Join(c.Bootstrap, ","))
				}
				r := kgitops(t, tt.env, args...)
				if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("want exit 1 and %q:\n%s", tt.want, r)
				}
			})
		}
		if s.topicExists(name) {
			t.Fatal("a refused saved plan created the topic")
		}
		// The same values as saved are no conflict.
		if r := s.applySaved(nil, "--inventory-name", s.inv, "--dir", s.dir); r.code != 0 || !s.topicExists(name) {
			t.Fatalf("apply PLANFILE with the saved flags:\n%s", r)
		}
	})
}

func TestSavedPlanRefusesForeignFiles(t *testing.T) {
	good := newSaved(t, kafkatest.NewFake(t), map[string]string{"t.yaml": topicYAML("foreign", 1)})
	good.save(nil)
	data, err := os.ReadFile(good.plan)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"empty", "", "is not a kgitops plan file (it does not start as one, or it is damaged)"},
		{"terraform plan", "PK\x03\x04tfplan", "is not a kgitops plan file"},
		{"other JSON", `{"changes": []}`, "is not a kgitops plan file"},
		{"truncated", string(data[:len(data)/2]), "is not a kgitops plan file"},
		{"newer version", strings.Replace(string(data), `"version": 1`, `"version": 2`, 1), "is a kgitops plan of format version 2; this kgitops (dev) reads version 1"},
		{"unknown field", strings.Replace(string(data), `"version": 1,`, `"version": 1, "extra": true,`, 1), "damaged: json: unknown field"},
		{"no fingerprint", strings.Replace(string(data), `"fingerprint": "sha256:`, `"fingerprint": "", "x": "`, 1), "is not a kgitops plan file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.bin")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			// No cluster: the file is refused before any connection.
			r := kgitops(t, nil, "apply", path, "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s")
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("want exit 1 and %q:\n%s", tt.want, r)
			}
		})
	}
	if r := kgitops(t, nil, "apply", filepath.Join(t.TempDir(), "missing.bin")); r.code != 1 || !strings.Contains(r.stderr, "no such file") {
		t.Fatalf("apply of a missing plan file:\n%s", r)
	}
}

// TestSavedPlanWithErrorsIsNotSaved: a plan kgitops refuses could never be
// applied, so plan --out writes no file for it.
func TestSavedPlanWithErrorsIsNotSaved(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("errors")
		s := newSaved(t, c, map[string]string{"t.yaml": topicYAML(name, 2)})
		if r := s.run(nil, "apply", "--dir", s.dir); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		if err := os.WriteFile(filepath.Join(s.dir, "t.yaml"), []byte(topicYAML(name, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		r := s.run(nil, "plan", "--dir", s.dir, "--out", s.plan)
		if r.code != 1 || !strings.Contains(r.stderr, "The plan has errors: it was not saved to "+s.plan) {
			t.Fatalf("plan --out of a refused plan:\n%s", r)
		}
		if _, err := os.Stat(s.plan); !os.IsNotExist(err) {
			t.Fatalf("a refused plan was saved: %v", err)
		}
	})
}
