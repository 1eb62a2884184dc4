package reconcile

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/kgitops/kgitops/spec"
)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// AllowDelete lets the plan delete resources that the inventory says
	// kgitops created and that the repo no longer declares. Without it such
	// deletions are listed as pending and never run.
	AllowDelete bool
	// IgnoreConfigs adds topic config keys (a trailing '*' matches a
	// prefix) to ignore on every topic, on top of the repo's Settings.
	IgnoreConfigs []string
}

// Diff computes the plan that brings live to desired. It is pure: the same
// inputs always give the same, sorted plan.
func Diff(desired *spec.State, live *Live, opts DiffOptions) *Plan {
	p := &Plan{Changes: []Change{}}
	globalIgnore := append(slices.Clone(desired.Settings.IgnoreConfigs), opts.IgnoreConfigs...)

	liveByCollision := make(map[string]string, len(live.Topics))
	for name := range live.Topics {
		liveByCollision[spec.CollisionKey(name)] = name
	}

	declared := make(map[string]bool, len(desired.Topics))
	for _, t := range desired.Topics {
		declared[t.Name] = true
		ignore := append(slices.Clone(globalIgnore), t.IgnoreConfigs...)
		lt, exists := live.Topics[t.Name]
		if !exists {
			if other, ok := liveByCollision[spec.CollisionKey(t.Name)]; ok {
				p.refuse(KindTopic, t.Name, fmt.Sprintf("collides with existing topic %q: Kafka treats '.' and '_' as the same in topic names; rename one of them", other))
				continue
			}
			if live.Brokers > 0 && int(t.ReplicationFactor) > live.Brokers {
				p.refuse(KindTopic, t.Name, fmt.Sprintf("replicationFactor %d is more than the %d broker(s) the cluster has; set replicationFactor: %d or less", t.ReplicationFactor, live.Brokers, live.Brokers))
				continue
			}
			p.Changes = append(p.Changes, createTopic(t, ignore))
			continue
		}
		if c, ok := p.updateTopic(t, lt, ignore); ok {
			p.Changes = append(p.Changes, c)
		}
	}

	// Deletions: only what the inventory says kgitops created, that the
	// repo no longer declares, and that still exists.
	var gone []string
	for k := range live.Inventory.Entries {
		if k.Kind != KindTopic || declared[k.Name] {
			continue
		}
		if _, exists := live.Topics[k.Name]; !exists {
			continue
		}
		if _, reserved := spec.Reserved(k.Name); reserved {
			continue
		}
		gone = append(gone, k.Name)
	}
	sort.Strings(gone)
	for _, name := range gone {
		p.Changes = append(p.Changes, Change{
			Action:  ActionDelete,
			Kind:    KindTopic,
			Name:    name,
			Pending: !opts.AllowDelete,
		})
	}

	sortChanges(p.Changes)
	p.summarize()
	return p
}

func (p *Plan) refuse(kind, name, msg string) {
	p.Errors = append(p.Errors, Refusal{Kind: kind, Name: name, Message: msg})
}

func createTopic(t spec.Topic, ignore []string) Change {
	tc := &TopicChange{
		Partitions:        t.Partitions,
		ReplicationFactor: t.ReplicationFactor,
		SetConfigs:        map[string]string{},
	}
	fields := []Field{
		{Path: "partitions", New: t.Partitions},
		{Path: "replicationFactor", New: t.ReplicationFactor},
	}
	for _, k := range sortedKeys(t.Configs) {
		if ignored(k, ignore) {
			continue
		}
		tc.SetConfigs[k] = t.Configs[k]
		fields = append(fields, Field{Path: "configs." + k, New: t.Configs[k]})
	}
	return Change{Action: ActionCreate, Kind: KindTopic, Name: t.Name, Fields: fields, Topic: tc}
}

// updateTopic compares a declared topic with its live self. Git is the
// truth: declared keys that differ are set, undeclared overrides are
// removed, ignored keys are left alone.
func (p *Plan) updateTopic(t spec.Topic, lt LiveTopic, ignore []string) (Change, bool) {
	refused := false
	if t.Partitions < lt.Partitions {
		p.refuse(KindTopic, t.Name, fmt.Sprintf("partitions cannot shrink from %d to %d: Kafka cannot remove partitions; set partitions: %d, or move the data to a new topic", lt.Partitions, t.Partitions, lt.Partitions))
		refused = true
	}
	if t.ReplicationFactor != lt.ReplicationFactor {
		p.refuse(KindTopic, t.Name, fmt.Sprintf("replicationFactor cannot change from %d to %d yet: kgitops does not reassign replicas; set replicationFactor: %d", lt.ReplicationFactor, t.ReplicationFactor, lt.ReplicationFactor))
		refused = true
	}
	if refused {
		return Change{}, false
	}
	tc := &TopicChange{SetConfigs: map[string]string{}}
	var fields []Field
	if t.Partitions > lt.Partitions {
		tc.Partitions = t.Partitions
		fields = append(fields, Field{Path: "partitions", Old: lt.Partitions, New: t.Partitions})
	}
	keys := sortedKeys(t.Configs)
	for _, k := range sortedKeys(lt.Configs) {
		if _, ok := t.Configs[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ignored(k, ignore) {
			continue
		}
		want, declared := t.Configs[k]
		have, set := lt.Configs[k]
		switch {
		case declared && !set:
			tc.SetConfigs[k] = want
			fields = append(fields, Field{Path: "configs." + k, New: want})
		case declared && !spec.ConfigEqual(k, want, have):
			tc.SetConfigs[k] = want
			fields = append(fields, Field{Path: "configs." + k, Old: have, New: want})
		case !declared && set:
			tc.DeleteConfigs = append(tc.DeleteConfigs, k)
			fields = append(fields, Field{Path: "configs." + k, Old: have})
		}
	}
	if len(fields) == 0 {
		return Change{}, false
	}
	return Change{Action: ActionUpdate, Kind: KindTopic, Name: t.Name, Fields: fields, Topic: tc}, true
}

// ignored says whether key is one kgitops leaves alone.
func ignored(key string, patterns []string) bool {
	_, ok := spec.IgnoreMatch(patterns, key)
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindOrder is the order kinds appear in a plan and are applied in.
var kindOrder = map[string]int{KindTopic: 0}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		if c := cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
