package export

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kgitops/kgitops/spec"
)

// TestRoundTrip exports topics, ACLs and quotas in each layout, loads the
// files with spec and checks that they give back what was exported.
func TestRoundTrip(t *testing.T) {
	topics := []spec.Topic{
		{Name: "shop.orders", Partitions: 6, ReplicationFactor: 3, Configs: map[string]string{
			"retention.ms": "604800000", "cleanup.policy": "compact,delete", "vendor.tiering": "yes",
			"retention.bytes": "1073741824", "max.message.bytes": "1048588", "vendor.window.ms": "86400000",
		}},
		{Name: "shop-carts", Partitions: 1, ReplicationFactor: 1},
		{Name: "1234", Partitions: 2, ReplicationFactor: 1, Configs: map[string]string{"min.insync.replicas": "1"}},
		{Name: "billing_invoices", Partitions: 3, ReplicationFactor: 2, Configs: map[string]string{"vendor.note": "a: b <&>"}},
	}
	acls := map[spec.ACLEntry]bool{
		liveACL("User:alice", "topic:orders", "READ"):                        true,
		liveACL("User:alice", "topic:shop.*", "WRITE"):                       true,
		fromHost("10.0.0.1", liveACL("User:alice", "group:billing", "READ")): true,
		denied(liveACL("User:a b", "topic:*", "ALTER")):                      true,
	}
	user, client := "alice", ""
	quotas := []spec.Quota{
		{Name: "user=alice", Entity: spec.QuotaEntity{User: &user}, Values: map[string]float64{"producer_byte_rate": 1048576}},
		{Name: "client-id=<default>", Entity: spec.QuotaEntity{ClientID: &client}, Values: map[string]float64{"request_percentage": 12.5}},
	}
	for _, run := range []struct {
		layout Layout
		units  bool
	}{{"", false}, {LayoutTopic, false}, {LayoutTeam, false}, {LayoutTopic, true}} {
		layout := run.layout
		t.Run(fmt.Sprintf("%s/units=%v", layout, run.units), func(t *testing.T) {
			topicFiles := Topics(topics, layout, run.units)
			var all string
			for _, f := range topicFiles {
				all += string(f.Data)
			}
			// With units, known keys read as people write them; an
			// unknown key is left as the cluster has it.
			human := strings.Contains(all, "retention.ms: 7d\n") && strings.Contains(all, "retention.bytes: 1GiB\n") &&
				strings.Contains(all, "max.message.bytes: 1048588\n") && strings.Contains(all, "vendor.window.ms: 86400000\n")
			if human != run.units {
				t.Errorf("units %v, written:\n%s", run.units, all)
			}
			files := append(topicFiles, ACLs(acls)...)
			files = append(files, Quotas(quotas)...)
			st := loadExport(t, files)
			ignore := cmpopts.IgnoreFields(spec.Topic{}, "Pos", "At") // where values were written is the loader's
			if d := cmp.Diff(byName(topics, func(t spec.Topic) string { return t.Name }), st.Topics, ignore, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("topics (-exported +loaded):\n%s", d)
			}
			if d := cmp.Diff([]string{"vendor.note", "vendor.tiering", "vendor.window.ms"}, st.Settings.ExtraConfigKeys); d != "" {
				t.Errorf("extra config keys (-want +loaded):\n%s", d)
			}
			if d := cmp.Diff(sortedEntries(acls), sortedEntries(desiredSet(st))); d != "" {
				t.Errorf("ACLs (-exported +loaded):\n%s", d)
			}
			if d := cmp.Diff(byName(quotas, func(q spec.Quota) string { return q.Name }), st.Quotas, cmpopts.IgnoreFields(spec.Quota{}, "Pos")); d != "" {
				t.Errorf("quotas (-exported +loaded):\n%s", d)
			}
		})
	}
}

// TestTopicsLayout checks where each layout puts topics.
func TestTopicsLayout(t *testing.T) {
	topics := []spec.Topic{{Name: "shop.orders"}, {Name: "shop-carts"}, {Name: "billing_x"}, {Name: "plain"}, {Name: ".dot"}}
	tests := []struct {
		layout Layout
		want   []string
	}{
		{"", []string{"topics/.dot.yaml", "topics/billing_x.yaml", "topics/plain.yaml", "topics/shop-carts.yaml", "topics/shop.orders.yaml"}},
		{LayoutTopic, []string{"topics/.dot.yaml", "topics/billing_x.yaml", "topics/plain.yaml", "topics/shop-carts.yaml", "topics/shop.orders.yaml"}},
		{LayoutTeam, []string{"topics/billing.yaml", "topics/other.yaml", "topics/shop.yaml"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.layout), func(t *testing.T) {
			var got []string
			for _, f := range Topics(topics, tt.layout, false) {
				got = append(got, f.Path)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("paths (-want +got):\n%s", d)
			}
		})
	}
}

// TestUsers checks that SCRAM users are written commented out, one
// document per credential, in name order, and load as no user at all.
func TestUsers(t *testing.T) {
	if files := Users(nil); files != nil {
		t.Errorf("Users(nil) = %v, want no file", files)
	}
	files := Users([]spec.User{
		{Name: "no", Mechanism: "SCRAM-SHA-512", Iterations: 4096},
		{Name: "alice", Mechanism: "SCRAM-SHA-256", Iterations: 4096},
		{Name: "alice", Mechanism: "SCRAM-SHA-512", Iterations: 8192},
	})
	want := `# SCRAM users of the cluster. Kafka never returns a password, so they are not
# managed yet: to manage one, uncomment it, point passwordFrom at its password
# (an environment variable or a file), and apply.
#
# ---
# apiVersion: kgitops.io/v1alpha1
# kind: User
# metadata:
#   name: alice
# spec:
#   scram:
#     mechanism: SCRAM-SHA-256
#     iterations: 4096
#     passwordFrom: {env: CHANGE_ME}
#
# ---
# apiVersion: kgitops.io/v1alpha1
# kind: User
# metadata:
#   name: alice
# spec:
#   scram:
#     mechanism: SCRAM-SHA-512
#     iterations: 8192
#     passwordFrom: {env: CHANGE_ME}
#
# ---
# apiVersion: kgitops.io/v1alpha1
# kind: User
# metadata:
#   name: "no"
# spec:
#   scram:
#     mechanism: SCRAM-SHA-512
#     iterations: 4096
#     passwordFrom: {env: CHANGE_ME}
`
	if len(files) != 1 || files[0].Path != "users.yaml" {
		t.Fatalf("want users.yaml alone, got %s", dumpFiles(files))
	}
	if d := cmp.Diff(want, string(files[0].Data)); d != "" {
		t.Errorf("users.yaml (-want +got):\n%s", d)
	}
	if st := loadExport(t, files); len(st.Users) != 0 {
		t.Errorf("the commented-out users load as %d users", len(st.Users))
	}
}

// TestWriteFiles writes files into folders that do not exist yet.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	files := []File{{Path: "topics/a.yaml", Data: []byte("a")}, {Path: "acls/deep/b.yaml", Data: []byte("b")}}
	if err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if data, err := os.ReadFile(filepath.Join(dir, f.Path)); err != nil || string(data) != string(f.Data) {
			t.Errorf("%s holds %q (%v), want %q", f.Path, data, err, f.Data)
		}
	}
}

// byName returns a copy of s sorted by name, as spec sorts what it loads.
func byName[T any](s []T, name func(T) string) []T {
	return slices.SortedFunc(slices.Values(s), func(a, b T) int { return strings.Compare(name(a), name(b)) })
}
