package reconcile

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// accessState declares one SCRAM user bound as consumer of a topic, a
// quota for it, and a raw deny ACL for a second principal.
func accessState(user, other, topicName, group string) *spec.State {
	return &spec.State{
		Users: []spec.User{{Name: user, Mechanism: "SCRAM-SHA-512", Iterations: 8192, PasswordFrom: spec.PasswordSource{Env: "PW"}}},
		RoleBindings: []spec.RoleBinding{{
			Name: "consume", Role: "consumer", Principals: []string{"User:" + user},
			Topics: []spec.ResourceRef{{Name: topicName, PatternType: "literal"}},
			Groups: []spec.ResourceRef{{Name: group, PatternType: "prefixed"}},
			Host:   "*", Permission: "ALLOW",
		}},
		ACLs: []spec.ACL{{Name: other, Principal: "User:" + other, Rules: []spec.ACLRule{{
			Resource:   spec.ResourcePattern{Type: "topic", Name: topicName, PatternType: "literal"},
			Operations: []string{"WRITE"}, Permission: "DENY", Host: "*",
		}}}},
		Quotas: []spec.Quota{{Name: user, Entity: spec.QuotaEntity{User: &user}, Values: map[string]float64{"producer_byte_rate": 1048576}}},
	}
}

func changeNames(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		s := string(c.Action) + " " + c.Kind + " " + c.Name
		if c.Pending {
			s += " (pending)"
		}
		if c.Drift {
			s += " (drift)"
		}
		out = append(out, s)
	}
	return out
}

func TestAccessControlLifecycle(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		user, other := kafkatest.Unique("app"), kafkatest.Unique("intruder")
		topicName, group := kafkatest.Unique("orders"), kafkatest.Unique("grp")
		st := accessState(user, other, topicName, group)
		pw := func(s string) DiffOptions { return DiffOptions{Passwords: map[string]Secret{user: NewSecret(s)}} }

		p, _ := r.applyPlan(st, pw("first-password"))
		if p.Summary.Create != 6 { // user, quota, 3 consumer ACLs, 1 deny ACL
			t.Fatalf("first plan: %v", changeNames(p))
		}
		if p, _ := r.plan(st, pw("first-password")); p.HasChanges() {
			t.Fatalf("plan after apply is not empty: %v", changeNames(p))
		}

		// Drift: an ACL added by hand to a managed principal is removed.
		adm := c.Admin(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b := kadm.NewACLs().Allow("User:" + user).Topics(topicName).Operations(kadm.OpAlter).ResourcePatternType(kadm.ACLPatternLiteral)
		if res, err := adm.CreateACLs(ctx, b); err != nil || res[0].Err != nil {
			t.Fatalf("create drift ACL: %v %v", err, res)
		}
		// A real broker lists the ACL a moment after the controller took it.
		for n := 0; ; n++ {
			acls, err := ReadACLs(ctx, c.Client(t))
			if err == nil && slices.ContainsFunc(slices.Collect(maps.Keys(acls)), func(e spec.ACLEntry) bool {
				return e.Principal == "User:"+user && e.Operation == "ALTER" && e.ResourceName == topicName
			}) {
				break
			}
			if n > 100 {
				t.Fatalf("the drift ACL is not listed after 10 s: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		p, _ = r.plan(st, pw("first-password"))
		want := []string{"delete ACL ALLOW User:" + user + " ALTER topic:" + topicName + " (literal) from * (drift)"}
		if d := cmp.Diff(want, changeNames(p)); d != "" {
			t.Fatalf("drift plan (-want +got):\n%s", d)
		}
		r.apply(st, pw("first-password"))

		// A new password shows as a change, and only as one.
		p, _ = r.plan(st, pw("second-password"))
		if d := cmp.Diff([]string{"update User " + user}, changeNames(p)); d != "" {
			t.Fatalf("password change plan (-want +got):\n%s", d)
		}
		r.apply(st, pw("second-password"))
		if p, _ := r.plan(st, pw("second-password")); p.HasChanges() {
			t.Fatalf("plan after the password change: %v", changeNames(p))
		}

		// Everything removed from the repo: pending without AllowDelete,
		// gone with it.
		empty := &spec.State{}
		p, _ = r.plan(empty, DiffOptions{AllowEmpty: true})
		if p.Summary.PendingDelete != 6 || p.Summary.Delete != 0 {
			t.Fatalf("removed from the repo, want 6 pending deletions: %v", changeNames(p))
		}
		r.apply(empty, DiffOptions{AllowDelete: true, AllowEmpty: true})
		p, live := r.plan(empty, DiffOptions{})
		if p.HasChanges() {
			t.Fatalf("after apply --allow-delete: %v", changeNames(p))
		}
		if len(live.Users[user]) != 0 || len(live.Quotas["user="+user].Values) != 0 {
			t.Errorf("user or quota survived: %v %v", live.Users[user], live.Quotas["user="+user])
		}
		for e := range live.ACLs {
			if e.Principal == "User:"+user || e.Principal == "User:"+other {
				t.Errorf("ACL survived: %s", e)
			}
		}
		if len(live.Inventory.Entries) != 0 {
			t.Errorf("inventory not empty: %v", live.Inventory.Entries)
		}
	})
}
