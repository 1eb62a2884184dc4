package reconcile

import (
	"context"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A broker answers DescribeConfigs from its own copy of the metadata log,
// a moment behind the controller: apply returns only once every broker
// shows the overrides it changed, so that a plan or a describe right after
// it sees them. On kfake, broker 1 answers with the old value three times
// after the change; on both clusters, every broker shows the new value
// once apply returns.
func TestApplyWaitsUntilEveryBrokerShowsTopicConfigs(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name := kafkatest.Unique("settle")
		r.apply(state(topic(name, 1, map[string]string{"retention.ms": "3600000"})), DiffOptions{})

		var mu sync.Mutex
		stale, armed := 0, false
		if c.Fake != nil {
			arm := func(kmsg.Request) (kmsg.Response, error, bool) {
				c.Fake.KeepControl()
				mu.Lock()
				if !armed {
					armed, stale = true, 3
				}
				mu.Unlock()
				return nil, nil, false
			}
			c.Fake.ControlKey(int16(kmsg.IncrementalAlterConfigs), arm)
			c.Fake.ControlKey(int16(kmsg.AlterConfigs), arm)
			c.Fake.ControlKey(int16(kmsg.DescribeConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.Fake.KeepControl()
				mu.Lock()
				defer mu.Unlock()
				if stale == 0 || c.Fake.CurrentNode() != 1 {
					return nil, nil, false
				}
				stale--
				resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
				for _, rr := range req.(*kmsg.DescribeConfigsRequest).Resources {
					res := kmsg.NewDescribeConfigsResponseResource()
					res.ResourceType, res.ResourceName = rr.ResourceType, rr.ResourceName
					cfg := kmsg.NewDescribeConfigsResponseResourceConfig()
					cfg.Name, cfg.Value, cfg.Source = "retention.ms", kmsg.StringPtr("3600000"), kmsg.ConfigSourceDynamicTopicConfig
					res.Configs = append(res.Configs, cfg)
					resp.Resources = append(resp.Resources, res)
				}
				return resp, nil, true
			})
		}

		st := state(topic(name, 1, map[string]string{"retention.ms": "7200000"}))
		r.apply(st, DiffOptions{})
		mu.Lock()
		left := stale
		mu.Unlock()
		if c.Fake != nil && (!armed || left != 0) {
			t.Fatalf("apply returned while broker 1 still showed the old retention.ms (%d stale answers left, armed %v)", left, armed)
		}
		md, err := kadm.NewClient(r.cl).BrokerMetadata(r.ctx())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range md.Brokers {
			resp, err := r.cl.Broker(int(b.NodeID)).Request(context.Background(), topicOverridesRequest([]string{name}))
			if err != nil {
				t.Fatal(err)
			}
			topics := map[string]LiveTopic{name: {Configs: map[string]string{}}}
			if err := takeTopicOverrides(resp, topics); err != nil {
				t.Fatal(err)
			}
			if got := topics[name].Configs["retention.ms"]; got != "7200000" {
				t.Errorf("broker %d shows retention.ms %q once apply returned, want 7200000", b.NodeID, got)
			}
		}
		r.assertNoChanges(st)
	})
}
