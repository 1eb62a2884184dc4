package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// renderACLs writes desired ACLs one a line, each with its sources.
func renderACLs(acls []DesiredACL) string {
	var b strings.Builder
	for _, a := range acls {
		var srcs []string
		for _, s := range a.Sources {
			role := ""
			if s.Role != "" {
				role = " role " + s.Role
			}
			srcs = append(srcs, fmt.Sprintf("%s %s%s at %s", s.Kind, s.Name, role, s.Pos))
		}
		fmt.Fprintf(&b, "%s  <- %s\n", a.Entry, strings.Join(srcs, "; "))
	}
	return b.String()
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./spec -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

// TestDesiredACLsGolden expands every kind of access document in
// testdata/good/access. Run with -update to rewrite the golden file.
func TestDesiredACLsGolden(t *testing.T) {
	st, err := Load("testdata/good/access")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "good", "access", "desired-acls.golden"), renderACLs(st.DesiredACLs()))
}

func loadString(t *testing.T, yaml string) *State {
	t.Helper()
	st, err := LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(yaml)}})
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	return st
}

const header = "apiVersion: kgitops.io/v1alpha1\n"

func TestDesiredACLs(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []DesiredACL
	}{
		{
			name: "an ACL document and a binding asking for the same ACL merge",
			yaml: header + `kind: ACL
metadata: {name: alice}
spec:
  principal: User:alice
  rules:
    - resource: {type: topic, name: orders}
      operations: [WRITE]
---
` + header + `kind: RoleBinding
metadata: {name: alice-produces}
spec: {role: producer, principals: [User:alice], topics: [orders]}
`,
			want: []DesiredACL{
				{
					Entry:   ACLEntry{"User:alice", "*", "topic", "orders", "literal", "DESCRIBE", "ALLOW"},
					Sources: []ACLSource{{Kind: "RoleBinding", Name: "alice-produces", Role: "producer", Pos: Pos{"a.yaml", 11}}},
				},
				{
					Entry: ACLEntry{"User:alice", "*", "topic", "orders", "literal", "WRITE", "ALLOW"},
					Sources: []ACLSource{
						{Kind: "ACL", Name: "alice", Pos: Pos{"a.yaml", 7}},
						{Kind: "RoleBinding", Name: "alice-produces", Role: "producer", Pos: Pos{"a.yaml", 11}},
					},
				},
			},
		},
		{
			name: "streams-app without exactlyOnce, a topic both read and written",
			yaml: header + `kind: RoleBinding
metadata: {name: app}
spec:
  role: streams-app
  principals: [User:app]
  applicationId: app
  inputTopics: [t]
  outputTopics: [t]
`,
			want: []DesiredACL{
				{Entry: ACLEntry{"User:app", "*", "group", "app", "prefixed", "ALL", "ALLOW"}, Sources: []ACLSource{{"RoleBinding", "app", "streams-app", Pos{"a.yaml", 2}}}},
				{Entry: ACLEntry{"User:app", "*", "topic", "app", "prefixed", "ALL", "ALLOW"}, Sources: []ACLSource{{"RoleBinding", "app", "streams-app", Pos{"a.yaml", 2}}}},
				{Entry: ACLEntry{"User:app", "*", "topic", "t", "literal", "DESCRIBE", "ALLOW"}, Sources: []ACLSource{{"RoleBinding", "app", "streams-app", Pos{"a.yaml", 2}}}},
				{Entry: ACLEntry{"User:app", "*", "topic", "t", "literal", "READ", "ALLOW"}, Sources: []ACLSource{{"RoleBinding", "app", "streams-app", Pos{"a.yaml", 2}}}},
				{Entry: ACLEntry{"User:app", "*", "topic", "t", "literal", "WRITE", "ALLOW"}, Sources: []ACLSource{{"RoleBinding", "app", "streams-app", Pos{"a.yaml", 2}}}},
			},
		},
		{
			name: "a user Role applies each rule to the binding's resources of its type",
			yaml: header + `kind: Role
metadata: {name: reader}
spec:
  rules:
    - {resourceType: topic, operations: [read]}
    - {resourceType: transactionalId, operations: [describe]}
    - {resourceType: cluster, operations: [describe]}
---
` + header + `kind: RoleBinding
metadata: {name: r}
spec:
  role: reader
  principals: [User:a, User:b]
  topics: [x, {name: y-, patternType: prefixed}]
  transactionalIds: [tx]
  host: 10.1.2.3
  permission: Deny
`,
			want: func() []DesiredACL {
				var out []DesiredACL
				src := []ACLSource{{"RoleBinding", "r", "reader", Pos{"a.yaml", 11}}}
				for _, p := range []string{"User:a", "User:b"} {
					for _, e := range []ACLEntry{
						{p, "10.1.2.3", "cluster", "kafka-cluster", "literal", "DESCRIBE", "DENY"},
						{p, "10.1.2.3", "topic", "x", "literal", "READ", "DENY"},
						{p, "10.1.2.3", "topic", "y-", "prefixed", "READ", "DENY"},
						{p, "10.1.2.3", "transactionalId", "tx", "literal", "DESCRIBE", "DENY"},
					} {
						out = append(out, DesiredACL{Entry: e, Sources: src})
					}
				}
				return out
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadString(t, tt.yaml).DesiredACLs()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DesiredACLs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDesiredACLsUnknownRole pins that a hand-made State with a binding to
// a role that does not exist expands to nothing rather than panicking.
func TestDesiredACLsUnknownRole(t *testing.T) {
	st := &State{RoleBindings: []RoleBinding{{Name: "b", Role: "nope", Principals: []string{"User:a"}, Topics: []ResourceRef{{"t", "literal"}}}}}
	if got := st.DesiredACLs(); len(got) != 0 {
		t.Errorf("got %v, want nothing", got)
	}
	if got, want := st.Principals(), []string{"User:a"}; !cmp.Equal(got, want) {
		t.Errorf("Principals() = %v, want %v", got, want)
	}
}

func TestPrincipals(t *testing.T) {
	st, err := Load("testdata/good/access")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Group:sre", "User:*", "User:alice", "User:audit", "User:billing", "User:connect", "User:enricher",
		"User:intern", "User:ops", "User:payments", "User:shop", "User:shop-lead",
	}
	if diff := cmp.Diff(want, st.Principals()); diff != "" {
		t.Errorf("Principals mismatch (-want +got):\n%s", diff)
	}
}

func TestACLEntryString(t *testing.T) {
	e := ACLEntry{Principal: "User:alice", Host: "*", ResourceType: "topic", ResourceName: "orders", PatternType: "literal", Operation: "READ", Permission: "ALLOW"}
	if got, want := e.String(), "ALLOW User:alice READ topic:orders (literal) from *"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// ACLEntry keys maps: it must stay comparable.
	m := map[ACLEntry]bool{e: true}
	if !m[e] {
		t.Error("ACLEntry is not usable as a map key")
	}
}

// Documents marked with kgitops.io/delete grant nothing: their ACLs are
// the ones to delete, and their principals are governed only by the other
// documents that name them. kgitops.io/prevent-destroy protects every
// principal its document names.
func TestAnnotatedAccessDocuments(t *testing.T) {
	st := loadString(t, `
apiVersion: kgitops.io/v1alpha1
kind: ACL
metadata: {name: old, annotations: {kgitops.io/delete: "true"}}
spec:
  principal: User:old
  rules: [{resource: {type: topic, name: t}, operations: [read]}]
---
apiVersion: kgitops.io/v1alpha1
kind: RoleBinding
metadata: {name: keep, annotations: {kgitops.io/prevent-destroy: "true"}}
spec: {role: consumer, principals: [User:app], topics: [t], groups: [g]}
---
apiVersion: kgitops.io/v1alpha1
kind: RoleBinding
metadata: {name: drop, annotations: {kgitops.io/delete: "true"}}
spec: {role: producer, principals: [User:app], topics: [t]}
---
apiVersion: kgitops.io/v1alpha1
kind: User
metadata: {name: gone, annotations: {kgitops.io/delete: "true"}}
spec: {scram: {mechanism: SCRAM-SHA-512, passwordFrom: {env: GONE}}}
---
apiVersion: kgitops.io/v1alpha1
kind: Quota
metadata: {name: gone, annotations: {kgitops.io/prevent-destroy: "true"}}
spec: {user: gone, values: {producer_byte_rate: 1024}}
`)
	principals := func(ds []DesiredACL) map[string]int {
		out := map[string]int{}
		for _, d := range ds {
			out[d.Entry.Principal]++
		}
		return out
	}
	if got := principals(st.DesiredACLs()); len(got) != 1 || got["User:app"] != 3 {
		t.Errorf("DesiredACLs by principal = %v, want User:app's 3 consumer ACLs", got)
	}
	// User:old's READ, and the producer role's WRITE, DESCRIBE on t for User:app.
	if got := principals(st.DeletedACLs()); got["User:old"] != 1 || got["User:app"] != 2 {
		t.Errorf("DeletedACLs by principal = %v", got)
	}
	if got := st.ManagedPrincipals(); !slices.Equal(got, []string{"User:app"}) {
		t.Errorf("ManagedPrincipals = %v", got)
	}
	if got := st.Principals(); !slices.Equal(got, []string{"User:app", "User:old"}) {
		t.Errorf("Principals = %v", got)
	}
	if got := st.ProtectedPrincipals(); !slices.Equal(got, []string{"User:app"}) {
		t.Errorf("ProtectedPrincipals = %v", got)
	}
	if !MarkedForDeletion(st.Users[0].Annotations) || !PreventDestroy(st.Quotas[0].Annotations) {
		t.Errorf("annotations not decoded: user %v quota %v", st.Users[0].Annotations, st.Quotas[0].Annotations)
	}
}
