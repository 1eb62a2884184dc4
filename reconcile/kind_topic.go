package reconcile

import "context"

// The Topic kind: topics, their partition counts and their topic-level
// config overrides (diff_topics.go, apply_topics.go, live.go,
// export_topics.go).
func init() {
	register(&kind{
		name:    KindTopic,
		order:   10,
		observe: observeTopics,
		diff:    diffTopics,
		apply: func(ctx context.Context, a *applier, cs []Change) {
			creates, updates, deletes := byAction(cs)
			a.applyTopics(ctx, creates, updates)
			a.deleteTopicsBatched(ctx, deletes)
		},
		settle: func(ctx context.Context, a *applier, done []Change) error {
			creates, _, deletes := byAction(done)
			return waitForTopics(ctx, a.cl, names(creates), names(deletes))
		},
		record:   recordCreatedDeleted,
		risks:    topicRisks,
		export:   exportTopics,
		adopt:    adoptTopics,
		liveFrom: topicsFrom,
		removed:  " (override removed, Kafka's default applies)",
	})
}

// TopicChange is the executable part of a topic change.
type TopicChange struct {
	Partitions        int32             // create: the count; update: the new count, or 0 when unchanged
	ReplicationFactor int16             // create only
	SetConfigs        map[string]string // create: all configs; update: keys to set
	DeleteConfigs     []string          // update: overrides to remove, sorted
}

func topicPayload(c Change) *TopicChange { return c.Payload.(*TopicChange) }

// adoptTopics lists the exported topics, for the inventory.
func adoptTopics(live *Live, opts ExportOptions) []ResourceKey {
	var keys []ResourceKey
	for _, name := range ExportedTopics(live, opts) {
		keys = append(keys, ResourceKey{KindTopic, name})
	}
	return keys
}

// byAction splits changes by action, keeping their order.
func byAction(cs []Change) (creates, updates, deletes []Change) {
	for _, c := range cs {
		switch c.Action {
		case ActionCreate:
			creates = append(creates, c)
		case ActionUpdate:
			updates = append(updates, c)
		case ActionDelete:
			deletes = append(deletes, c)
		}
	}
	return creates, updates, deletes
}

func names(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
