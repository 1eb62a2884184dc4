package cli

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// Regression (issue 9): apply --timeout 600ms just after a broker restart
// printed "Apply: 300 applied", then an inventory write error, and recorded
// nothing. Here the write of the outcome fails (the intents before it
// succeed): apply must say so and exit 1, and the topics it created must
// still be owned, through their intents.
func TestApplySaysWhenTheInventoryCannotRecord(t *testing.T) {
	c := kafkatest.NewFake(t)
	var writes atomic.Int32
	c.Fake.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		// Only kgitops produces here, and only to its inventory: the
		// intents first, the outcome second. (Produce v13 names topics
		// by id, so the request does not say which.)
		pr := req.(*kmsg.ProduceRequest)
		if writes.Add(1) != 2 {
			return nil, nil, false
		}
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range pr.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.InvalidRecord.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	defer func() { t.Logf("inventory produce requests: %d", writes.Load()) }()
	inv := kafkatest.Unique("rec")
	name := kafkatest.Unique("rec")
	dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 1)})
	r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, inv)...)...)
	if r.code != 1 || !strings.Contains(r.stdout, "The inventory could not record the outcome") || !strings.Contains(r.stderr, "write inventory") {
		t.Fatalf("apply with a failing inventory write:\n%s", r)
	}
	// Owned all the same: removing it from the repo makes it a deletion.
	other := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("other"), 1)})
	r = kgitops(t, nil, append([]string{"plan", "--dir", other}, clusterArgs(c, inv)...)...)
	if !strings.Contains(r.stdout, "- Topic "+name+"  (pending: deleted only with --allow-delete)") {
		t.Fatalf("the created topic is not owned after the failed record:\n%s", r)
	}
}
