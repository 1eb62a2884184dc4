package spec

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestBuiltinRoles pins the exact ACLs of each built-in role: they are
// the contract the README documents.
func TestBuiltinRoles(t *testing.T) {
	const p = "ALLOW User:<principal> "
	want := map[string][]string{
		"consumer": {
			p + "READ topic:<topic> (literal) from *",
			p + "DESCRIBE topic:<topic> (literal) from *",
			p + "READ group:<group> (literal) from *",
		},
		"producer": {
			p + "WRITE topic:<topic> (literal) from *",
			p + "DESCRIBE topic:<topic> (literal) from *",
		},
		"transactional-producer": {
			p + "WRITE topic:<topic> (literal) from *",
			p + "DESCRIBE topic:<topic> (literal) from *",
			p + "WRITE transactionalId:<transactionalId> (literal) from *",
			p + "DESCRIBE transactionalId:<transactionalId> (literal) from *",
			p + "READ group:<group> (literal) from *",
		},
		"streams-app": {
			p + "ALL topic:<applicationId> (prefixed) from *",
			p + "ALL group:<applicationId> (prefixed) from *",
			p + "WRITE transactionalId:<applicationId> (prefixed) from *",
			p + "DESCRIBE transactionalId:<applicationId> (prefixed) from *",
			p + "READ topic:<inputTopic> (literal) from *",
			p + "DESCRIBE topic:<inputTopic> (literal) from *",
			p + "WRITE topic:<outputTopic> (literal) from *",
			p + "DESCRIBE topic:<outputTopic> (literal) from *",
		},
		"connect-worker": {
			p + "READ group:<group> (literal) from *",
			p + "DESCRIBE group:<group> (literal) from *",
			p + "READ topic:<topic> (literal) from *",
			p + "WRITE topic:<topic> (literal) from *",
			p + "DESCRIBE topic:<topic> (literal) from *",
			p + "DESCRIBE_CONFIGS topic:<topic> (literal) from *",
			p + "CREATE topic:<topic> (literal) from *",
		},
		"admin": {
			p + "ALL cluster:kafka-cluster (literal) from *",
			p + "ALL topic:<topic> (literal) from *",
			p + "ALL group:<group> (literal) from *",
			p + "ALL transactionalId:<transactionalId> (literal) from *",
		},
	}
	got := map[string][]string{}
	var names []string
	for _, r := range BuiltinRoles() {
		got[r.Name] = r.ACLs
		names = append(names, r.Name)
		if r.Description == "" {
			t.Errorf("role %s has no description", r.Name)
		}
		for _, f := range slices.Concat(r.Requires, r.Optional) {
			if !slices.Contains(roleFields, f) {
				t.Errorf("role %s takes unknown binding field %q", r.Name, f)
			}
		}
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("BuiltinRoles ACLs mismatch (-want +got):\n%s", diff)
	}
	if !slices.IsSorted(names) {
		t.Errorf("BuiltinRoles not sorted by name: %v", names)
	}
}

// TestAdminWithoutResources pins the admin role's fallback: a binding that
// names no resources gets ALL on every topic, group and transactional id.
func TestAdminWithoutResources(t *testing.T) {
	st := loadString(t, header+"kind: RoleBinding\nmetadata: {name: ops}\nspec: {role: admin, principals: [User:ops]}\n")
	var got []string
	for _, a := range st.DesiredACLs() {
		got = append(got, a.Entry.String())
	}
	want := []string{
		"ALLOW User:ops ALL cluster:kafka-cluster (literal) from *",
		"ALLOW User:ops ALL group:* (literal) from *",
		"ALLOW User:ops ALL topic:* (literal) from *",
		"ALLOW User:ops ALL transactionalId:* (literal) from *",
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestBuiltinRolesGrantValidOperations checks the built-in table against
// Kafka's table of operations per resource type.
func TestBuiltinRolesGrantValidOperations(t *testing.T) {
	for _, b := range builtins {
		ex := exampleBinding(slices.Concat(b.requires, b.optional))
		for _, g := range b.grants(&ex) {
			if !OperationApplies(g.resource.Type, g.operation) {
				t.Errorf("role %s grants %s on %s, which Kafka does not allow", b.name, g.operation, g.resource.Type)
			}
		}
	}
}

// TestBuiltinRolesGolden writes the built-in roles as the README quotes
// them. Run with -update to rewrite it.
func TestBuiltinRolesGolden(t *testing.T) {
	var b strings.Builder
	for _, r := range BuiltinRoles() {
		fmt.Fprintf(&b, "%s: %s\n", r.Name, r.Description)
		fmt.Fprintf(&b, "  requires: %s\n", cmp.Or(strings.Join(r.Requires, ", "), "-"))
		fmt.Fprintf(&b, "  optional: %s\n", cmp.Or(strings.Join(r.Optional, ", "), "-"))
		for _, acl := range r.ACLs {
			fmt.Fprintf(&b, "  %s\n", acl)
		}
	}
	golden(t, filepath.Join("testdata", "builtin-roles.golden"), b.String())
}

// TestREADMEQuotesBuiltinRoles keeps the README's table of built-in roles
// the same as the one the code expands.
func TestREADMEQuotesBuiltinRoles(t *testing.T) {
	golden, err := os.ReadFile("testdata/builtin-roles.golden")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), string(golden)) {
		t.Error("README.md does not quote testdata/builtin-roles.golden as it is: copy it into the Built-in roles section")
	}
}
