package reconcile

import (
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// The inventory partition's leader answers OFFSET_NOT_AVAILABLE for a
// moment after its leadership moved (a broker restart, a rebalance):
// reading the inventory asks again instead of failing the command.
func TestInventoryReadRetriesALeaderChange(t *testing.T) {
	c := kafkatest.NewFake(t)
	r := newRig(t, c)
	name := kafkatest.Unique("kept")
	r.apply(&spec.State{Topics: []spec.Topic{{Name: name, Partitions: 1, ReplicationFactor: 1}}}, DiffOptions{})
	var failed atomic.Int32
	c.Fake.ControlKey(int16(kmsg.ListOffsets), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		if failed.Add(1) > 3 {
			return nil, nil, false
		}
		lr := req.(*kmsg.ListOffsetsRequest)
		resp := lr.ResponseKind().(*kmsg.ListOffsetsResponse)
		for _, rt := range lr.Topics {
			st := kmsg.NewListOffsetsResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewListOffsetsResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.OffsetNotAvailable.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	inv, err := ReadInventory(r.ctx(), r.cl, r.inv)
	if err != nil {
		t.Fatalf("read the inventory through a leader change: %v", err)
	}
	if !inv.has(KindTopic, name) || failed.Load() < 4 {
		t.Fatalf("inventory %v after %d ListOffsets", inv.Entries, failed.Load())
	}
}
