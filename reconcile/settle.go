package reconcile

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/ktopic"
	"github.com/kgitops/kgitops/spec"
)

// waitForTopics waits until brokers show the created topics and no longer
// show the deleted ones (see ktopic.Wait), through a client of its own for
// the reason readMetadata gives.
func waitForTopics(ctx context.Context, cl *kgo.Client, appeared, vanished []string) error {
	if len(appeared)+len(vanished) == 0 {
		return nil
	}
	_, err := apart(cl, func(own *kgo.Client) (struct{}, error) {
		return struct{}{}, ktopic.Wait(ctx, own, appeared, vanished)
	})
	return err
}

// readMetadata reads every topic in one request (see ktopic.Metadata),
// through a client of its own: franz-go keeps a deep copy of every
// Metadata answer sent through a client for the client's life (about 11 MB
// for 10,000 topics, next to the answer itself), and the daemon's client
// lives as long as the daemon. Dropping the topics from cl's copy instead
// would also drop them from its producer, which writes the inventory and
// the audit trail.
func readMetadata(ctx context.Context, cl *kgo.Client) (*kmsg.MetadataResponse, error) {
	return apart(cl, func(own *kgo.Client) (*kmsg.MetadataResponse, error) { return ktopic.Metadata(ctx, own) })
}

// apart calls fn with a client of its own, made with cl's options (its
// brokers, TLS, SASL, logger and hooks) and closed when fn returns: a new
// connection, whose metadata copy goes with it, and which no request on
// cl's connection holds up.
func apart[T any](cl *kgo.Client, fn func(*kgo.Client) (T, error)) (T, error) {
	own, err := kgo.NewClient(cl.Opts()...)
	if err != nil {
		var zero T
		return zero, err
	}
	defer own.Close()
	return fn(own)
}

// everyBrokerShows waits, 30 s at most, until each live broker's answer to
// read passes shown. A broker answers the describe requests of ACLs,
// configs, quotas and SCRAM users from its own copy of the metadata log, a
// moment behind the controller that took a change (seconds on a busy
// cluster): a plan or a describe made right after apply showed the old
// state. One request per broker and round, whatever the number of
// resources; a broker that cannot be reached (down, not fenced yet) is not
// waited for.
func everyBrokerShows[T any](ctx context.Context, cl *kgo.Client, what string, read func(context.Context, kmsg.Requestor) (T, error), shown func(T) bool) error {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	brokers, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	for _, b := range brokers.Brokers {
		err := pollUntil(ctx, func() (bool, error) {
			got, err := read(ctx, cl.Broker(int(b.NodeID)))
			if err != nil && ctx.Err() == nil {
				return true, nil // unreachable: nothing to wait for there
			}
			return err == nil && shown(got), nil
		})
		if err != nil {
			return fmt.Errorf("wait for broker %d to show the applied %s: %w", b.NodeID, what, err)
		}
	}
	return nil
}

// pollUntil calls try, pausing 50 ms and then twice as long each time (1 s
// at most), until it reports done or fails, or ctx ends (ctx's error).
func pollUntil(ctx context.Context, try func() (done bool, err error)) error {
	for delay := 50 * time.Millisecond; ; delay = min(delay*2, time.Second) {
		if done, err := try(); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// settleTopicConfigs waits until every live broker shows the overrides
// this apply set on, and removed from, existing topics.
func settleTopicConfigs(ctx context.Context, a *applier, updates []Change) error {
	want := map[string]*TopicChange{}
	var names []string
	for _, c := range updates {
		if tc := topicPayload(c); len(tc.SetConfigs)+len(tc.DeleteConfigs) > 0 {
			want[c.Name] = tc
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	req := topicOverridesRequest(names)
	read := func(ctx context.Context, r kmsg.Requestor) (map[string]LiveTopic, error) {
		resp, err := r.Request(ctx, req)
		if err != nil {
			return nil, err
		}
		topics := make(map[string]LiveTopic, len(names))
		for _, n := range names {
			topics[n] = LiveTopic{Configs: map[string]string{}}
		}
		return topics, takeTopicOverrides(resp, topics)
	}
	return everyBrokerShows(ctx, a.cl, "topic configs", read, func(topics map[string]LiveTopic) bool { return showsOverrides(want, topics) })
}

// showsOverrides says whether topics hold what the changes set and not
// what they removed. A topic deleted meanwhile shows nothing to wait for.
func showsOverrides(want map[string]*TopicChange, topics map[string]LiveTopic) bool {
	for name, tc := range want {
		t, ok := topics[name]
		if !ok {
			continue
		}
		for k, v := range tc.SetConfigs {
			if have, ok := t.Configs[k]; !ok || !spec.ConfigEqual(k, v, have) {
				return false
			}
		}
		for _, k := range tc.DeleteConfigs {
			if _, ok := t.Configs[k]; ok {
				return false
			}
		}
	}
	return true
}

// settleQuotas waits until every live broker shows the quota values this
// apply set and not those it removed.
func settleQuotas(ctx context.Context, a *applier, done []Change) error {
	return everyBrokerShows(ctx, a.cl, "client quotas", readQuotas, func(quotas map[string]LiveQuota) bool {
		for _, c := range done {
			q := c.Payload.(*QuotaChange)
			have := quotas[q.Entity.String()].Values
			for k, v := range q.Set {
				if got, ok := have[k]; !ok || got != v {
					return false
				}
			}
			for _, k := range q.Remove {
				if _, ok := have[k]; ok {
					return false
				}
			}
		}
		return true
	})
}

// settleUsers waits until every live broker shows the SCRAM credentials
// this apply set (their mechanism and iterations: a password cannot be
// read back) and not those it removed.
func settleUsers(ctx context.Context, a *applier, done []Change) error {
	return everyBrokerShows(ctx, a.cl, "SCRAM credentials", readUsers, func(users map[string][]ScramCredential) bool {
		for _, c := range done {
			u := c.Payload.(*UserChange)
			has := func(mech string, iterations int32) bool {
				return slices.ContainsFunc(users[u.Name], func(sc ScramCredential) bool {
					return sc.Mechanism == mech && (iterations == 0 || sc.Iterations == iterations)
				})
			}
			if u.Upsert != nil && !has(u.Upsert.Mechanism, u.Upsert.Iterations) {
				return false
			}
			for _, m := range u.Delete {
				if has(m, 0) {
					return false
				}
			}
		}
		return true
	})
}
