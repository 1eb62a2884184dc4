package export

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/spec"
)

// TestQuotaNamesRoundTrip exports quotas on entities whose names hold ','
// and '=' (an mTLS user, a name that looks like two parts), each named
// after its entity as a plan keys it, and loads them back as the same,
// distinct entities, into files of their own.
func TestQuotaNamesRoundTrip(t *testing.T) {
	dn, odd, bob, x := "CN=bob,O=corp", "bob,client-id=x", "bob", "x"
	var quotas []spec.Quota
	for _, e := range []spec.QuotaEntity{{User: &dn}, {User: &odd}, {User: &bob, ClientID: &x}} {
		quotas = append(quotas, spec.Quota{Name: e.String(), Entity: e, Values: map[string]float64{"producer_byte_rate": 1024}})
	}
	files := Quotas(quotas)
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if d := cmp.Diff([]string{"quotas/user-CN-bob-O-corp.yaml", "quotas/user-bob-client-id-x.yaml", "quotas/user-bob-client-id-x-2.yaml"}, paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
	st := loadExport(t, files)
	var got []string
	for _, q := range st.Quotas {
		if q.Name != q.Entity.String() {
			t.Errorf("Quota %q loads as entity %s", q.Name, q.Entity)
		}
		got = append(got, q.Entity.String())
	}
	want := []string{`user="CN=bob,O=corp"`, `user="bob,client-id=x"`, "user=bob,client-id=x"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entities (-want +got):\n%s", d)
	}
}
