package daemon

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// rejectAltersOf makes the brokers reject every config alter of target
// with INVALID_CONFIG while reject holds; the other resources of the same
// IncrementalAlterConfigs request are altered as usual (handed to the
// cluster through a side client).
func rejectAltersOf(t *testing.T, c *kafkatest.Cluster, target string, reject *atomic.Bool) {
	t.Helper()
	fw := kafkatest.NewForwarder(t, c)
	c.Fake.ControlKey(int16(kmsg.IncrementalAlterConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		ar := req.(*kmsg.IncrementalAlterConfigsRequest)
		i := slices.IndexFunc(ar.Resources, func(r kmsg.IncrementalAlterConfigsRequestResource) bool { return r.ResourceName == target })
		if fw.Busy() || !reject.Load() || i < 0 {
			return nil, nil, false
		}
		fwd := *ar
		fwd.Resources = slices.Delete(slices.Clone(ar.Resources), i, i+1)
		resp := ar.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
		if len(fwd.Resources) > 0 {
			got, err := fw.Send(&fwd)
			if err != nil {
				t.Errorf("forward IncrementalAlterConfigs: %v", err)
				return nil, err, true
			}
			resp.Resources = got.(*kmsg.IncrementalAlterConfigsResponse).Resources
		}
		rr := kmsg.NewIncrementalAlterConfigsResponseResource()
		rr.ResourceType, rr.ResourceName, rr.ErrorCode = kmsg.ConfigResourceTypeTopic, target, kerr.InvalidConfig.Code
		rr.ErrorMessage = kmsg.StringPtr("rejected by the test")
		resp.Resources = append(resp.Resources, rr)
		return resp, nil, true
	})
}

// A config alter the brokers reject for one topic: the daemon applies the
// rest of the revision, shows that topic in /status drift with the error,
// and its next passes retry it; once the brokers take it, the drift clears.
func TestDaemonRetriesARejectedConfigAlter(t *testing.T) {
	c := kafkatest.NewFake(t)
	h := newHarness(t, c, ModeApply)
	good, bad := kafkatest.Unique("good"), kafkatest.Unique("bad")
	first := h.src.push(map[string]string{"good.yaml": topicYAML(good, 1), "bad.yaml": topicYAML(bad, 1)})
	h.start()
	h.waitFor("the first revision applied", func(s Status) bool { return s.LastAppliedRevision == first && len(s.Drift) == 0 })

	var reject atomic.Bool
	reject.Store(true)
	rejectAltersOf(t, c, bad, &reject)
	h.src.push(map[string]string{"good.yaml": topicYAML(good, 1, "retention.ms: 3600000"), "bad.yaml": topicYAML(bad, 1, "retention.ms: 3600000")})
	s := h.waitFor("the rejected alter in the drift", func(s Status) bool {
		return len(s.Drift) == 1 && s.Drift[0].Name == bad && s.Drift[0].Error != ""
	})
	if d := s.Drift[0]; d.Kind != reconcile.KindTopic || d.Action != "update" {
		t.Errorf("drift item %+v", d)
	}
	if got, _ := topicConfig(t, c, good, "retention.ms"); got != "3600000" {
		t.Errorf("%s retention.ms = %q: the other topic's alter was not applied", good, got)
	}
	h.passesAfter(2)
	if s := h.d.Status(); len(s.Drift) != 1 || s.Drift[0].Name != bad {
		t.Errorf("drift while the brokers still reject the alter: %+v", s.Drift)
	}

	reject.Store(false)
	h.waitFor("the drift cleared", func(s Status) bool { return len(s.Drift) == 0 && s.LastError == "" })
	if got, _ := topicConfig(t, c, bad, "retention.ms"); got != "3600000" {
		t.Errorf("%s retention.ms = %q after the retry", bad, got)
	}
}
