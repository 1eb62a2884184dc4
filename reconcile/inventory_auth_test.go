package reconcile

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/secret"
)

const testInventoryKey = "0123456789abcdef-inventory-test-key"

func TestInventoryRecordMAC(t *testing.T) {
	ref := InventoryRef{Name: "inv", Key: secret.New(testInventoryKey)}
	other := InventoryRef{Name: "inv", Key: secret.New("another-key-of-enough-length")}
	signed := func(k, v string) *kgo.Record {
		r := &kgo.Record{Key: []byte(k), Value: []byte(v)}
		ref.sign(r)
		return r
	}
	tests := []struct {
		name string
		rec  *kgo.Record
		want bool
	}{
		{"signed", signed("inv/Topic/a", `{"createdAt":"2026-01-01T00:00:00Z"}`), true},
		{"signed tombstone", &kgo.Record{Key: []byte("inv/Topic/a"), Headers: signed("inv/Topic/a", "").Headers}, true},
		{"no header", &kgo.Record{Key: []byte("inv/Topic/a"), Value: []byte(`{}`)}, false},
		{"garbage header", &kgo.Record{Key: []byte("inv/Topic/a"), Value: []byte(`{}`), Headers: []kgo.RecordHeader{{Key: MACHeader, Value: []byte("zz")}}}, false},
		{"value changed", &kgo.Record{Key: []byte("inv/Topic/a"), Value: []byte(`{"x":1}`), Headers: signed("inv/Topic/a", `{}`).Headers}, false},
		{"key changed", &kgo.Record{Key: []byte("inv/Topic/b"), Value: []byte(`{}`), Headers: signed("inv/Topic/a", `{}`).Headers}, false},
		{"key and value shifted", &kgo.Record{Key: []byte("inv/Topic/a{"), Value: []byte(`}`), Headers: signed("inv/Topic/a", `{}`).Headers}, false},
		{"signed with another key", func() *kgo.Record {
			r := &kgo.Record{Key: []byte("inv/Topic/a"), Value: []byte(`{}`)}
			other.sign(r)
			return r
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ref.authentic(tt.rec); got != tt.want {
				t.Fatalf("authentic = %v, want %v", got, tt.want)
			}
		})
	}
	if !(InventoryRef{Name: "inv"}).authentic(&kgo.Record{Key: []byte("inv/Topic/a")}) {
		t.Fatal("without a key every record is authentic")
	}
	r := signed("k", "v")
	if len(r.Headers) != 1 || len(r.Headers[0].Value) != hex.EncodedLen(32) {
		t.Fatalf("headers = %v, want one hex SHA-256 MAC", r.Headers)
	}
}

// forge writes an inventory record straight to the topic, as anyone who
// can write it could: no MAC.
func forge(t *testing.T, c *kafkatest.Cluster, ref InventoryRef, kind, name string, e InventoryEntry) {
	t.Helper()
	ref = ref.withDefaults()
	v, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec := &kgo.Record{Topic: ref.Topic, Key: []byte(recordKey(ref, ResourceKey{kind, name})), Value: v}
	if err := c.Client(t).ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatalf("forge %s: %v", rec.Key, err)
	}
}

// TestForgedInventoryRecordDeletesNothing pins issue 9: anyone who could
// write __kgitops_inventory could make kgitops delete a topic by adding a
// record naming it. With a key, such a record is ignored and reported;
// records kgitops wrote still work.
func TestForgedInventoryRecordDeletesNothing(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		r.inv.Key = secret.New(testInventoryKey)
		ours, victim := kafkatest.Unique("ours"), kafkatest.Unique("victim")
		r.apply(state(topic(ours, 1, nil)), DiffOptions{})
		createForeignTopic(t, c, victim)
		forge(t, c, r.inv, KindTopic, victim, InventoryEntry{CreatedAt: time.Now().UTC()})

		// Without the key, the forged record is believed: this is the bug.
		keyless := r.inv
		keyless.Key = secret.Value{}
		live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: keyless})
		if err != nil {
			t.Fatal(err)
		}
		if !live.Inventory.Has(KindTopic, victim) {
			t.Fatalf("without a key the forged entry should be read (the threat this test pins)")
		}

		p, live := r.plan(state(topic(ours, 1, nil)), DiffOptions{AllowDelete: true})
		if p.HasChanges() {
			t.Fatalf("a forged record made a change: %v", changeNames(p))
		}
		want := []string{recordKey(r.inv.withDefaults(), ResourceKey{KindTopic, victim})}
		if live.Inventory.Unauthenticated != 1 || !cmp.Equal(live.Inventory.UnauthenticatedKeys, want) {
			t.Fatalf("unauthenticated = %d %v, want 1 %v", live.Inventory.Unauthenticated, live.Inventory.UnauthenticatedKeys, want)
		}
		if live.Inventory.Has(KindTopic, victim) {
			t.Fatal("the forged entry is in the inventory")
		}
		r.apply(state(topic(ours, 1, nil)), DiffOptions{AllowDelete: true})
		if _, ok := r.observe().Topics[victim]; !ok {
			t.Fatalf("%s was deleted", victim)
		}

		// What kgitops wrote still counts: dropping ours deletes it.
		p, _ = r.plan(state(), DiffOptions{AllowDelete: true, AllowEmpty: true})
		if d := cmp.Diff([]string{"delete Topic " + ours}, changeNames(p)); d != "" {
			t.Fatalf("plan without ours (-want +got):\n%s", d)
		}
	})
}

// TestSignInventoryMigrates: an inventory written before a key was set is
// ignored under the key, trusted with TrustUnsigned, and signed by
// SignInventory, after which it reads without TrustUnsigned.
func TestSignInventoryMigrates(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		ours := kafkatest.Unique("old")
		r.apply(state(topic(ours, 1, nil)), DiffOptions{})
		if err := RecordAccepted(r.ctx(), r.cl, r.inv, 1, "rev1", time.Now()); err != nil {
			t.Fatal(err)
		}
		keyed := r.inv
		keyed.Key = secret.New(testInventoryKey)
		read := func(ref InventoryRef) Inventory {
			t.Helper()
			inv, err := ReadInventory(r.ctx(), r.cl, ref)
			if err != nil {
				t.Fatal(err)
			}
			return inv
		}
		if inv := read(keyed); inv.Has(KindTopic, ours) || inv.Accepted != "" || inv.Unauthenticated != 2 {
			t.Fatalf("under a new key: has=%v accepted=%q unauthenticated=%d %v, want the old records ignored",
				inv.Has(KindTopic, ours), inv.Accepted, inv.Unauthenticated, inv.UnauthenticatedKeys)
		}
		trusting := keyed
		trusting.TrustUnsigned = true
		if inv := read(trusting); !inv.Has(KindTopic, ours) || inv.Accepted != "rev1" || inv.Unauthenticated != 2 {
			t.Fatalf("trusting: has=%v accepted=%q unauthenticated=%d", inv.Has(KindTopic, ours), inv.Accepted, inv.Unauthenticated)
		}
		signed, err := SignInventory(r.ctx(), r.cl, keyed)
		if err != nil {
			t.Fatal(err)
		}
		ref := r.inv.withDefaults()
		want := []string{acceptedKey(ref), recordKey(ref, ResourceKey{KindTopic, ours})}
		if d := cmp.Diff(want, signed); d != "" {
			t.Fatalf("signed (-want +got):\n%s", d)
		}
		inv := read(keyed)
		if !inv.Has(KindTopic, ours) || inv.Accepted != "rev1" || inv.Unauthenticated != 0 {
			t.Fatalf("after signing: has=%v accepted=%q unauthenticated=%d %v", inv.Has(KindTopic, ours), inv.Accepted, inv.Unauthenticated, inv.UnauthenticatedKeys)
		}
		if again, err := SignInventory(r.ctx(), r.cl, keyed); err != nil || len(again) != 0 {
			t.Fatalf("second signing: %v %v, want nothing to sign", again, err)
		}
		// A record forged after the migration is still ignored.
		victim := kafkatest.Unique("victim")
		forge(t, c, r.inv, KindTopic, victim, InventoryEntry{})
		if inv := read(keyed); inv.Has(KindTopic, victim) || inv.Unauthenticated != 1 {
			t.Fatalf("forged after migration: has=%v unauthenticated=%d", inv.Has(KindTopic, victim), inv.Unauthenticated)
		}
	})
}

// TestAdoptSignsItsRecords: adopt writes through the same writer, so what
// it records under a key reads as authentic; the same records read under
// another key are ignored.
func TestAdoptSignsItsRecords(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		r.inv.Key = secret.New(testInventoryKey)
		name := kafkatest.Unique("adopted")
		createForeignTopic(t, c, name)
		if err := Adopt(r.ctx(), r.cl, r.inv, 1, []ResourceKey{{KindTopic, name}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		inv, err := ReadInventory(r.ctx(), r.cl, r.inv)
		if err != nil || !inv.Has(KindTopic, name) || inv.Unauthenticated != 0 {
			t.Fatalf("under the key: %v has=%v unauthenticated=%d", err, inv.Has(KindTopic, name), inv.Unauthenticated)
		}
		wrong := r.inv
		wrong.Key = secret.New("a-different-key-0123456789")
		inv, err = ReadInventory(r.ctx(), r.cl, wrong)
		if err != nil || inv.Has(KindTopic, name) || inv.Unauthenticated != 1 {
			t.Fatalf("under another key: %v has=%v unauthenticated=%d", err, inv.Has(KindTopic, name), inv.Unauthenticated)
		}
	})
}
