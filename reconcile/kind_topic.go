package reconcile

import (
	"context"
	"sort"

	"github.com/kgitops/kgitops/export"
	"github.com/kgitops/kgitops/spec"
)

// The Topic kind: topics, their partition counts and their topic-level
// config overrides (diff_topics.go, apply_topics.go, live.go).
func init() {
	register(&kind{
		name:    KindTopic,
		order:   10,
		observe: observeTopics,
		diff:    diffTopics,
		apply: func(ctx context.Context, a *applier, cs []Change) {
			creates, updates, deletes := byAction(cs)
			a.applyTopics(ctx, creates, updates)
			a.reassign(ctx, updates)
			a.deleteTopicsBatched(ctx, deletes)
		},
		settle: func(ctx context.Context, a *applier, done []Change) error {
			creates, updates, deletes := byAction(done)
			if err := waitForTopics(ctx, a.cl, names(creates), names(deletes)); err != nil {
				return err
			}
			return settleTopicConfigs(ctx, a, updates)
		},
		record: recordTopics,
		declared: func(st *spec.State) []string {
			names := make([]string, len(st.Topics))
			for i, t := range st.Topics {
				names[i] = t.Name
			}
			return names
		},
		own:      ownTopic,
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
	ID                string            // delete: the live topic's id; the deletion names it, so a topic recreated meanwhile is not deleted
	Protect           *bool             // create, update: kgitops.io/prevent-destroy to record in the inventory, when it changes
	Reassign          *Reassignment     // update: replica moves (a replication-factor change, a placement drift moved back)
	Placement         *string           // create, update: the placement to record in the inventory (placementKey), when it changes
	// Assignment holds, for a topic with a placement of its own (static,
	// in-rack), the replicas of the partitions a create or a growth adds,
	// the first of them partition 0 (create) or the first new one
	// (update); nil lets Kafka place them.
	Assignment [][]int32
}

func topicPayload(c Change) *TopicChange { return c.Payload.(*TopicChange) }

func (c *TopicChange) protection() *bool { return c.Protect }

// exportTopics hands the topics that ExportedTopics lists to package
// export.
func exportTopics(live *Live, opts ExportOptions) []ExportedFile {
	var ts []spec.Topic
	for _, name := range ExportedTopics(live, opts) {
		t := live.Topics[name]
		ts = append(ts, spec.Topic{Name: name, Partitions: t.Partitions, ReplicationFactor: t.ReplicationFactor, Configs: t.Configs})
	}
	return export.Topics(ts, opts.Layout, opts.Units)
}

// ExportedTopics lists, sorted, the topics an export writes.
func ExportedTopics(live *Live, opts ExportOptions) []string {
	var names []string
	for name, t := range live.Topics {
		if _, reserved := spec.Reserved(name); reserved || t.Internal {
			continue
		}
		if opts.Filter != nil && !opts.Filter.MatchString(name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

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

// recordTopics records a created topic with the id Kafka gave it, and
// removes a deleted one.
func recordTopics(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{KindTopic, c.Name}
		switch {
		case c.Action == ActionCreate:
			e := r.entry(false)
			e.TopicID = r.a.topicIDs[c.Name]
			e.PreventDestroy = r.protected(key, c)
			if pl := topicPayload(c).Placement; pl != nil {
				e.Placement = *pl
			}
			r.put(key, e)
		case c.Action == ActionUpdate:
			r.protect(key, c)
			if pl := topicPayload(c).Placement; pl != nil {
				if e, held := r.set[key]; held {
					e.Placement = *pl
					r.set[key] = e
				} else if e, held := r.prior(key); held {
					e.Placement = *pl
					r.put(key, e)
				}
			}
		case c.Action == ActionDelete && !c.Drift:
			r.drop(key)
		}
	}
}

// ownTopic compares a recorded topic with the live one by id, and fills
// in the id of an entry that has none (an intent, or an entry from before
// kgitops recorded ids).
func ownTopic(live *Live, name string, e InventoryEntry) (InventoryEntry, ownership) {
	if live.Topics == nil {
		return e, ownUnknown
	}
	lt, ok := live.Topics[name]
	switch {
	case !ok:
		return e, ownMissing
	case !sameTopic(e, lt):
		return e, ownOther
	}
	if e.TopicID == "" {
		e.TopicID = lt.ID
	}
	return e, ownSame
}
