package reconcile

import (
	"context"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// lagBroker1 makes kfake's broker 1 answer n requests of key with stale
// (the state before the change) once a request of one of the alter keys
// went through, as a broker behind the controller would. It returns how
// many stale answers are left, and whether an alter went through.
func lagBroker1(t *testing.T, c *kafkatest.Cluster, key kmsg.Key, n int, stale func(kmsg.Request) kmsg.Response, alters ...kmsg.Key) func() (int, bool) {
	var mu sync.Mutex
	left, armed := 0, false
	arm := func(kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		mu.Lock()
		if !armed {
			armed, left = true, n
		}
		mu.Unlock()
		return nil, nil, false
	}
	for _, k := range alters {
		c.Fake.ControlKey(int16(k), arm)
	}
	c.Fake.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		if left == 0 || c.Fake.CurrentNode() != 1 {
			return nil, nil, false
		}
		left--
		return stale(req), nil, true
	})
	return func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		return left, armed
	}
}

// A broker answers the describe requests of configs, quotas and SCRAM
// users from its own copy of the metadata log, a moment behind the
// controller: apply returns only once every broker shows what it changed,
// so that a plan or a describe right after it sees the change. On kfake,
// broker 1 answers with the old state three times after the change; on
// both clusters, the plan right after apply is empty.
func TestApplyWaitsUntilEveryBrokerShowsTheChange(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name, user := kafkatest.Unique("settle"), kafkatest.Unique("settle-user")
		first := state(topic(name, 1, map[string]string{"retention.ms": "3600000"}))
		r.apply(first, DiffOptions{})

		var lags []func() (int, bool)
		if c.Fake != nil {
			lags = append(lags,
				lagBroker1(t, c, kmsg.DescribeConfigs, 3, func(req kmsg.Request) kmsg.Response {
					resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
					for _, rr := range req.(*kmsg.DescribeConfigsRequest).Resources {
						res := kmsg.NewDescribeConfigsResponseResource()
						res.ResourceType, res.ResourceName = rr.ResourceType, rr.ResourceName
						cfg := kmsg.NewDescribeConfigsResponseResourceConfig()
						cfg.Name, cfg.Value, cfg.Source = "retention.ms", kmsg.StringPtr("3600000"), kmsg.ConfigSourceDynamicTopicConfig
						res.Configs = append(res.Configs, cfg)
						resp.Resources = append(resp.Resources, res)
					}
					return resp
				}, kmsg.IncrementalAlterConfigs, kmsg.AlterConfigs),
				lagBroker1(t, c, kmsg.DescribeClientQuotas, 3, func(req kmsg.Request) kmsg.Response {
					return req.ResponseKind() // no quota yet
				}, kmsg.AlterClientQuotas),
				lagBroker1(t, c, kmsg.DescribeUserSCRAMCredentials, 3, func(req kmsg.Request) kmsg.Response {
					return req.ResponseKind() // no user yet
				}, kmsg.AlterUserSCRAMCredentials),
			)
		}

		st := state(topic(name, 1, map[string]string{"retention.ms": "7200000"}))
		st.Quotas = []spec.Quota{{Entity: spec.QuotaEntity{User: &user}, Values: map[string]float64{"producer_byte_rate": 1048576}}}
		st.Users = []spec.User{{Name: user, Mechanism: "SCRAM-SHA-512", Iterations: 4096}}
		opts := DiffOptions{Passwords: map[string]Secret{user: NewSecret("settle-" + user)}}
		r.apply(st, opts)
		for i, lag := range lags {
			if left, armed := lag(); !armed || left != 0 {
				t.Errorf("lag %d: apply returned while broker 1 still showed the old state (%d stale answers left, armed %v)", i, left, armed)
			}
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
		if p, _ := r.plan(st, opts); p.HasChanges() || len(p.Errors) > 0 {
			t.Errorf("the plan right after apply is not empty: %v %v", changeNames(p), p.Errors)
		}
	})
}
