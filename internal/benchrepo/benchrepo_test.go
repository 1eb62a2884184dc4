package benchrepo

import (
	"testing"

	"github.com/kgitops/kgitops/spec"
)

// TestWriteLoads checks that a small repo loads without errors and holds
// what Sizes says.
func TestWriteLoads(t *testing.T) {
	s := Sizes{Topics: 25, ACLDocs: 3, RulesPerDoc: 20, Quotas: 4, Users: 2, TopicsByFile: 10}
	r, err := Write(t.TempDir(), "bench", s)
	if err != nil {
		t.Fatal(err)
	}
	st, err := spec.Load(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	acls := 0
	for _, a := range st.ACLs {
		for _, rule := range a.Rules {
			acls += len(rule.Operations)
		}
	}
	if len(st.Topics) != s.Topics || acls != s.ACLs() || len(st.Quotas) != s.Quotas || len(st.Users) != s.Users {
		t.Fatalf("loaded %d topics, %d ACLs, %d quotas, %d users; want %+v", len(st.Topics), acls, len(st.Quotas), len(st.Users), s)
	}
}

// BenchmarkLoadScale loads the Scale repo (make bench runs the same load in
// reconcile's BenchmarkScale; this one is for pprof of the loader alone).
func BenchmarkLoadScale(b *testing.B) {
	r, err := Write(b.TempDir(), "bench", Scale)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := spec.Load(r.Dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadACLs loads the Scale repo's 500 ACL documents alone.
func BenchmarkLoadACLs(b *testing.B) {
	r, err := Write(b.TempDir(), "bench", Sizes{ACLDocs: Scale.ACLDocs, RulesPerDoc: Scale.RulesPerDoc})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := spec.Load(r.Dir); err != nil {
			b.Fatal(err)
		}
	}
}
