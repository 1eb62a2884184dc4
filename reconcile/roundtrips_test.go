package reconcile

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// requestCounter counts the requests a kfake cluster handles, per API.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func countRequests(c *kafkatest.Cluster) *requestCounter {
	rc := &requestCounter{counts: map[string]int{}}
	c.Fake.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.counts[kmsg.NameForKey(req.Key())]++
		return nil, nil, false // observe only; the cluster answers as usual
	})
	return rc
}

// connectionAPIs are sent once per connection, not per unit of work; how
// many connections a client opens depends on which brokers lead what.
var connectionAPIs = map[string]bool{
	"ApiVersions": true, "SASLHandshake": true, "SASLAuthenticate": true,
	"GetTelemetrySubscriptions": true, "PushTelemetry": true,
}

// take returns the counts since the last take, without connection set-up.
// Fetch is returned apart: it reads the inventory, and how many fetches
// that takes depends on the inventory's bytes and on kgo prefetching the
// next one, not on a per-topic loop.
func (rc *requestCounter) take() (counts map[string]int, fetches int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	counts = map[string]int{}
	for k, n := range rc.counts {
		switch {
		case connectionAPIs[k]:
		case k == "Fetch", k == "Produce":
			// Fetch reads the inventory and Produce writes it: how many
			// requests a read or a write takes depends on bytes and on
			// kgo's batching, not on a per-topic loop.
			fetches += n
		default:
			counts[k] = n
		}
	}
	rc.counts = map[string]int{}
	return counts, fetches
}

func manyTopics(n int) *spec.State {
	st := &spec.State{}
	for i := range n {
		st.Topics = append(st.Topics, topic(fmt.Sprintf("t%05d", i), 2, map[string]string{
			"retention.ms":        fmt.Sprint(3600000 + i),
			"min.insync.replicas": "1",
		}))
	}
	return st
}

// TestRoundTripsDoNotGrowWithTopics counts every request that apply, then
// plan (observe), send for 10 and for 1,000 topics: the counts must be the
// same. Serial per-topic calls are what make other tools take hours at
// 16,000 topics.
func TestRoundTripsDoNotGrowWithTopics(t *testing.T) {
	type counts struct {
		apply, plan map[string]int
		fetches     int
	}
	measure := func(n int) counts {
		c := kafkatest.NewFake(t)
		r := newRig(t, c)
		st := manyTopics(n)
		p, live := r.plan(st, DiffOptions{})
		rc := countRequests(c)
		if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers}); err != nil {
			t.Fatal(err)
		}
		var got counts
		var writes int
		got.apply, writes = rc.take()
		if writes < 1 || writes > 6 {
			t.Errorf("apply of %d topics sent %d Produce (and Fetch) requests to write the inventory, want 1 to 6", n, writes)
		}
		p, _ = r.plan(st, DiffOptions{})
		got.plan, got.fetches = rc.take()
		if p.HasChanges() {
			t.Fatalf("plan after apply of %d topics is not empty: %+v", n, p.Summary)
		}
		return got
	}
	small, large := measure(10), measure(1000)
	if d := cmp.Diff(small.plan, large.plan); d != "" {
		t.Errorf("plan requests grow with the topic count (-10 topics +1000 topics):\n%s", d)
	}
	if d := cmp.Diff(small.apply, large.apply); d != "" {
		t.Errorf("apply requests grow with the topic count (-10 topics +1000 topics):\n%s", d)
	}
	for _, c := range []counts{small, large} {
		if c.fetches < 1 || c.fetches > 4 {
			t.Errorf("plan sent %d Fetch requests to read the inventory, want 1 to 4", c.fetches)
		}
	}
	t.Logf("requests for a plan of 1000 topics: %v and %d Fetch; for its apply: %v", large.plan, large.fetches, large.apply)
}

// TestPlanAsksEveryBrokerForItsDisk pins the log dirs read: the plan's
// checks need every broker's disk, so DescribeLogDirs goes to each broker,
// and asking for no partition reads no metadata of every topic. Left to
// franz-go's sharding, a request naming no partition first read the
// metadata of the whole cluster, then went to one broker picked at random.
func TestPlanAsksEveryBrokerForItsDisk(t *testing.T) {
	c := kafkatest.NewFake(t, kfake.NumBrokers(3))
	r := newRig(t, c)
	st := manyTopics(20)
	p, live := r.plan(st, DiffOptions{})
	if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers}); err != nil {
		t.Fatal(err)
	}
	rc := countRequests(c)
	var mu sync.Mutex
	whole := 0 // Metadata requests of every topic
	c.Fake.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		if req.(*kmsg.MetadataRequest).Topics == nil {
			mu.Lock()
			whole++
			mu.Unlock()
		}
		return nil, nil, false
	})
	if p, _ = r.plan(st, DiffOptions{}); p.HasChanges() {
		t.Fatalf("plan after apply is not empty: %+v", p.Summary)
	}
	got, _ := rc.take()
	if got["DescribeLogDirs"] != 3 {
		t.Errorf("a plan on 3 brokers sent %d DescribeLogDirs, want one to each broker (all: %v)", got["DescribeLogDirs"], got)
	}
	mu.Lock()
	defer mu.Unlock()
	if whole != 1 {
		t.Errorf("a plan read the metadata of every topic %d times, want once (all requests: %v)", whole, got)
	}
}

// TestObserveLeavesNoCopyOfEveryTopicsMetadata: franz-go keeps a deep copy
// of every Metadata answer sent through a client for the client's life
// (11 MB for 10,000 topics). Observe reads every topic's metadata through a
// client of its own: afterwards, asking the caller's client for a topic's
// end offsets must read that topic's metadata, not find a copy.
func TestObserveLeavesNoCopyOfEveryTopicsMetadata(t *testing.T) {
	c := kafkatest.NewFake(t)
	r := newRig(t, c)
	st := manyTopics(5)
	p, live := r.plan(st, DiffOptions{})
	if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers}); err != nil {
		t.Fatal(err)
	}
	r.cl = c.Client(t) // a process that plans: a new client
	if p, _ := r.plan(st, DiffOptions{}); p.HasChanges() {
		t.Fatalf("plan after apply: %+v", p.Summary)
	}
	rc := countRequests(c)
	if _, err := kadm.NewClient(r.cl).ListEndOffsets(r.ctx(), st.Topics[0].Name); err != nil {
		t.Fatal(err)
	}
	if got, _ := rc.take(); got["Metadata"] == 0 {
		t.Errorf("end offsets of a managed topic after a plan sent no Metadata request: the client holds a copy of every topic's metadata")
	}
}
