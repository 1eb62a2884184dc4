package inspect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/explain"
)

// TopicObservation is what the cluster says of one topic and of the
// groups that read it.
type TopicObservation struct {
	Name       string
	ID         string // as Kafka's tools show it; "" when the broker does not say
	Internal   bool
	Partitions []kadm.PartitionDetail // sorted by partition
	Live       explain.LiveTopic      // configs with their sources
	Bounds     Bounds
	// Groups are the consumer groups with a committed offset on the
	// topic or a member assigned to it.
	Groups []Group
	// GroupsErr says why the groups could not be read, if they could not.
	GroupsErr error
}

// ObserveTopic reads a topic: its metadata, then at once its configs
// with their sources (explain.Observe), its log start and end offsets
// (two ListOffsets requests for all its partitions), and the consumer
// groups (ObserveGroups, all of them). A topic the cluster does not have
// is ErrNoTopic.
func ObserveTopic(ctx context.Context, cl *kgo.Client, topic string) (TopicObservation, error) {
	obs := TopicObservation{Name: topic}
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return obs, withNeed(fmt.Errorf("read metadata: %w", err), "DESCRIBE", "topic", topic)
	}
	td, ok := md.Topics[topic]
	if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return obs, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	if td.Err != nil {
		return obs, withNeed(fmt.Errorf("topic %q: %w", topic, td.Err), "DESCRIBE", "topic", topic)
	}
	obs.ID, obs.Internal, obs.Partitions = kafkaID(td.ID), td.IsInternal, td.Partitions.Sorted()

	var (
		wg                  sync.WaitGroup
		errLive, errB, errG error
	)
	wg.Go(func() {
		obs.Live, errLive = explain.Observe(ctx, cl, topic)
		errLive = withNeed(errLive, "DESCRIBE_CONFIGS", "topic", topic)
	})
	wg.Go(func() { obs.Bounds, errB = ObserveBounds(ctx, adm, topic) })
	wg.Go(func() {
		var gs []Group
		gs, errG = ObserveGroups(ctx, cl)
		for _, g := range gs {
			if slices.Contains(g.Topics(), topic) {
				obs.Groups = append(obs.Groups, g)
			}
		}
	})
	wg.Wait()
	// A user may read a topic without seeing the groups: say so, and
	// show the rest.
	obs.GroupsErr = errG
	return obs, errors.Join(errLive, errB)
}

// kafkaID is a topic id as Kafka's tools show it (Uuid.toString: URL-safe
// base64 without padding), or "" for the zero id.
func kafkaID(id kadm.TopicID) string {
	if id == (kadm.TopicID{}) {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(id[:])
}
