package reconcile

import (
	"context"
	"fmt"
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

// settleTopicConfigs waits until every live broker shows the overrides
// this apply set on, and removed from, existing topics. A broker answers
// DescribeConfigs from its own copy of the metadata log, a moment behind
// the controller that took the change (seconds on a busy machine): a plan
// or a describe right after apply showed the old value. One request per
// broker and round, whatever the number of topics; a broker that cannot
// be reached (down, not fenced yet) is not waited for.
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
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	brokers, err := kadm.NewClient(a.cl).BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	req := topicOverridesRequest(names)
	for _, b := range brokers.Brokers {
		for delay := 50 * time.Millisecond; ; delay = min(delay*2, time.Second) {
			resp, err := a.cl.Broker(int(b.NodeID)).Request(ctx, req)
			if err != nil && ctx.Err() == nil {
				break // unreachable: nothing to wait for there
			}
			topics := make(map[string]LiveTopic, len(names))
			for _, n := range names {
				topics[n] = LiveTopic{Configs: map[string]string{}}
			}
			if err == nil && takeTopicOverrides(resp, topics) == nil && showsOverrides(want, topics) {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for broker %d to show the applied topic configs: %w", b.NodeID, ctx.Err())
			case <-time.After(delay):
			}
		}
	}
	return nil
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
