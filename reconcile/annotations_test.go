package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

func annotated(t spec.Topic, key, value string) spec.Topic {
	t.Annotations = map[string]string{key: value}
	return t
}

// kgitops.io/prevent-destroy is recorded when applied, so that a plan that
// deletes the topic fails even after its document left the repo, and even
// with --allow-delete.
func TestPreventDestroyHoldsAfterTheDocumentIsGone(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		keep, guarded := kafkatest.Unique("keep"), kafkatest.Unique("guarded")
		protected := annotated(topic(guarded, 1, nil), spec.AnnotationPreventDestroy, "true")
		r.apply(state(topic(keep, 1, nil), protected), DiffOptions{})
		if e := r.observe().Inventory.Entries[ResourceKey{KindTopic, guarded}]; !e.PreventDestroy {
			t.Fatalf("protection not recorded: %+v", e)
		}

		p, _ := r.plan(state(topic(keep, 1, nil)), DiffOptions{AllowDelete: true})
		if len(p.Errors) != 1 || p.Errors[0].Name != guarded || !strings.Contains(p.Errors[0].Message, "protected by kgitops.io/prevent-destroy") {
			t.Fatalf("deleting a protected topic: %+v", p.Errors)
		}

		// Lifting the protection is a change of its own, shown in the plan.
		lifted := annotated(topic(guarded, 1, nil), spec.AnnotationPreventDestroy, "false")
		p, _ = r.applyPlan(state(topic(keep, 1, nil), lifted), DiffOptions{})
		if len(p.Changes) != 1 || p.Changes[0].Fields[0].Path != "annotations.kgitops.io/prevent-destroy" {
			t.Fatalf("lifting the protection: %+v", p.Changes)
		}
		r.apply(state(topic(keep, 1, nil)), DiffOptions{AllowDelete: true})
		if _, still := r.observe().Topics[guarded]; still {
			t.Fatal("the topic was not deleted once unprotected")
		}
	})
}

// kgitops.io/delete deletes a topic kgitops did not create, with
// --allow-delete, and shows it as a destructive change before that.
func TestADeletionWrittenInGit(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		legacy := kafkatest.Unique("legacy")
		createForeignTopic(t, c, legacy)
		st := state(annotated(topic(legacy, 1, nil), spec.AnnotationDelete, "true"))
		p, _ := r.plan(st, DiffOptions{})
		if len(p.Changes) != 1 || p.Changes[0].Action != ActionDelete || !p.Changes[0].Pending || !p.Destructive() ||
			!strings.Contains(p.Changes[0].Sources[0], spec.AnnotationDelete) {
			t.Fatalf("plan of a deletion written in git: %+v", p.Changes)
		}
		r.apply(st, DiffOptions{AllowDelete: true})
		if _, still := r.observe().Topics[legacy]; still {
			t.Fatal("the topic marked for deletion is still there")
		}
		r.assertNoChanges(st)
	})
}

func withAnnotation[T any](v T, set func(*T, map[string]string), key, value string) T {
	set(&v, map[string]string{key: value})
	return v
}

func userAnn(u *spec.User, a map[string]string)           { u.Annotations = a }
func quotaAnn(q *spec.Quota, a map[string]string)         { q.Annotations = a }
func aclAnn(x *spec.ACL, a map[string]string)             { x.Annotations = a }
func bindingAnn(b *spec.RoleBinding, a map[string]string) { b.Annotations = a }

// kgitops.io/prevent-destroy protects users, quotas and the ACLs of a
// principal as it protects topics: recorded when applied, it refuses any
// plan that deletes them after their documents left the repo, until it is
// lifted by a change of its own.
func TestPreventDestroyProtectsAccessControl(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		user, other := kafkatest.Unique("app"), kafkatest.Unique("ops")
		topicName, group := kafkatest.Unique("orders"), kafkatest.Unique("grp")
		keep := topic(kafkatest.Unique("keep"), 1, nil)
		pw := DiffOptions{Passwords: map[string]Secret{user: NewSecret("a-password")}}
		protect := func(value string) *spec.State {
			st := accessState(user, other, topicName, group)
			st.Topics = []spec.Topic{keep}
			st.Users[0] = withAnnotation(st.Users[0], userAnn, spec.AnnotationPreventDestroy, value)
			st.Quotas[0] = withAnnotation(st.Quotas[0], quotaAnn, spec.AnnotationPreventDestroy, value)
			st.ACLs[0] = withAnnotation(st.ACLs[0], aclAnn, spec.AnnotationPreventDestroy, value)
			st.RoleBindings[0] = withAnnotation(st.RoleBindings[0], bindingAnn, spec.AnnotationPreventDestroy, value)
			return st
		}
		p, _ := r.applyPlan(protect("true"), pw)
		if got := protectFields(p); len(got) != 4 {
			t.Fatalf("a first apply shows the protection of each resource, got %v", got)
		}
		inv := r.observeFor(protect("true")).Inventory
		for _, k := range []ResourceKey{{KindUser, user}, {KindQuota, "user=" + user}, {KindACL, "User:" + user}, {KindACL, "User:" + other}} {
			if !inv.Entries[k].PreventDestroy {
				t.Errorf("protection of %v not recorded: %+v", k, inv.Entries[k])
			}
		}
		if p, _ := r.plan(protect("true"), pw); p.HasChanges() {
			t.Fatalf("plan after apply: %v", changeNames(p))
		}

		// The documents leave the repo: every deletion is refused, even
		// with --allow-delete, and nothing at all is applied.
		gone := state(keep)
		p, _ = r.plan(gone, DiffOptions{AllowDelete: true})
		refused := map[string]bool{}
		for _, e := range p.Errors {
			if !strings.Contains(e.Message, "protected by kgitops.io/prevent-destroy") {
				t.Errorf("unexpected refusal: %+v", e)
			}
			refused[e.Kind] = true
		}
		if !refused[KindUser] || !refused[KindQuota] || !refused[KindACL] {
			t.Fatalf("deleting protected access control: errors %+v", p.Errors)
		}

		// Lifting the protection is a change of its own, and changes
		// nothing in the cluster.
		p, _ = r.applyPlan(protect("false"), pw)
		if got, all := protectFields(p), changeNames(p); len(got) != 4 || len(all) != 4 {
			t.Fatalf("lifting the protection: %v (all changes %v)", got, all)
		}
		r.apply(gone, DiffOptions{AllowDelete: true})
		live := r.observeFor(accessState(user, other, topicName, group))
		if len(live.Users[user]) != 0 || len(live.Quotas["user="+user].Values) != 0 {
			t.Errorf("user or quota survived once unprotected: %v %v", live.Users[user], live.Quotas["user="+user])
		}
		for e := range live.ACLs {
			if e.Principal == "User:"+user || e.Principal == "User:"+other {
				t.Errorf("ACL survived once unprotected: %s", e)
			}
		}
	})
}

// protectFields lists the plan's changes of kgitops.io/prevent-destroy.
func protectFields(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		for _, f := range c.Fields {
			if f.Path == "annotations."+spec.AnnotationPreventDestroy {
				out = append(out, c.Kind+" "+c.Name)
			}
		}
	}
	return out
}

// kgitops.io/delete removes a user's credentials, an entity's quotas and
// the ACLs of an ACL document or a RoleBinding that kgitops did not
// create, with --allow-delete; the plan shows each as a requested
// deletion first. A deleted user needs no password.
func TestDeletionsWrittenInGitForAccessControl(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		user, other := kafkatest.Unique("legacy"), kafkatest.Unique("old")
		topicName, group := kafkatest.Unique("orders"), kafkatest.Unique("grp")
		// Someone else made all of it, by hand.
		createForeignAccess(t, c, accessState(user, other, topicName, group), "their-password")

		marked := accessState(user, other, topicName, group)
		marked.Users[0] = withAnnotation(marked.Users[0], userAnn, spec.AnnotationDelete, "true")
		marked.Users[0].PasswordFrom = spec.PasswordSource{Env: "NOT_SET_ANYWHERE"}
		marked.Quotas[0] = withAnnotation(marked.Quotas[0], quotaAnn, spec.AnnotationDelete, "true")
		marked.ACLs[0] = withAnnotation(marked.ACLs[0], aclAnn, spec.AnnotationDelete, "true")
		marked.RoleBindings[0] = withAnnotation(marked.RoleBindings[0], bindingAnn, spec.AnnotationDelete, "true")

		p, _ := r.plan(marked, DiffOptions{})
		if len(p.Errors) > 0 {
			t.Fatalf("plan errors: %v", p.Errors)
		}
		// user, quota, 3 consumer ACLs and the deny ACL.
		if len(p.Changes) != 6 || p.Summary.PendingDelete != 6 || !p.Destructive() {
			t.Fatalf("plan of deletions written in git: %v", changeNames(p))
		}
		for _, c := range p.Changes {
			if !c.Requested || c.Action != ActionDelete || len(c.Sources) == 0 || !strings.Contains(c.Sources[0], spec.AnnotationDelete) {
				t.Errorf("change %s %s: requested %v, sources %v", c.Action, c.Name, c.Requested, c.Sources)
			}
		}
		r.apply(marked, DiffOptions{AllowDelete: true})
		live := r.observeFor(marked)
		if len(live.Users[user]) != 0 || len(live.Quotas["user="+user].Values) != 0 {
			t.Errorf("user or quota survived: %v %v", live.Users[user], live.Quotas["user="+user])
		}
		for e := range live.ACLs {
			if e.Principal == "User:"+user || e.Principal == "User:"+other {
				t.Errorf("ACL survived: %s", e)
			}
		}
		r.assertNoChanges(marked)
	})
}

// The ACLs of one document marked for deletion go; the principal's other
// ACLs, and kgitops' ownership of the principal, stay.
func TestDeletingOneACLDocumentKeepsThePrincipal(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		user, other := kafkatest.Unique("app"), kafkatest.Unique("ops")
		topicName, group := kafkatest.Unique("orders"), kafkatest.Unique("grp")
		st := accessState(user, other, topicName, group)
		st.Users, st.Quotas = nil, nil
		// A second document for the binding's principal.
		extra := spec.ACL{Name: "extra", Principal: "User:" + user, Rules: []spec.ACLRule{{
			Resource:   spec.ResourcePattern{Type: "topic", Name: topicName, PatternType: "literal"},
			Operations: []string{"WRITE"}, Permission: "ALLOW", Host: "*",
		}}}
		st.ACLs = append(st.ACLs, extra)
		r.apply(st, DiffOptions{})

		st.ACLs[1] = withAnnotation(extra, aclAnn, spec.AnnotationDelete, "true")
		p, _ := r.applyPlan(st, DiffOptions{AllowDelete: true})
		want := []string{"delete ACL ALLOW User:" + user + " WRITE topic:" + topicName + " (literal) from *"}
		if d := cmp.Diff(want, changeNames(p)); d != "" {
			t.Fatalf("plan (-want +got):\n%s", d)
		}
		live := r.observeFor(st)
		if _, held := live.Inventory.Entries[ResourceKey{KindACL, "User:" + user}]; !held {
			t.Fatal("the principal left the inventory although the repo still governs it")
		}
		if n := countACLs(live, "User:"+user); n != 3 {
			t.Fatalf("the binding's 3 ACLs should stay, have %d", n)
		}
		r.assertNoChanges(st)

		// Asking for an ACL in one document and deleting it in another
		// is refused.
		st.ACLs[1].Rules[0].Operations = []string{"READ"}
		p, _ = r.plan(st, DiffOptions{AllowDelete: true})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "asks to delete it") {
			t.Fatalf("contradicting documents: %+v", p.Errors)
		}
	})
}

func countACLs(live *Live, principal string) int {
	n := 0
	for e := range live.ACLs {
		if e.Principal == principal {
			n++
		}
	}
	return n
}

// createForeignAccess makes st's users, quotas and ACLs with the admin
// client, as an operator would by hand: no inventory holds them.
func createForeignAccess(t *testing.T, c *kafkatest.Cluster, st *spec.State, password string) {
	t.Helper()
	adm := c.Admin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ups []kadm.UpsertSCRAM
	for _, u := range st.Users {
		ups = append(ups, kadm.UpsertSCRAM{User: u.Name, Mechanism: scramMechanism(u.Mechanism), Iterations: u.Iterations, Password: password})
	}
	res, err := adm.AlterUserSCRAMs(ctx, nil, ups)
	if err != nil {
		t.Fatalf("create users: %v", err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("create user %s: %v", r.User, r.Err)
		}
	}
	var qs []kadm.AlterClientQuotaEntry
	for _, q := range st.Quotas {
		e := kadm.AlterClientQuotaEntry{Entity: quotaEntity(q.Entity)}
		for k, v := range q.Values {
			e.Ops = append(e.Ops, kadm.AlterClientQuotaOp{Key: k, Value: v})
		}
		qs = append(qs, e)
	}
	if res, err := adm.AlterClientQuotas(ctx, qs); err != nil {
		t.Fatalf("create quotas: %v", err)
	} else {
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("create quota: %v", r.Err)
			}
		}
	}
	req := kmsg.NewPtrCreateACLsRequest()
	for _, d := range st.DesiredACLs() {
		e := d.Entry
		rt, pt, op, perm := aclEnums(e)
		cr := kmsg.NewCreateACLsRequestCreation()
		cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = rt, e.ResourceName, pt
		cr.Principal, cr.Host, cr.Operation, cr.PermissionType = e.Principal, e.Host, op, perm
		req.Creations = append(req.Creations, cr)
	}
	resp, err := req.RequestWith(ctx, c.Client(t))
	if err != nil {
		t.Fatalf("create ACLs: %v", err)
	}
	for _, r := range resp.Results {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
			t.Fatalf("create ACL: %v", err)
		}
	}
}
