package reconcile

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// Regression: kgitops created reuse.t; it was deleted out of band and
// another team created a new reuse.t. apply --allow-delete deleted the
// other team's topic. Topics are now owned by id.
func TestATopicRecreatedByOthersIsNotOurs(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		kept, reused := kafkatest.Unique("kept"), kafkatest.Unique("reuse.t")
		r.apply(state(topic(kept, 1, nil), topic(reused, 1, nil)), DiffOptions{})
		entry := r.observe().Inventory.Entries[ResourceKey{KindTopic, reused}]
		if len(entry.TopicID) != 32 || entry.Pending {
			t.Fatalf("inventory entry of a created topic: %+v", entry)
		}

		// Deleted out of band, and created again by someone else.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm := c.Admin(t)
		if _, err := adm.DeleteTopics(ctx, reused); err != nil {
			t.Fatal(err)
		}
		if err := waitForTopics(ctx, r.cl, nil, []string{reused}); err != nil {
			t.Fatal(err)
		}
		createForeignTopicWith(t, c, reused, 12)

		st := state(topic(kept, 1, nil))
		p, _ := r.plan(st, DiffOptions{AllowDelete: true})
		if p.HasChanges() || len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, "not ours any more") {
			t.Fatalf("plan: changes %+v notes %+v", p.Changes, p.Notes)
		}
		r.apply(st, DiffOptions{AllowDelete: true}) // forgets it
		live := r.observe()
		if lt, ok := live.Topics[reused]; !ok || lt.Partitions != 12 {
			t.Fatalf("the other team's topic is gone or changed: %+v", lt)
		}
		if _, still := live.Inventory.Entries[ResourceKey{KindTopic, reused}]; still {
			t.Fatal("the recreated topic is still in the inventory")
		}
		if p, _ := r.plan(st, DiffOptions{AllowDelete: true}); p.HasChanges() || len(p.Notes) > 0 || live.InventoryRepairs() > 0 {
			t.Fatalf("plan after forgetting: %+v %+v", p.Changes, p.Notes)
		}
	})
}

// Intents left by a process that died are confirmed when the resource
// exists (with the topic's id), dropped when it does not after a grace
// period, and kept meanwhile: brokers may not show a topic the controller
// created yet.
func TestIntentsAreConfirmedOrDropped(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		created, never, young := kafkatest.Unique("created"), kafkatest.Unique("never"), kafkatest.Unique("young")
		createForeignTopicWith(t, c, created, 1)
		// What writeIntents leaves when the process dies right after it:
		// intents whose topic was created, or was not (long ago, or just now).
		w := inventoryWriter{cl: r.cl, ref: r.inv.withDefaults(), brokers: 1}
		now := time.Now().UTC()
		old := InventoryEntry{CreatedAt: now.Add(-time.Hour), Pending: true}
		fresh := InventoryEntry{CreatedAt: now, Pending: true}
		if err := w.record(r.ctx(), map[ResourceKey]InventoryEntry{{KindTopic, created}: fresh, {KindTopic, never}: old, {KindTopic, young}: fresh}, nil); err != nil {
			t.Fatal(err)
		}
		st := state(topic(created, 1, nil))
		live := r.observe()
		if n := live.InventoryRepairs(); n != 2 {
			t.Fatalf("InventoryRepairs = %d, want 2 (confirm one, drop one)", n)
		}
		// Owned already: removing it from the repo makes it a deletion.
		if p := Diff(&spec.State{}, live, DiffOptions{AllowEmpty: true}); len(p.Changes) != 1 || p.Changes[0].Name != created {
			t.Fatalf("a pending intent whose topic exists is not owned: %+v", p.Changes)
		}
		r.apply(st, DiffOptions{})
		live = r.observe()
		e, ok := live.Inventory.Entries[ResourceKey{KindTopic, created}]
		if !ok || e.Pending || e.TopicID != live.Topics[created].ID {
			t.Fatalf("intent not confirmed with the topic's id: %+v", e)
		}
		if _, ok := live.Inventory.Entries[ResourceKey{KindTopic, never}]; ok {
			t.Fatal("an old intent of a topic that was never created was kept")
		}
		if e, ok := live.Inventory.Entries[ResourceKey{KindTopic, young}]; !ok || !e.Pending {
			t.Fatalf("a young intent was dropped before brokers could show its topic: %+v", e)
		}
	})
}

// Regression: the inventory's createdAt was overwritten on every password
// change.
func TestCreatedAtSurvivesAPasswordChange(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		user := kafkatest.Unique("app")
		st := &spec.State{Users: []spec.User{{Name: user, Mechanism: "SCRAM-SHA-256", Iterations: 4096, PasswordFrom: spec.PasswordSource{Env: "X"}}}}
		apply := func(pw string, now time.Time) {
			t.Helper()
			opts := DiffOptions{Passwords: map[string]Secret{user: NewSecret(pw)}}
			p, live := r.plan(st, opts)
			if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live, Now: func() time.Time { return now }}); err != nil {
				t.Fatal(err)
			}
		}
		first := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		apply("one-password", first)
		apply("another-password", first.Add(48*time.Hour))
		e := r.observe().Inventory.Entries[ResourceKey{KindUser, user}]
		if !e.CreatedAt.Equal(first) {
			t.Fatalf("createdAt after a password change = %v, want %v", e.CreatedAt, first)
		}
	})
}

// Regression (issue 9): every repo used the inventory "default", so a
// second daemon on another repo listed the first repo's topics as pending
// deletions, one --allow-delete away from removing them.
func TestAnInventoryBelongsToOneSource(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		a, b := kafkatest.Unique("team-a"), kafkatest.Unique("team-b")
		const srcA, srcB = "git:git.example/team-a/kafka//", "git:git.example/team-b/kafka//"
		applyFrom := func(st *spec.State, src string, claim bool) {
			t.Helper()
			opts := DiffOptions{Source: src, ClaimInventory: claim, AllowDelete: true}
			p, live := r.plan(st, opts)
			if len(p.Errors) > 0 {
				t.Fatalf("plan from %s: %v", src, p.Errors)
			}
			if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live, Source: src, ClaimInventory: claim}); err != nil {
				t.Fatal(err)
			}
		}
		applyFrom(state(topic(a, 1, nil)), srcA, false)
		if got := r.observe().Inventory.Source; got != srcA {
			t.Fatalf("inventory source after the first apply = %q", got)
		}

		p, _ := r.plan(state(topic(b, 1, nil)), DiffOptions{Source: srcB, AllowDelete: true})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "belongs to "+srcA) || !strings.Contains(p.Errors[0].Message, "--inventory-name "+r.inv.Name) {
			t.Fatalf("a plan from another source: %+v", p.Errors)
		}
		for _, ch := range p.Changes {
			if ch.Name == a {
				t.Fatalf("another source's topic is listed for deletion: %+v", ch)
			}
		}
		if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv}); err == nil {
			t.Fatal("the refused plan was applied")
		}

		// Taking the inventory over is explicit, and the plan says so.
		p, _ = r.plan(state(topic(b, 1, nil)), DiffOptions{Source: srcB, ClaimInventory: true, AllowDelete: true})
		if !slices.ContainsFunc(p.Notes, func(n Refusal) bool {
			return strings.Contains(n.Message, "belongs to "+srcA) && strings.Contains(n.Message, "takes it over for "+srcB)
		}) {
			t.Fatalf("a plan that takes another source's inventory over does not say so: %+v", p.Notes)
		}
		applyFrom(state(topic(b, 1, nil)), srcB, true)
		live := r.observe()
		if live.Inventory.Source != srcB {
			t.Fatalf("inventory source after a claim = %q", live.Inventory.Source)
		}
		if _, still := live.Topics[a]; still {
			t.Fatalf("the claimed inventory's topic %s was not deleted with --allow-delete", a)
		}
	})
}

// Regression (issue 9): two repos with different inventory names that both
// declared User:shared deleted each other's ACLs as drift on every apply.
// Now both plans report the conflict, naming the other, and neither
// changes the principal.
func TestAResourceTwoInventoriesClaimIsLeftAlone(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		ra, rb := newRig(t, c), newRig(t, c)
		shared := "User:" + kafkatest.Unique("shared")
		ta, tb := kafkatest.Unique("a"), kafkatest.Unique("b")
		acl := func(topicName, op string) *spec.State {
			return &spec.State{ACLs: []spec.ACL{{Name: "shared", Principal: shared, Rules: []spec.ACLRule{{
				Resource:   spec.ResourcePattern{Type: spec.ResourceTopic, Name: topicName, PatternType: spec.PatternLiteral},
				Operations: []string{op}, Permission: spec.PermissionAllow, Host: "*"}}}}}
		}
		stA, stB := acl(ta, "READ"), acl(tb, "WRITE")
		ra.apply(stA, DiffOptions{})

		p, _ := rb.plan(stB, DiffOptions{AllowDelete: true})
		if p.HasChanges() || len(p.Blocked) != 1 || !strings.Contains(p.Blocked[0].Message, `inventory "`+ra.inv.Name+`" declares it too`) {
			t.Fatalf("the second repo's plan: changes %+v blocked %+v", p.Changes, p.Blocked)
		}
		rb.apply(stB, DiffOptions{AllowDelete: true}) // records its claim

		p, _ = ra.plan(stA, DiffOptions{AllowDelete: true})
		if p.HasChanges() || len(p.Blocked) != 1 || !strings.Contains(p.Blocked[0].Message, `inventory "`+rb.inv.Name+`" declares it too`) {
			t.Fatalf("the first repo's plan after the claim: changes %+v blocked %+v", p.Changes, p.Blocked)
		}
		live := ra.observe()
		var ops []string
		for e := range live.ACLs {
			if e.Principal == shared {
				ops = append(ops, e.Operation)
			}
		}
		if len(ops) != 1 || ops[0] != "READ" {
			t.Fatalf("the shared principal's ACLs changed: %v", ops)
		}

		// The second repo drops the principal: its claim goes, and the
		// first repo manages it alone again.
		rb.apply(&spec.State{Topics: []spec.Topic{topic(tb, 1, nil)}}, DiffOptions{})
		if p, _ := ra.plan(stA, DiffOptions{}); len(p.Blocked) != 0 {
			t.Fatalf("still blocked after the other repo gave it up: %+v", p.Blocked)
		}
	})
}

// Observe compares the declared users' passwords with the inventory's
// hashes while it reads, so that Diff, which runs after it and would
// otherwise spend thousands of PBKDF2 rounds a user on the plan's critical
// path, finds each answer remembered. With ReadEarly (plan and apply), the
// comparisons run as soon as the inventory is read, before the first
// wave's DescribeConfigs of every topic has been answered: here kfake holds
// that answer back until the comparison is remembered, or for 3 s.
func TestObserveComparesPasswordsWhileItReads(t *testing.T) {
	c := kafkatest.NewFake(t)
	r := newRig(t, c)
	user := kafkatest.Unique("app")
	st := &spec.State{Users: []spec.User{{Name: user, Mechanism: "SCRAM-SHA-512", Iterations: 4096, PasswordFrom: spec.PasswordSource{Env: "X"}}},
		Topics: []spec.Topic{topic(kafkatest.Unique("t"), 1, nil)}}
	pw := NewSecret("pw-" + user)
	p, live := r.plan(st, DiffOptions{Passwords: map[string]Secret{user: pw}})
	if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live}); err != nil {
		t.Fatal(err)
	}
	hash := r.observe().Inventory.Entries[ResourceKey{KindUser, user}].PasswordHash
	if hash == "" {
		t.Fatal("the inventory recorded no password hash for the user")
	}
	key := matchKey(hash, credentialText("SCRAM-SHA-512", 4096, pw))
	forget := func() {
		matches.mu.Lock()
		matches.m = map[[32]byte]bool{}
		matches.mu.Unlock()
	}
	for _, tc := range []struct {
		name                  string
		passwords             map[string]Secret
		early, whileHeld, end bool
	}{
		{"without the passwords", nil, true, false, false},
		{"with them", map[string]Secret{user: pw}, false, false, true},
		{"with them, reading early", map[string]Secret{user: pw}, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forget()
			var held, heldSeen atomic.Bool
			c.Fake.ControlKey(int16(kmsg.DescribeConfigs), func(kmsg.Request) (kmsg.Response, error, bool) {
				if held.Swap(true) {
					return nil, nil, false // one request of the first wave is enough
				}
				c.Fake.SleepControl(func() {
					for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
						if _, known := matches.get(key); known {
							heldSeen.Store(true)
							return
						}
					}
				})
				return nil, nil, false
			})
			_, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st, Passwords: tc.passwords, ReadEarly: tc.early})
			if err != nil {
				t.Fatal(err)
			}
			ok, known := matches.get(key)
			if heldSeen.Load() != tc.whileHeld || known != tc.end || known && !ok {
				t.Errorf("remembered while the topics' configs were held back: %v (want %v); after Observe: %v, matched %v (want %v, matched)",
					heldSeen.Load(), tc.whileHeld, known, ok, tc.end)
			}
		})
	}
}
