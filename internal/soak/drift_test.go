package soak

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A driftKind makes one out-of-band change and returns the check that says
// whether the cluster is back at the repo's state.
type driftKind struct {
	name   string
	weight int
	target func(m *model) []string // what it may touch
	inject func(ctx context.Context, s *injector, target string) (reverted func(context.Context) (bool, error), err error)
}

// driftKinds are the changes someone might make by hand, each of which the
// README says the daemon reverts: a managed override changed or removed,
// an unmanaged override added, a topic kgitops created deleted (it is
// created again), a managed principal's ACL deleted or one added, a
// managed quota changed.
var driftKinds = []driftKind{
	{name: "topic config changed", weight: 3, target: (*model).driftTopics, inject: func(ctx context.Context, s *injector, topic string) (func(context.Context) (bool, error), error) {
		v := fmt.Sprint(1000000 + rand.IntN(1000000))
		return s.topicBack(topic), alterTopic(ctx, s.adm, topic, "retention.ms", &v)
	}},
	{name: "topic config removed", weight: 2, target: (*model).driftTopics, inject: func(ctx context.Context, s *injector, topic string) (func(context.Context) (bool, error), error) {
		return s.topicBack(topic), alterTopic(ctx, s.adm, topic, "segment.bytes", nil)
	}},
	{name: "unmanaged config added", weight: 2, target: (*model).driftTopics, inject: func(ctx context.Context, s *injector, topic string) (func(context.Context) (bool, error), error) {
		v := "3600000"
		return s.topicBack(topic), alterTopic(ctx, s.adm, topic, unmanagedConfig, &v)
	}},
	{name: "topic deleted", weight: 1, target: (*model).driftTopics, inject: func(ctx context.Context, s *injector, topic string) (func(context.Context) (bool, error), error) {
		old, ok, err := topicID(ctx, s.cl, topic)
		if err != nil || !ok {
			return nil, fmt.Errorf("topic %s before deleting it: exists %v, %v", topic, ok, err)
		}
		rs, err := s.adm.DeleteTopics(ctx, topic)
		if err == nil {
			err = rs.Error()
		}
		back := s.topicBack(topic)
		return func(ctx context.Context) (bool, error) {
			id, ok, err := topicID(ctx, s.cl, topic)
			if err != nil || !ok || id == old {
				return false, err
			}
			return back(ctx)
		}, err
	}},
	{name: "ACL deleted", weight: 1, target: (*model).principals, inject: func(ctx context.Context, s *injector, p string) (func(context.Context) (bool, error), error) {
		r := s.m.acls[p][rand.IntN(len(s.m.acls[p]))]
		b := kadm.NewACLs().Allow(p).AllowHosts("*").Topics(r.topic).ResourcePatternType(r.pattern).Operations(r.op)
		_, err := s.adm.DeleteACLs(ctx, b)
		return s.aclsBack(p), err
	}},
	{name: "ACL added", weight: 1, target: (*model).principals, inject: func(ctx context.Context, s *injector, p string) (func(context.Context) (bool, error), error) {
		b := kadm.NewACLs().Allow(p).AllowHosts("*").Topics(s.m.acls[p][0].topic).ResourcePatternType(kadm.ACLPatternLiteral).Operations(kadm.OpAlter)
		_, err := s.adm.CreateACLs(ctx, b)
		return s.aclsBack(p), err
	}},
	{name: "quota changed", weight: 1, target: (*model).quotaUsers, inject: func(ctx context.Context, s *injector, u string) (func(context.Context) (bool, error), error) {
		e := kadm.AlterClientQuotaEntry{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: &u}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: float64(1000 + rand.IntN(1000))}}}
		rs, err := s.adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{e})
		for _, r := range rs {
			if err == nil && r.Err != nil {
				err = r.Err
			}
		}
		return s.quotaBack(u), err
	}},
}

// driftResult is one injected drift and how it ended.
type driftResult struct {
	kind, target string
	at           time.Time
	latency      time.Duration // injection acknowledged → first check that saw it reverted
	reverted     bool          // within the bound
	late         bool          // reverted, but after the bound
	err          string
}

// injector injects drift and checks that each is reverted.
type injector struct {
	m     *model
	cl    *kgo.Client
	adm   *kadm.Client
	bound time.Duration // a drift must be reverted within it
	poll  time.Duration

	mu      sync.Mutex
	busy    map[string]bool // targets with a drift being checked
	results []driftResult
	wg      sync.WaitGroup
}

func (s *injector) topicBack(topic string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		bad, err := topicsMismatch(ctx, s.adm, map[string]map[string]string{topic: s.m.topic(topic)})
		return err == nil && len(bad) == 0, err
	}
}

func (s *injector) aclsBack(p string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		got, err := aclsOf(ctx, s.adm, p)
		return err == nil && sameRules(got, s.m.acls[p]), err
	}
}

func (s *injector) quotaBack(u string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		got, err := quotaOf(ctx, s.adm, u)
		return err == nil && maps.Equal(got, s.m.quotas[u]), err
	}
}

// run injects one drift every 2 to 5 seconds until ctx ends, then waits
// for the checks still running.
func (s *injector) run(ctx context.Context) {
	total := 0
	for _, k := range driftKinds {
		total += k.weight
	}
	for {
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-time.After(2*time.Second + rand.N(3*time.Second)):
		}
		pick := rand.IntN(total)
		var k driftKind
		for _, k = range driftKinds {
			if pick < k.weight {
				break
			}
			pick -= k.weight
		}
		s.one(ctx, k)
	}
}

// one injects a drift of kind k into a target no other drift is on, and
// checks it in the background.
func (s *injector) one(ctx context.Context, k driftKind) {
	targets := k.target(s.m)
	s.mu.Lock()
	target := ""
	for range 20 {
		if t := targets[rand.IntN(len(targets))]; !s.busy[t] {
			target = t
			break
		}
	}
	if target == "" {
		s.mu.Unlock()
		return
	}
	s.busy[target] = true
	s.mu.Unlock()

	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	back, err := k.inject(ictx, s, target)
	cancel()
	r := driftResult{kind: k.name, target: target, at: time.Now()}
	if err == nil {
		err = s.visible(ctx, back)
	}
	if err != nil {
		r.err = "inject: " + err.Error()
		s.done(r)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.done(s.await(r, back))
	}()
}

// visible waits until the drift shows: a broker answers DescribeConfigs,
// DescribeACLs and DescribeClientQuotas from its metadata cache, which
// may show the state before an acknowledged change for a moment, and a
// check made then would count the drift as reverted at once. The revert
// latency is still measured from the acknowledgment.
func (s *injector) visible(ctx context.Context, back func(context.Context) (bool, error)) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := back(vctx)
		cancel()
		if err == nil && !ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the drift did not show within 5 s (last read: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// await polls until the drift is reverted. Past the bound it keeps polling
// for a minute more, so that a late revert is measured, not only missed.
func (s *injector) await(r driftResult, back func(context.Context) (bool, error)) driftResult {
	giveUp := r.at.Add(s.bound + time.Minute)
	for time.Now().Before(giveUp) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ok, err := back(ctx)
		cancel()
		if err != nil {
			r.err = err.Error() // a read that failed; the next poll may succeed
		}
		if ok {
			r.latency = time.Since(r.at)
			r.reverted, r.late, r.err = r.latency <= s.bound, r.latency > s.bound, ""
			return r
		}
		time.Sleep(s.poll)
	}
	if r.err == "" {
		r.err = "never reverted"
	}
	return r
}

func (s *injector) done(r driftResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, r.target)
	s.results = append(s.results, r)
}

func (s *injector) all() []driftResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.results)
}
