// Package ktopic creates the topics kgitops keeps for itself (the
// inventory, the leader election, the audit trail) when they are missing,
// and waits until brokers show topics that were just created or deleted.
//
// It deliberately knows nothing of the desired state: package reconcile
// decides which topics a repo wants.
package ktopic

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Spec is a topic to ensure.
type Spec struct {
	Name string
	// What says what the topic is for, in errors: "inventory topic".
	What string
	// Partitions and ReplicationFactor: -1 takes the broker's default.
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]*string
	// Wait makes Ensure return only once brokers show the topic with a
	// leader for every partition: a produce right after the creation
	// would otherwise fail with UNKNOWN_TOPIC_OR_PARTITION on a busy
	// controller.
	Wait bool
}

// Ensure creates the topic unless it exists.
func Ensure(ctx context.Context, cl *kgo.Client, s Spec) error {
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, s.Partitions, s.ReplicationFactor, s.Configs, s.Name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create %s %q: %w", s.What, s.Name, err)
	}
	if !s.Wait {
		return nil
	}
	return Wait(ctx, cl, []string{s.Name}, nil)
}

// Metadata asks a broker for every topic, in one request. It does not use
// kadm.Metadata: that answers from kgo's metadata cache, which can omit a
// topic right after an admin request touched it.
func Metadata(ctx context.Context, cl *kgo.Client) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = nil // all topics
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("read cluster metadata: %w", err)
	}
	return resp, nil
}

// Wait polls metadata (one request per poll, whatever the number of
// topics) until every topic in appeared is visible with a leader for each
// partition and every topic in vanished is gone, or ctx ends.
func Wait(ctx context.Context, cl *kgo.Client, appeared, vanished []string) error {
	if len(appeared)+len(vanished) == 0 {
		return nil
	}
	delay := 50 * time.Millisecond
	for {
		md, err := Metadata(ctx, cl)
		if err == nil && settled(md, appeared, vanished) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the cluster to show the applied topics: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

func settled(md *kmsg.MetadataResponse, appeared, vanished []string) bool {
	topics := make(map[string]kmsg.MetadataResponseTopic, len(md.Topics))
	for _, t := range md.Topics {
		if t.Topic != nil {
			topics[*t.Topic] = t
		}
	}
	for _, name := range appeared {
		t, ok := topics[name]
		if !ok || t.ErrorCode != 0 || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 || p.Leader < 0 {
				return false
			}
		}
	}
	for _, name := range vanished {
		if _, ok := topics[name]; ok {
			return false
		}
	}
	return true
}
