package reconcile

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// Partial failures injected with kfake's ControlKey: one resource of a
// batched request fails, the others of the same request are applied by the
// brokers as usual. Each failure must be reported on its resource only, the
// inventory must hold what exists and only that, and the next apply must
// converge.

// failOneOf makes the next request of key that names target answer code
// for target alone, after delay. The other resources of that request are
// handed to the cluster in a request of their own (through a side client,
// while the control sleeps), and their answers passed on. When applied is
// true the cluster also applies the change to target, as Kafka does after
// a REQUEST_TIMED_OUT: the controller took it, the answer came too late.
func failOneOf(t *testing.T, c *kafkatest.Cluster, key kmsg.Key, target string, code *kerr.Error, delay time.Duration, applied bool) {
	t.Helper()
	fw := kafkatest.NewForwarder(t, c)
	c.Fake.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if fw.Busy() {
			return nil, nil, false
		}
		switch req := req.(type) {
		case *kmsg.CreateTopicsRequest:
			i := slices.IndexFunc(req.Topics, func(t kmsg.CreateTopicsRequestTopic) bool { return t.Topic == target })
			if i < 0 {
				return nil, nil, false
			}
			fwd := *req
			fwd.Topics = slices.Clone(req.Topics)
			if !applied {
				fwd.Topics = slices.Delete(fwd.Topics, i, i+1)
			}
			var send kmsg.Request
			if len(fwd.Topics) > 0 {
				send = &fwd
			}
			sent, err := fw.SendAfter(delay, send)
			got, _ := sent.(*kmsg.CreateTopicsResponse)
			if err != nil {
				t.Errorf("forward CreateTopics: %v", err)
				return nil, err, true
			}
			resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
			if got != nil {
				for _, rt := range got.Topics {
					if rt.Topic != target {
						resp.Topics = append(resp.Topics, rt)
					}
				}
			}
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode = target, code.Code
			rt.ErrorMessage = kmsg.StringPtr("injected by the test")
			resp.Topics = append(resp.Topics, rt)
			resp.ThrottleMillis = int32(delay / time.Millisecond)
			return resp, nil, true
		case *kmsg.IncrementalAlterConfigsRequest:
			i := slices.IndexFunc(req.Resources, func(r kmsg.IncrementalAlterConfigsRequestResource) bool { return r.ResourceName == target })
			if i < 0 {
				return nil, nil, false
			}
			fwd := *req
			fwd.Resources = slices.Clone(req.Resources)
			if !applied {
				fwd.Resources = slices.Delete(fwd.Resources, i, i+1)
			}
			var send kmsg.Request
			if len(fwd.Resources) > 0 {
				send = &fwd
			}
			sent, err := fw.SendAfter(delay, send)
			got, _ := sent.(*kmsg.IncrementalAlterConfigsResponse)
			if err != nil {
				t.Errorf("forward IncrementalAlterConfigs: %v", err)
				return nil, err, true
			}
			resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
			if got != nil {
				for _, rr := range got.Resources {
					if rr.ResourceName != target {
						resp.Resources = append(resp.Resources, rr)
					}
				}
			}
			rr := kmsg.NewIncrementalAlterConfigsResponseResource()
			rr.ResourceType, rr.ResourceName, rr.ErrorCode = kmsg.ConfigResourceTypeTopic, target, code.Code
			rr.ErrorMessage = kmsg.StringPtr("injected by the test")
			resp.Resources = append(resp.Resources, rr)
			resp.ThrottleMillis = int32(delay / time.Millisecond)
			return resp, nil, true
		}
		return nil, nil, false
	})
}

func TestApplyReportsEachPartialFailureOnItsResource(t *testing.T) {
	tests := []struct {
		name string
		// fails is what goes wrong, for the topic named "bad".
		key     kmsg.Key
		code    *kerr.Error
		delay   time.Duration
		applied bool // the change to bad landed all the same
	}{
		{name: "a create refused by policy", key: kmsg.CreateTopics, code: kerr.PolicyViolation},
		{name: "a create throttled", key: kmsg.CreateTopics, code: kerr.ThrottlingQuotaExceeded, delay: 300 * time.Millisecond},
		{name: "a create timed out that landed", key: kmsg.CreateTopics, code: kerr.RequestTimedOut, delay: 300 * time.Millisecond, applied: true},
		{name: "a config alter rejected", key: kmsg.IncrementalAlterConfigs, code: kerr.InvalidConfig},
		{name: "a config alter timed out", key: kmsg.IncrementalAlterConfigs, code: kerr.RequestTimedOut, delay: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kafkatest.NewFake(t)
			r := newRig(t, c)
			good, bad, kept := kafkatest.Unique("good"), kafkatest.Unique("bad"), kafkatest.Unique("kept")
			retention := map[string]string{"retention.ms": "3600000"}
			before, after := state(topic(kept, 1, nil)), state(topic(kept, 1, retention), topic(good, 2, retention), topic(bad, 1, nil))
			if tt.key == kmsg.IncrementalAlterConfigs {
				// bad exists, and both existing topics change configs.
				before = state(topic(kept, 1, nil), topic(bad, 1, nil))
				after = state(topic(kept, 1, retention), topic(good, 2, retention), topic(bad, 1, retention))
			}
			r.apply(before, DiffOptions{})
			failOneOf(t, c, tt.key, bad, tt.code, tt.delay, tt.applied)

			p, live := r.plan(after, DiffOptions{})
			results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			for _, res := range results {
				switch {
				case res.Change.Name == bad && tt.applied && tt.key == kmsg.CreateTopics:
					// Not a guess from the timeout: apply asks again,
					// finds the topic as declared, and counts it created
					// (apply_recheck.go).
					if res.Err != nil || res.Skipped != "" {
						t.Errorf("%s %s: err %v, skipped %q; want created (it landed)", res.Change.Action, bad, res.Err, res.Skipped)
					}
				case res.Change.Name == bad:
					if !errors.Is(res.Err, tt.code) {
						t.Errorf("%s %s: err %v, want %v", res.Change.Action, bad, res.Err, tt.code)
					}
				case res.Err != nil || res.Skipped != "":
					t.Errorf("%s %s failed with the other: err %v, skipped %q", res.Change.Action, res.Change.Name, res.Err, res.Skipped)
				}
			}
			if len(results) != 3 {
				t.Errorf("%d results, want 3: %+v", len(results), results)
			}

			// The inventory holds what exists, with its id.
			live = r.observe()
			inv, err := ReadInventory(r.ctx(), r.cl, r.inv)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{kept, good} {
				if e, ok := inv.Entries[ResourceKey{KindTopic, name}]; !ok || e.Pending || e.TopicID != live.Topics[name].ID {
					t.Errorf("inventory entry of %s: %+v (held %v), live id %s", name, e, ok, live.Topics[name].ID)
				}
			}
			_, exists := live.Topics[bad]
			e, recorded := inv.Entries[ResourceKey{KindTopic, bad}]
			if exists != recorded {
				t.Errorf("%s exists: %v, recorded: %v (%+v)", bad, exists, recorded, e)
			}
			if recorded && e.TopicID != "" && e.TopicID != live.Topics[bad].ID {
				t.Errorf("%s recorded with id %s, live %s", bad, e.TopicID, live.Topics[bad].ID)
			}

			// The next apply retries it, and converges.
			r.apply(after, DiffOptions{})
			r.assertNoChanges(after)
			live = r.observe()
			inv, err = ReadInventory(r.ctx(), r.cl, r.inv)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{kept, good, bad} {
				if e, ok := inv.Entries[ResourceKey{KindTopic, name}]; !ok || e.Pending || e.TopicID == "" || e.TopicID != live.Topics[name].ID {
					t.Errorf("after the retry, inventory entry of %s: %+v (held %v), live id %s", name, e, ok, live.Topics[name].ID)
				}
			}
		})
	}
}
