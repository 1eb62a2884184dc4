package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// An inventory topic another apply created a moment ago is read, not taken
// as empty: the client's metadata may still say the topic does not exist
// (it was asked before the topic was made), and kadm answers the end
// offsets from it.
func TestInventoryReadSeesATopicMadeAMomentAgo(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ref := InventoryRef{Topic: kafkatest.Unique("inv"), Name: "stale"}
		cl := c.Client(t)
		inv, err := ReadInventory(ctx, cl, ref) // the topic does not exist yet
		if err != nil || len(inv.Entries) != 0 {
			t.Fatalf("empty inventory: %v %v", inv.Entries, err)
		}
		other := c.Client(t, kgo.AllowAutoTopicCreation())
		if _, err := c.Admin(t).CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": kmsg.StringPtr("compact")}, ref.Topic); err != nil {
			t.Fatal(err)
		}
		rec := &kgo.Record{Topic: ref.Topic, Key: []byte("stale/Topic/made"), Value: []byte(`{"createdAt":"2026-01-01T00:00:00Z"}`)}
		if err := other.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
		inv, err = ReadInventory(ctx, cl, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !inv.Has(KindTopic, "made") {
			t.Fatalf("the inventory read right after its topic was made is empty: %v", inv.Entries)
		}
	})
}
