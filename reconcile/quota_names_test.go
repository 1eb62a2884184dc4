package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// TestQuotaNamesWithSeparatorsConverge pins the bug where a quota on
// user "bob,client-id=x" and the two-part entity user=bob,client-id=x had
// one key: the plan read one entity's values for the other and never
// converged. Each is its own entity, and the other one is left alone.
func TestQuotaNamesWithSeparatorsConverge(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		bob := kafkatest.Unique("bob")
		odd, client := bob+",client-id=x", "x"

		// Someone else's quota on the two-part entity.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		other := []kadm.ClientQuotaEntityComponent{{Type: "user", Name: &bob}, {Type: "client-id", Name: &client}}
		res, err := c.Admin(t).AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{
			Entity: other, Ops: []kadm.AlterClientQuotaOp{{Key: "consumer_byte_rate", Value: 2048}},
		}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("alter client quotas: %v %v", err, res)
		}

		st := &spec.State{Quotas: []spec.Quota{{Name: "odd", Entity: spec.QuotaEntity{User: &odd}, Values: map[string]float64{"producer_byte_rate": 1024}}}}
		p, _ := r.applyPlan(st, DiffOptions{})
		want := []string{`create Quota user="` + odd + `"`}
		if d := cmp.Diff(want, changeNames(p)); d != "" {
			t.Fatalf("first plan (-want +got):\n%s", d)
		}
		r.assertNoChanges(st)

		live := r.observeFor(st)
		got := map[string]map[string]float64{}
		for key, q := range live.Quotas {
			if key == "user="+bob+",client-id=x" || key == `user="`+odd+`"` {
				got[key] = q.Values
			}
		}
		wantLive := map[string]map[string]float64{
			"user=" + bob + ",client-id=x": {"consumer_byte_rate": 2048},
			`user="` + odd + `"`:           {"producer_byte_rate": 1024},
		}
		if d := cmp.Diff(wantLive, got); d != "" {
			t.Errorf("live quotas (-want +got):\n%s", d)
		}
	})
}
