package export

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/spec"
)

var updateRoles = flag.Bool("update-roles", false, "rewrite the golden files under testdata/roles")

// TestRolesBuiltinRoles exports, for each built-in role, the live ACLs
// that are exactly a binding's expansion: the export must be that one
// binding and nothing else.
func TestRolesBuiltinRoles(t *testing.T) {
	const alice = "User:alice"
	tests := []struct {
		name string
		b    spec.RoleBinding
	}{
		{"consumer", newBinding("consumer", alice, func(b *spec.RoleBinding) {
			b.Topics, b.Groups = refsOf("orders", "shop.*"), refsOf("billing")
		})},
		{"consumer of everything", newBinding("consumer", alice, func(b *spec.RoleBinding) {
			b.Topics, b.Groups = refsOf("*"), refsOf("*")
		})},
		{"producer", newBinding("producer", alice, func(b *spec.RoleBinding) { b.Topics = refsOf("orders") })},
		{"transactional-producer", newBinding("transactional-producer", alice, func(b *spec.RoleBinding) {
			b.Topics, b.TransactionalIDs = refsOf("payments"), refsOf("payments-*")
		})},
		{"transactional-producer with groups", newBinding("transactional-producer", alice, func(b *spec.RoleBinding) {
			b.Topics, b.TransactionalIDs, b.Groups = refsOf("payments", "shop.*"), refsOf("tx"), refsOf("payments")
		})},
		{"streams-app", newBinding("streams-app", alice, func(b *spec.RoleBinding) {
			b.ApplicationID, b.InputTopics, b.OutputTopics, b.ExactlyOnce = "enricher", refsOf("orders"), refsOf("orders-enriched"), true
		})},
		{"streams-app alone", newBinding("streams-app", alice, func(b *spec.RoleBinding) { b.ApplicationID = "wordcount" })},
		{"streams-app reading and writing one topic", newBinding("streams-app", alice, func(b *spec.RoleBinding) {
			b.ApplicationID, b.InputTopics, b.OutputTopics = "dedup", refsOf("events"), refsOf("events")
		})},
		{"connect-worker", newBinding("connect-worker", alice, func(b *spec.RoleBinding) {
			b.Groups, b.Topics = refsOf("connect-cluster"), refsOf("connect-configs", "connect-offsets", "connect-status")
		})},
		{"admin", newBinding("admin", alice, nil)},
		{"admin of some topics from one host", newBinding("admin", alice, func(b *spec.RoleBinding) {
			b.Topics, b.Host = refsOf("shop.*"), "192.168.1.7"
		})},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.b.Role] = true
		t.Run(tt.name, func(t *testing.T) {
			st := exportRoundTrip(t, liveOf(tt.b))
			if len(st.ACLs) > 0 || len(st.RoleBindings) != 1 {
				t.Fatalf("want one RoleBinding and no ACL document, got %d RoleBindings and %d ACL documents", len(st.RoleBindings), len(st.ACLs))
			}
			if got, want := bindingSummary(st.RoleBindings[0]), bindingSummary(tt.b); got != want {
				t.Errorf("exported binding\n got %s\nwant %s", got, want)
			}
		})
	}
	for _, r := range spec.BuiltinRoles() {
		if !tested[r.Name] {
			t.Errorf("built-in role %s has no test case", r.Name)
		}
	}
}

// TestRoles exports mixes of roles and raw ACLs. wantBindings are
// summaries of the exported RoleBindings, sorted; wantRaw the ACLs of the
// exported ACL documents, as ACLEntry.String writes them, sorted.
func TestRoles(t *testing.T) {
	const alice = "User:alice"
	consumer := newBinding("consumer", alice, func(b *spec.RoleBinding) { b.Topics, b.Groups = refsOf("orders"), refsOf("billing") })
	tests := []struct {
		name         string
		live         map[spec.ACLEntry]bool
		wantBindings []string
		wantRaw      []string
	}{
		{
			name: "consumer and producer of the same topics",
			live: liveOf(consumer, newBinding("producer", alice, func(b *spec.RoleBinding) { b.Topics = refsOf("orders") })),
			wantBindings: []string{
				"User:alice consumer topics=[orders] groups=[billing]",
				"User:alice producer topics=[orders]",
			},
		},
		{
			name: "ACLs beyond a role stay raw",
			live: withACLs(liveOf(consumer),
				liveACL(alice, "topic:orders", "DESCRIBE_CONFIGS"), liveACL(alice, "group:billing", "DESCRIBE"), liveACL(alice, "cluster:kafka-cluster", "DESCRIBE")),
			wantBindings: []string{"User:alice consumer topics=[orders] groups=[billing]"},
			wantRaw: []string{
				"ALLOW User:alice DESCRIBE cluster:kafka-cluster (literal) from *",
				"ALLOW User:alice DESCRIBE group:billing (literal) from *",
				"ALLOW User:alice DESCRIBE_CONFIGS topic:orders (literal) from *",
			},
		},
		{
			name: "a role denied stays raw",
			live: liveOf(newBinding("producer", alice, func(b *spec.RoleBinding) { b.Topics, b.Permission = refsOf("*"), spec.PermissionDeny })),
			wantRaw: []string{
				"DENY User:alice DESCRIBE topic:* (literal) from *",
				"DENY User:alice WRITE topic:* (literal) from *",
			},
		},
		{
			name:         "a denial beside an allowed role",
			live:         withACLs(liveOf(consumer), denied(liveACL(alice, "topic:orders", "WRITE"))),
			wantBindings: []string{"User:alice consumer topics=[orders] groups=[billing]"},
			wantRaw:      []string{"DENY User:alice WRITE topic:orders (literal) from *"},
		},
		{
			name: "a literal and a prefixed ACL on one name are not one resource",
			live: withACLs(nil, liveACL(alice, "topic:orders", "READ"), liveACL(alice, "topic:orders*", "DESCRIBE"), liveACL(alice, "group:billing", "READ")),
			wantRaw: []string{
				"ALLOW User:alice DESCRIBE topic:orders (prefixed) from *",
				"ALLOW User:alice READ group:billing (literal) from *",
				"ALLOW User:alice READ topic:orders (literal) from *",
			},
		},
		{
			name: "literal and prefixed resources in one binding",
			live: liveOf(newBinding("consumer", alice, func(b *spec.RoleBinding) {
				b.Topics, b.Groups = refsOf("orders", "shop.*", "*"), refsOf("billing-*", "audit")
			})),
			wantBindings: []string{"User:alice consumer topics=[* orders shop.*] groups=[audit billing-*]"},
		},
		{
			name: "one binding per host",
			live: liveOf(consumer, newBinding("consumer", alice, func(b *spec.RoleBinding) {
				b.Topics, b.Groups, b.Host = refsOf("payments"), refsOf("billing"), "10.0.0.1"
			})),
			wantBindings: []string{
				"User:alice consumer topics=[orders] groups=[billing]",
				"User:alice consumer topics=[payments] groups=[billing] host=10.0.0.1",
			},
		},
		{
			name: "a role split across hosts stays raw",
			live: withACLs(nil, liveACL(alice, "topic:orders", "READ"), fromHost("10.0.0.1", liveACL(alice, "topic:orders", "DESCRIBE")), liveACL(alice, "group:billing", "READ")),
			wantRaw: []string{
				"ALLOW User:alice DESCRIBE topic:orders (literal) from 10.0.0.1",
				"ALLOW User:alice READ group:billing (literal) from *",
				"ALLOW User:alice READ topic:orders (literal) from *",
			},
		},
		{
			name: "nothing matches",
			live: withACLs(nil, liveACL(alice, "topic:orders", "READ"), liveACL(alice, "topic:orders", "WRITE"), liveACL(alice, "cluster:kafka-cluster", "IDEMPOTENT_WRITE"), liveACL(alice, "user:bob", "CREATE_TOKENS")),
			wantRaw: []string{
				"ALLOW User:alice CREATE_TOKENS user:bob (literal) from *",
				"ALLOW User:alice IDEMPOTENT_WRITE cluster:kafka-cluster (literal) from *",
				"ALLOW User:alice READ topic:orders (literal) from *",
				"ALLOW User:alice WRITE topic:orders (literal) from *",
			},
		},
		{
			name:    "ALL on the cluster alone is not admin",
			live:    withACLs(nil, liveACL(alice, "cluster:kafka-cluster", "ALL")),
			wantRaw: []string{"ALLOW User:alice ALL cluster:kafka-cluster (literal) from *"},
		},
		{
			name: "ALL on everything but the cluster is not admin",
			live: withACLs(nil, liveACL(alice, "topic:*", "ALL"), liveACL(alice, "group:*", "ALL"), liveACL(alice, "transactionalId:*", "ALL")),
			wantRaw: []string{
				"ALLOW User:alice ALL group:* (literal) from *",
				"ALLOW User:alice ALL topic:* (literal) from *",
				"ALLOW User:alice ALL transactionalId:* (literal) from *",
			},
		},
		{
			name:         "ALL on the cluster and on all topics is admin of all topics",
			live:         withACLs(nil, liveACL(alice, "cluster:kafka-cluster", "ALL"), liveACL(alice, "topic:*", "ALL")),
			wantBindings: []string{"User:alice admin topics=[*]"},
		},
		{
			name: "a Connect worker that also consumes: the consumer names only its own resources",
			live: liveOf(consumer, newBinding("connect-worker", alice, func(b *spec.RoleBinding) {
				b.Groups, b.Topics = refsOf("connect"), refsOf("connect-configs", "connect-offsets", "connect-status")
			})),
			wantBindings: []string{
				"User:alice connect-worker topics=[connect-configs connect-offsets connect-status] groups=[connect]",
				"User:alice consumer topics=[orders] groups=[billing]",
			},
		},
		{
			name: "consume, transform and produce in transactions",
			live: liveOf(consumer, newBinding("transactional-producer", alice, func(b *spec.RoleBinding) {
				b.Topics, b.TransactionalIDs, b.Groups = refsOf("invoices"), refsOf("billing-*"), refsOf("billing")
			})),
			wantBindings: []string{
				"User:alice consumer topics=[orders] groups=[billing]",
				"User:alice transactional-producer topics=[invoices] transactionalIds=[billing-*]",
			},
		},
		{
			name: "two Streams apps of one principal: their inputs and outputs go to one of them",
			live: liveOf(
				newBinding("streams-app", alice, func(b *spec.RoleBinding) { b.ApplicationID, b.InputTopics = "a", refsOf("orders") }),
				newBinding("streams-app", alice, func(b *spec.RoleBinding) {
					b.ApplicationID, b.InputTopics, b.OutputTopics, b.ExactlyOnce = "b", refsOf("orders"), refsOf("x"), true
				})),
			wantBindings: []string{
				"User:alice streams-app applicationId=a",
				"User:alice streams-app applicationId=b inputTopics=[orders] outputTopics=[x] exactlyOnce",
			},
		},
		{
			name: "admin next to a Streams app on the same prefix keeps its lists",
			live: withACLs(liveOf(newBinding("streams-app", alice, func(b *spec.RoleBinding) { b.ApplicationID, b.InputTopics = "app", refsOf("in") })),
				liveACL(alice, "cluster:kafka-cluster", "ALL")),
			wantBindings: []string{
				"User:alice admin topics=[app*] groups=[app*]",
				"User:alice streams-app applicationId=app inputTopics=[in]",
			},
		},
		{
			name: "a Streams app missing its group stays raw",
			live: withACLs(nil, liveACL(alice, "topic:wc*", "ALL"), liveACL(alice, "topic:in", "READ"), liveACL(alice, "topic:in", "DESCRIBE")),
			wantRaw: []string{
				"ALLOW User:alice ALL topic:wc (prefixed) from *",
				"ALLOW User:alice DESCRIBE topic:in (literal) from *",
				"ALLOW User:alice READ topic:in (literal) from *",
			},
		},
		{
			name: "two principals with one name get bindings of different names",
			live: liveOf(consumer, newBinding("consumer", "Group:alice", func(b *spec.RoleBinding) { b.Topics, b.Groups = refsOf("orders"), refsOf("billing") })),
			wantBindings: []string{
				"Group:alice consumer topics=[orders] groups=[billing]",
				"User:alice consumer topics=[orders] groups=[billing]",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := exportRoundTrip(t, tt.live)
			var gotBindings []string
			for _, b := range st.RoleBindings {
				gotBindings = append(gotBindings, bindingSummary(b))
			}
			slices.Sort(gotBindings)
			raw := spec.State{ACLs: st.ACLs}
			var gotRaw []string
			for _, d := range raw.DesiredACLs() {
				gotRaw = append(gotRaw, d.Entry.String())
			}
			slices.Sort(gotRaw)
			if d := cmp.Diff(tt.wantBindings, gotBindings); d != "" {
				t.Errorf("RoleBindings (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantRaw, gotRaw); d != "" {
				t.Errorf("raw ACLs (-want +got):\n%s", d)
			}
		})
	}
}

// TestRolesNames checks that binding names are unique across
// principals and hosts, and file names across principals.
func TestRolesNames(t *testing.T) {
	consumer := func(p, host string) spec.RoleBinding {
		return newBinding("consumer", p, func(b *spec.RoleBinding) { b.Topics, b.Groups, b.Host = refsOf("orders"), refsOf("g"), host })
	}
	files := Roles(liveOf(consumer("User:a-b", "*"), consumer("User:a b", "*"), consumer("Group:a-b", "*"), consumer("Group:a-b", "10.0.0.1")))
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	wantPaths := []string{"acls/Group-a-b.yaml", "acls/User-a-b.yaml", "acls/User-a-b-2.yaml"}
	if d := cmp.Diff(wantPaths, paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
	var names []string
	for _, b := range loadExport(t, files).RoleBindings {
		names = append(names, b.Name+" "+b.Principals[0]+" "+b.Host)
	}
	want := []string{
		"a b-consumer User:a b *",
		"a-b-consumer Group:a-b *",
		"a-b-consumer-2 Group:a-b 10.0.0.1",
		"a-b-consumer-3 User:a-b *",
	}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("RoleBinding names (-want +got):\n%s", d)
	}
}

// TestRolesGolden pins the exported files of a small cluster, byte
// for byte, under testdata/roles; the folder loads as a repo. Run
// with -update-roles to rewrite it.
func TestRolesGolden(t *testing.T) {
	live := withACLs(liveOf(
		newBinding("consumer", "User:billing", func(b *spec.RoleBinding) { b.Topics, b.Groups = refsOf("shop.orders"), refsOf("billing-*") }),
		newBinding("transactional-producer", "User:billing", func(b *spec.RoleBinding) {
			b.Topics, b.TransactionalIDs = refsOf("billing.*"), refsOf("billing-*")
		}),
		newBinding("producer", "User:shop", func(b *spec.RoleBinding) { b.Topics = refsOf("shop.orders", "shop.carts") }),
		newBinding("consumer", "User:shop", func(b *spec.RoleBinding) {
			b.Topics, b.Groups, b.Host = refsOf("shop.orders"), refsOf("shop"), "10.0.0.7"
		}),
		newBinding("streams-app", "User:enricher", func(b *spec.RoleBinding) {
			b.ApplicationID, b.InputTopics, b.OutputTopics, b.ExactlyOnce = "enricher", refsOf("shop.orders"), refsOf("shop.orders-enriched"), true
		}),
		newBinding("connect-worker", "User:connect", func(b *spec.RoleBinding) {
			b.Groups, b.Topics = refsOf("connect-cluster"), refsOf("connect-configs", "connect-offsets", "connect-status")
		}),
		newBinding("admin", "User:ops", nil),
	),
		liveACL("User:billing", "topic:shop.orders", "DESCRIBE_CONFIGS"),
		denied(liveACL("User:shop", "topic:billing.*", "READ")),
		liveACL("User:audit", "topic:*", "DESCRIBE"),
		liveACL("User:audit", "group:*", "DESCRIBE"),
	)
	files := Roles(live)
	dir := filepath.Join("testdata", "roles")
	if *updateRoles {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := WriteFiles(dir, files); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		want[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatalf("%v (run go test ./export -run TestRolesGolden -update-roles to create it)", err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[filepath.ToSlash(f.Path)] = string(f.Data)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("export differs from %s (-want +got):\n%s", dir, d)
	}
	st, err := spec.Load(dir)
	if err != nil {
		t.Fatalf("the golden export does not load: %v", err)
	}
	if d := cmp.Diff(sortedEntries(live), sortedEntries(desiredSet(st))); d != "" {
		t.Errorf("the golden export expands to other ACLs (-live +expanded):\n%s", d)
	}
}

// TestRolesRandom exports random ACL sets: random bindings of every
// built-in role, expanded, plus random raw ACLs, minus a few. Expanding
// the export must give back exactly the set. Across the runs, every role
// must be exported at least once, so that the test cannot pass by writing
// everything raw.
func TestRolesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	principals := []string{"User:alice", "User:bob", "Group:alice"}
	hosts := []string{"*", "10.0.0.1"}
	pools := map[string][]spec.ResourceRef{ // by resource type
		spec.ResourceTopic:           refsOf("orders", "payments", "*", "app.*", "shop.*"),
		spec.ResourceGroup:           refsOf("billing", "team:a", "*", "app.*", "shop.*"),
		spec.ResourceTransactionalID: refsOf("tx", "*", "app.*"),
		spec.ResourceCluster:         refsOf(spec.ClusterResourceName),
		spec.ResourceDelegationToken: refsOf("token"),
		spec.ResourceUser:            refsOf("alice"),
	}
	listType := map[string]string{
		"topics": spec.ResourceTopic, "groups": spec.ResourceGroup, "transactionalIds": spec.ResourceTransactionalID,
		"inputTopics": spec.ResourceTopic, "outputTopics": spec.ResourceTopic,
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	subset := func(pool []spec.ResourceRef, atLeastOne bool) []spec.ResourceRef {
		var out []spec.ResourceRef
		for _, r := range pool {
			if rng.IntN(3) == 0 {
				out = append(out, r)
			}
		}
		if len(out) == 0 && atLeastOne {
			out = append(out, pool[rng.IntN(len(pool))])
		}
		return out
	}
	roles := spec.BuiltinRoles()
	randomBinding := func() spec.RoleBinding {
		r := roles[rng.IntN(len(roles))]
		b := newBinding(r.Name, pick(principals), func(b *spec.RoleBinding) { b.Host = pick(hosts) })
		if rng.IntN(10) == 0 {
			b.Permission = spec.PermissionDeny
		}
		for _, f := range slices.Concat(r.Requires, r.Optional) {
			required := slices.Contains(r.Requires, f)
			switch f {
			case fieldApplicationID:
				b.ApplicationID = pick([]string{"app.", "shop."})
			case fieldExactlyOnce:
				b.ExactlyOnce = rng.IntN(2) == 0
			default:
				*refList(&b, f) = subset(pools[listType[f]], required)
			}
		}
		return b
	}
	types := spec.ResourceTypes()
	exported := map[string]int{}
	for run := range 300 {
		live := liveOf()
		for range rng.IntN(4) {
			maps.Copy(live, liveOf(randomBinding()))
		}
		for range rng.IntN(5) {
			rt := pick(types)
			ref := pools[rt][rng.IntN(len(pools[rt]))]
			e := spec.ACLEntry{
				Principal: pick(principals), Host: pick(hosts), Permission: pick([]string{spec.PermissionAllow, spec.PermissionAllow, spec.PermissionDeny}),
				ResourceType: rt, ResourceName: ref.Name, PatternType: ref.PatternType, Operation: pick(spec.Operations(rt)),
			}
			if !spec.OperationApplies(rt, e.Operation) {
				t.Fatalf("generated %s, which the loader rejects", e)
			}
			live[e] = true
		}
		for range rng.IntN(3) {
			if len(live) > 0 {
				all := sortedEntries(live)
				delete(live, all[rng.IntN(len(all))])
			}
		}
		ok := t.Run(fmt.Sprint(run), func(t *testing.T) {
			for _, b := range exportRoundTrip(t, live).RoleBindings {
				exported[b.Role]++
			}
		})
		if !ok {
			t.Fatalf("run %d failed for %d ACLs:\n%s", run, len(live), strings.Join(entryStrings(live), "\n"))
		}
	}
	t.Logf("RoleBindings exported by role: %v", exported)
	for _, r := range roles {
		if exported[r.Name] == 0 {
			t.Errorf("no run exported a %s binding", r.Name)
		}
	}
}

// TestRolesPickGreedy checks the lazy greedy pick against counting
// every candidate in every round, on random candidates.
func TestRolesPickGreedy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	entry := func(i int) spec.ACLEntry { return liveACL("User:a", fmt.Sprintf("topic:t%d", i), "READ") }
	for run := range 1000 {
		cands := make([]roleMatch, rng.IntN(8))
		for i := range cands {
			seen := map[int]bool{}
			for range rng.IntN(8) {
				if n := rng.IntN(12); !seen[n] {
					seen[n] = true
					cands[i].acls = append(cands[i].acls, entry(n))
				}
			}
			cands[i].b.Name = fmt.Sprint(i)
		}
		var want []string
		granted := entrySet{}
		for {
			best, gain := -1, 0
			for i, m := range cands {
				if g := granted.missing(m.acls); g > gain {
					best, gain = i, g
				}
			}
			if best < 0 {
				break
			}
			want = append(want, cands[best].b.Name)
			granted.add(cands[best].acls)
		}
		var got []string
		for _, m := range pickGreedy(cands) {
			got = append(got, m.b.Name)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("run %d: picks (-every count +lazy):\n%s", run, d)
		}
	}
}

// exportRoundTrip exports acls, loads the files and checks that they
// expand to exactly acls, and that a second export writes the same files.
func exportRoundTrip(t *testing.T, acls map[spec.ACLEntry]bool) *spec.State {
	t.Helper()
	files := Roles(acls)
	st := loadExport(t, files)
	if d := cmp.Diff(sortedEntries(acls), sortedEntries(desiredSet(st))); d != "" {
		t.Fatalf("the export expands to other ACLs (-live +expanded):\n%s\nexport:\n%s", d, dumpFiles(files))
	}
	if again := Roles(maps.Clone(acls)); !cmp.Equal(files, again) {
		t.Fatalf("a second export differs:\n%s", cmp.Diff(files, again))
	}
	return st
}

// loadExport loads exported files as a repo.
func loadExport(t *testing.T, files []File) *spec.State {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[filepath.ToSlash(f.Path)] = &fstest.MapFile{Data: f.Data}
	}
	st, err := spec.LoadFS(fsys)
	if err != nil {
		t.Fatalf("the export does not load: %v\nexport:\n%s", err, dumpFiles(files))
	}
	return st
}

func dumpFiles(files []File) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString("# " + f.Path + "\n" + string(f.Data))
	}
	return b.String()
}

// desiredSet is the set of ACLs st expands to.
func desiredSet(st *spec.State) map[spec.ACLEntry]bool {
	out := map[spec.ACLEntry]bool{}
	for _, d := range st.DesiredACLs() {
		out[d.Entry] = true
	}
	return out
}

func sortedEntries(acls map[spec.ACLEntry]bool) []spec.ACLEntry {
	return slices.SortedFunc(maps.Keys(acls), func(a, b spec.ACLEntry) int { return strings.Compare(a.String(), b.String()) })
}

func entryStrings(acls map[spec.ACLEntry]bool) []string {
	var out []string
	for _, e := range sortedEntries(acls) {
		out = append(out, e.String())
	}
	return out
}

// newBinding is an ALLOW binding of role to principal from any host, as set
// changes it.
func newBinding(role, principal string, set func(*spec.RoleBinding)) spec.RoleBinding {
	b := spec.RoleBinding{Role: role, Principals: []string{principal}, Host: spec.Wildcard, Permission: spec.PermissionAllow}
	if set != nil {
		set(&b)
	}
	return b
}

// refsOf turns names into resource references: a name that ends in "*",
// other than "*" itself, is a prefix.
func refsOf(names ...string) []spec.ResourceRef {
	var out []spec.ResourceRef
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*"); ok && p != "" {
			out = append(out, spec.ResourceRef{Name: p, PatternType: spec.PatternPrefixed})
		} else {
			out = append(out, spec.ResourceRef{Name: n, PatternType: spec.PatternLiteral})
		}
	}
	return out
}

// liveOf is the live ACLs that bindings grant, as the loader expands them.
func liveOf(bs ...spec.RoleBinding) map[spec.ACLEntry]bool {
	out := map[spec.ACLEntry]bool{}
	for _, b := range bs {
		for _, e := range expandBinding(b) {
			out[e] = true
		}
	}
	return out
}

// liveACL is an ALLOW ACL from any host on resource, written "type:name" with
// the name as refsOf reads it.
func liveACL(principal, resource, op string) spec.ACLEntry {
	rt, name, _ := strings.Cut(resource, ":")
	r := refsOf(name)[0]
	return spec.ACLEntry{
		Principal: principal, Host: spec.Wildcard, Permission: spec.PermissionAllow,
		ResourceType: rt, ResourceName: r.Name, PatternType: r.PatternType, Operation: op,
	}
}

func denied(e spec.ACLEntry) spec.ACLEntry {
	e.Permission = spec.PermissionDeny
	return e
}

func fromHost(host string, e spec.ACLEntry) spec.ACLEntry {
	e.Host = host
	return e
}

// withACLs adds es to live, which may be nil.
func withACLs(live map[spec.ACLEntry]bool, es ...spec.ACLEntry) map[spec.ACLEntry]bool {
	out := maps.Clone(live)
	if out == nil {
		out = map[spec.ACLEntry]bool{}
	}
	for _, e := range es {
		out[e] = true
	}
	return out
}

// bindingSummary writes a binding on one line, such as "User:alice consumer
// topics=[orders shop.*] groups=[billing]", a prefix ending in "*".
func bindingSummary(b spec.RoleBinding) string {
	parts := []string{strings.Join(b.Principals, ","), b.Role}
	list := func(field string) {
		var names []string
		for _, r := range *refList(&b, field) {
			if r.PatternType == spec.PatternPrefixed {
				names = append(names, r.Name+"*")
			} else {
				names = append(names, r.Name)
			}
		}
		if len(names) > 0 {
			parts = append(parts, field+"=["+strings.Join(names, " ")+"]")
		}
	}
	for _, f := range listFields[:3] {
		list(f)
	}
	if b.ApplicationID != "" {
		parts = append(parts, "applicationId="+b.ApplicationID)
	}
	for _, f := range listFields[3:] {
		list(f)
	}
	if b.ExactlyOnce {
		parts = append(parts, "exactlyOnce")
	}
	if b.Host != spec.Wildcard {
		parts = append(parts, "host="+b.Host)
	}
	if b.Permission != spec.PermissionAllow {
		parts = append(parts, "permission="+b.Permission)
	}
	return strings.Join(parts, " ")
}
