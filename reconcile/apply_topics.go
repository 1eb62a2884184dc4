package reconcile

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// applyTopics creates topics, then adds partitions, then changes configs.
func (a *applier) applyTopics(ctx context.Context, creates, updates []Change) {
	var grows, alters []Change
	for _, c := range updates {
		if topicPayload(c).Partitions > 0 {
			grows = append(grows, c)
		}
		if len(topicPayload(c).SetConfigs)+len(topicPayload(c).DeleteConfigs) > 0 {
			alters = append(alters, c)
		}
	}
	for _, b := range batches(creates, func(c Change) int { return 1 + int(topicPayload(c).Partitions) + len(topicPayload(c).SetConfigs) }) {
		if !a.fenced(ctx, b) {
			a.createTopics(ctx, b)
		}
	}
	a.recheckCreates(ctx, creates)
	for _, b := range batches(grows, func(c Change) int { return int(topicPayload(c).Partitions) }) {
		if !a.fenced(ctx, b) {
			a.createPartitions(ctx, b)
		}
	}
	for _, b := range batches(alters, func(c Change) int { return len(topicPayload(c).SetConfigs) + len(topicPayload(c).DeleteConfigs) }) {
		if !a.fenced(ctx, b) {
			a.alterConfigs(ctx, b)
		}
	}
}

// deleteTopicsBatched deletes topics, one record each for the controller.
func (a *applier) deleteTopicsBatched(ctx context.Context, cs []Change) {
	for _, b := range batches(cs, func(Change) int { return 1 }) {
		if !a.fenced(ctx, b) {
			a.deleteTopics(ctx, b)
		}
	}
}

func (a *applier) createTopics(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.ValidateOnly = a.opts.DryRun
	req.TimeoutMillis = timeoutMillis(ctx)
	for _, c := range cs {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic = c.Name
		t.NumPartitions = topicPayload(c).Partitions
		t.ReplicationFactor = topicPayload(c).ReplicationFactor
		if as := topicPayload(c).Assignment; len(as) > 0 {
			// Kafka takes either counts or an assignment: with an
			// assignment, both counts are -1.
			t.NumPartitions, t.ReplicationFactor = -1, -1
			for i, reps := range as {
				a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
				a.Partition = int32(i)
				a.Replicas = reps
				t.ReplicaAssignment = append(t.ReplicaAssignment, a)
			}
		}
		for _, k := range sortedKeys(topicPayload(c).SetConfigs) {
			cfg := kmsg.NewCreateTopicsRequestTopicConfig()
			cfg.Name = k
			cfg.Value = kmsg.StringPtr(topicPayload(c).SetConfigs[k])
			t.Configs = append(t.Configs, cfg)
		}
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		// The controller may have taken the request before the
		// connection failed or the deadline passed.
		for _, c := range cs {
			a.fail(KindTopic, c.Name, fmt.Errorf("create topics: %w%s", err, mayExist))
			a.unsure[ResourceKey{KindTopic, c.Name}] = true
		}
		return
	}
	for _, t := range resp.Topics {
		if err := kafkaErr(t.ErrorCode, t.ErrorMessage); err != nil {
			if errors.Is(err, kerr.RequestTimedOut) {
				// Kafka's answer when the controller did not finish in
				// time: the topic is usually created all the same.
				a.fail(KindTopic, t.Topic, fmt.Errorf("%w%s", err, mayExist))
				a.unsure[ResourceKey{KindTopic, t.Topic}] = true
				continue
			}
			if errors.Is(err, kerr.TopicAlreadyExists) && a.ownedAlready(t.Topic) {
				// An apply killed after creating it recorded it (as an
				// intent at least), but the brokers' metadata had not
				// shown it yet when this plan was made. It is ours:
				// recorded below, its id read once it shows.
				continue
			}
			if _, ours := a.intents[ResourceKey{KindTopic, t.Topic}]; ours && errors.Is(err, kerr.TopicAlreadyExists) {
				// Perhaps created by an earlier attempt of this very
				// request: recheckCreates looks at it.
				a.exists[ResourceKey{KindTopic, t.Topic}] = true
			} else if errors.Is(err, kerr.TopicAlreadyExists) {
				a.raced[ResourceKey{KindTopic, t.Topic}] = true
			}
			a.fail(KindTopic, t.Topic, err)
			continue
		}
		if id := topicID(t.TopicID); id != "" && !a.opts.DryRun {
			a.topicIDs[t.Topic] = id
		}
	}
}

// mayExist ends the error of a creation whose outcome is unknown.
const mayExist = " (Kafka may have created it all the same: the inventory keeps it as an intent, which the next apply confirms or drops)"

func (a *applier) createPartitions(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.ValidateOnly = a.opts.DryRun
	req.TimeoutMillis = timeoutMillis(ctx)
	for _, c := range cs {
		t := kmsg.NewCreatePartitionsRequestTopic()
		t.Topic = c.Name
		t.Count = topicPayload(c).Partitions
		for _, reps := range topicPayload(c).Assignment {
			a := kmsg.NewCreatePartitionsRequestTopicAssignment()
			a.Replicas = reps
			t.Assignment = append(t.Assignment, a)
		}
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("create partitions: %w", err))
		return
	}
	for _, t := range resp.Topics {
		if err := kafkaErr(t.ErrorCode, t.ErrorMessage); err != nil {
			a.fail(KindTopic, t.Topic, fmt.Errorf("add partitions: %w", err))
		}
	}
}

func (a *applier) alterConfigs(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.ValidateOnly = a.opts.DryRun
	for _, c := range cs {
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeTopic
		r.ResourceName = c.Name
		for _, k := range sortedKeys(topicPayload(c).SetConfigs) {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = k
			cfg.Op = kmsg.IncrementalAlterConfigOpSet
			cfg.Value = kmsg.StringPtr(topicPayload(c).SetConfigs[k])
			r.Configs = append(r.Configs, cfg)
		}
		for _, k := range topicPayload(c).DeleteConfigs {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = k
			cfg.Op = kmsg.IncrementalAlterConfigOpDelete
			r.Configs = append(r.Configs, cfg)
		}
		req.Resources = append(req.Resources, r)
	}
	for _, shard := range a.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			a.failAll(cs, fmt.Errorf("alter configs: %w", shard.Err))
			continue
		}
		for _, r := range shard.Resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
				a.fail(KindTopic, r.ResourceName, fmt.Errorf("alter configs: %w", err))
			}
		}
	}
}

func (a *applier) deleteTopics(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	if a.opts.DryRun {
		for _, c := range cs {
			a.skip(c, dryRunDelete)
		}
		return
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = timeoutMillis(ctx)
	byID := map[[16]byte]string{}
	for _, c := range cs {
		t := kmsg.NewDeleteTopicsRequestTopic()
		// By id when known: a topic deleted and created again since the
		// plan is then not deleted (UNKNOWN_TOPIC_ID).
		if id, ok := parseTopicID(topicPayloadOrNil(c)); ok {
			t.TopicID = id
			byID[id] = c.Name
		} else {
			t.Topic = kmsg.StringPtr(c.Name)
		}
		req.Topics = append(req.Topics, t)
		req.TopicNames = append(req.TopicNames, c.Name)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("delete topics: %w", err))
		return
	}
	for _, t := range resp.Topics {
		err := kafkaErr(t.ErrorCode, t.ErrorMessage)
		if err == nil {
			continue
		}
		name := byID[t.TopicID]
		if t.Topic != nil && *t.Topic != "" {
			name = *t.Topic
		}
		a.fail(KindTopic, name, err)
	}
}

// topicPayloadOrNil is the change's TopicChange, or nil for a deletion
// planned without one.
func topicPayloadOrNil(c Change) *TopicChange {
	tc, _ := c.Payload.(*TopicChange)
	return tc
}

// parseTopicID is the id a deletion names, if the plan knew it.
func parseTopicID(tc *TopicChange) ([16]byte, bool) {
	var id [16]byte
	if tc == nil || len(tc.ID) != 32 {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(tc.ID)); err != nil {
		return id, false
	}
	return id, true
}

// ownedAlready says whether the inventory already records the topic as
// created by kgitops (or about to be, by an apply that was killed).
func (a *applier) ownedAlready(topic string) bool {
	e, ok := a.prior[ResourceKey{KindTopic, topic}]
	return ok && !e.External && !e.Claim
}
