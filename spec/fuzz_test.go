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
	// Placements: a static one whose partitions come from a profile, and
	// one that aliases its replica lists.
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\nspec: {profile: ephemeral, partitions: 2, placement: {static: [&r [1], *r]}}\n"))
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\nspec: {partitions: 1, replicationFactor: 1, placement: in-rack a}\n"))
	// Access control: a binding to a Role in the same file, an inline
	// password, and an ip quota.
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Role\nmetadata: {name: r}\nspec: {rules: [{resourceType: topic, operations: [read]}]}\n---\n" +
		"apiVersion: kgitops.io/v1alpha1\nkind: RoleBinding\nmetadata: {name: b}\nspec: {role: r, principals: [User:a], topics: [t]}\n"))
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: u}\nspec: {scram: {mechanism: SCRAM-SHA-256, password: x}}\n"))
	f.Add([]byte("apiVersion: kgitops.io/v1alpha1\nkind: Quota\nmetadata: {name: q}\nspec: {ip: \"::1\", values: {connection_creation_rate: 5}}\n"))

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
	checkTopicsState(t, st)
	checkAccessState(t, st)
}

func checkTopicsState(t *testing.T, st *State) {
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
		checkPlacement(t, tp)
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

// checkPlacement asserts what a loaded placement promises: a known
// strategy, a rack for in-rack, and for static one list per partition,
// each as long as the replication factor, of distinct broker ids.
func checkPlacement(t *testing.T, tp Topic) {
	t.Helper()
	p := tp.Placement
	if p == nil {
		return
	}
	switch p.Strategy {
	case PlacementRackAware:
	case PlacementInRack:
		if p.Rack == "" || strings.TrimSpace(p.Rack) != p.Rack {
			t.Fatalf("topic %q is placed in rack %q", tp.Name, p.Rack)
		}
	case PlacementStatic:
		if len(p.Static) != int(tp.Partitions) {
			t.Fatalf("topic %q has %d partitions and %d replica lists", tp.Name, tp.Partitions, len(p.Static))
		}
		for i, brokers := range p.Static {
			seen := map[int32]bool{}
			for _, b := range brokers {
				if b < 0 || seen[b] {
					t.Fatalf("topic %q partition %d has replicas %v", tp.Name, i, brokers)
				}
				seen[b] = true
			}
			if len(brokers) != int(tp.ReplicationFactor) {
				t.Fatalf("topic %q partition %d has replicas %v, replication factor %d", tp.Name, i, brokers, tp.ReplicationFactor)
			}
		}
	default:
		t.Fatalf("topic %q has placement %q", tp.Name, p.Strategy)
	}
	if p.Pos.Line < 1 {
		t.Fatalf("topic %q placement has no position", tp.Name)
	}
}

// checkAccessState asserts what a successful load promises of access
// control: names unique and sorted, and only ACLs Kafka can match.
func checkAccessState(t *testing.T, st *State) {
	t.Helper()
	sortedUnique(t, "ACL", st.ACLs, func(a ACL) string { return a.Name })
	sortedUnique(t, "Role", st.Roles, func(r Role) string { return r.Name })
	sortedUnique(t, "RoleBinding", st.RoleBindings, func(b RoleBinding) string { return b.Name })
	sortedUnique(t, "Quota", st.Quotas, func(q Quota) string { return q.Name })
	sortedUnique(t, "User", st.Users, func(u User) string { return u.Name })
	for _, b := range st.RoleBindings {
		if _, ok := st.roleGrants(&b); !ok {
			t.Fatalf("binding %q has unknown role %q", b.Name, b.Role)
		}
	}
	acls := st.DesiredACLs()
	for i, a := range acls {
		e := a.Entry
		if i > 0 && compareEntries(acls[i-1].Entry, e) >= 0 {
			t.Fatalf("desired ACLs not sorted or not unique: %v before %v", acls[i-1].Entry, e)
		}
		if _, _, ok := CheckPrincipal(e.Principal); !ok {
			t.Fatalf("ACL with bad principal: %v", e)
		}
		if _, _, ok := CheckHost(e.Host); !ok {
			t.Fatalf("ACL with bad host: %v", e)
		}
		if !OperationApplies(e.ResourceType, e.Operation) {
			t.Fatalf("ACL with an operation Kafka does not allow: %v", e)
		}
		if _, _, ok := checkResourceName(e.ResourceType, e.PatternType, e.ResourceName); !ok {
			t.Fatalf("ACL on a resource that never matches: %v", e)
		}
		if e.PatternType != PatternLiteral && e.PatternType != PatternPrefixed ||
			e.Permission != PermissionAllow && e.Permission != PermissionDeny || len(a.Sources) == 0 {
			t.Fatalf("bad ACL: %+v", a)
		}
	}
	seen := map[string]bool{}
	for _, q := range st.Quotas {
		key := entityKey(q.Entity)
		if key == "" || seen[key] || len(q.Values) == 0 {
			t.Fatalf("bad or repeated quota entity %q with values %v", key, q.Values)
		}
		seen[key] = true
		for k, v := range q.Values {
			if qk, ok := quotaKeys[k]; !ok || v <= 0 || qk.ip != (q.Entity.IP != nil) {
				t.Fatalf("quota %q sets %s=%v", q.Name, k, v)
			}
		}
	}
	for _, u := range st.Users {
		if u.Mechanism != MechanismSCRAMSHA256 && u.Mechanism != MechanismSCRAMSHA512 ||
			u.Iterations < MinIterations || u.Iterations > MaxIterations ||
			(u.PasswordFrom.Env == "") == (u.PasswordFrom.File == "") {
			t.Fatalf("bad user: %+v", u)
		}
	}
}

func sortedUnique[T any](t *testing.T, kind string, items []T, name func(T) string) {
	t.Helper()
	for i := 1; i < len(items); i++ {
		if name(items[i-1]) >= name(items[i]) {
			t.Fatalf("%s names not sorted or not unique: %q before %q", kind, name(items[i-1]), name(items[i]))
		}
	}
}
