package reconcile

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kgitops/kgitops/reconcile/placement"
	"github.com/kgitops/kgitops/spec"
)

// diffTopics adds the topic changes: creations, updates of declared
// topics, and deletions of topics the inventory holds that the repo no
// longer declares.
func diffTopics(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	globalIgnore := append(slices.Clone(desired.Settings.IgnoreConfigs), opts.IgnoreConfigs...)

	liveByCollision := make(map[string]string, len(live.Topics))
	for name := range live.Topics {
		liveByCollision[spec.CollisionKey(name)] = name
	}

	base := map[string]spec.Topic{}
	if opts.Baseline != nil {
		for _, t := range opts.Baseline.Topics {
			base[t.Name] = t
		}
	}

	declared := make(map[string]bool, len(desired.Topics))
	for _, t := range desired.Topics {
		declared[t.Name] = true
		ignore := append(slices.Clone(globalIgnore), t.IgnoreConfigs...)
		lt, exists := live.Topics[t.Name]
		if spec.MarkedForDeletion(t.Annotations) {
			// Deletion written in git: the resource goes even if
			// kgitops did not create it, with --allow-delete.
			if exists {
				p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindTopic, Name: t.Name, Pending: !opts.AllowDelete, Requested: true,
					Sources: []string{"Topic " + t.Name + " at " + t.Pos.String() + " (" + spec.AnnotationDelete + ")"},
					Payload: &TopicChange{ID: lt.ID}})
			}
			continue
		}
		if !exists {
			b, inBase := base[t.Name]
			if other, ok := liveByCollision[spec.CollisionKey(t.Name)]; ok {
				p.refuseOrBlock(KindTopic, t.Name, fmt.Sprintf("collides with existing topic %q: Kafka treats '.' and '_' as the same in topic names; rename one of them", other), inBase)
				continue
			}
			if msg, wait := brokerShortage(t.ReplicationFactor, live); msg != "" {
				at := t.PosOf("replicationFactor")
				p.Findings = append(p.Findings, Finding{Rule: spec.RuleRFAboveBrokers, Severity: spec.SeverityError,
					Kind: KindTopic, Name: t.Name, File: at.File, Line: at.Line, Message: msg})
				if wait {
					p.block(KindTopic, t.Name, msg)
				} else {
					p.refuseOrBlock(KindTopic, t.Name, msg, inBase && b.ReplicationFactor == t.ReplicationFactor)
				}
				continue
			}
			assignment, err := newPartitions(t, 0, live, t.ReplicationFactor)
			if err != nil {
				p.refuseOrBlock(KindTopic, t.Name, fmt.Sprintf("cannot be created on placement %s: %v", placementOf(t), err), inBase && b.Partitions == t.Partitions && b.ReplicationFactor == t.ReplicationFactor)
				continue
			}
			p.Changes = append(p.Changes, createTopic(t, ignore, assignment))
			continue
		}
		b, inBase := base[t.Name]
		if c, ok := p.updateTopic(t, lt, ignore, b, inBase, live, desired, opts); ok {
			p.Changes = append(p.Changes, c)
		}
	}

	// Deletions: only what the inventory says kgitops created, that the
	// repo no longer declares, and that still exists.
	var gone []string
	for k, e := range live.Inventory.Entries {
		if k.Kind != KindTopic || declared[k.Name] || e.External {
			continue
		}
		lt, exists := live.Topics[k.Name]
		if !exists {
			continue
		}
		if _, reserved := spec.Reserved(k.Name); reserved {
			continue
		}
		if !sameTopic(e, lt) {
			p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: k.Name, Message: fmt.Sprintf(
				"not ours any more: kgitops created a topic of this name with id %s, and the topic now in the cluster has id %s (deleted and created again outside kgitops); kgitops leaves it alone and forgets it at the next apply", e.TopicID, lt.ID)})
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
			Payload: &TopicChange{ID: live.Topics[name].ID},
		})
	}
}

// sameTopic says whether the live topic is the one the inventory entry
// recorded: their ids match, or either id is unknown (an entry written
// before kgitops recorded ids, an intent, or a broker that does not say).
func sameTopic(e InventoryEntry, lt LiveTopic) bool {
	return e.TopicID == "" || lt.ID == "" || e.TopicID == lt.ID
}

// protectField shows kgitops.io/prevent-destroy in a plan: set on a
// created resource (old is nil), or changed on an existing one.
func protectField(old any, new bool) Field {
	return Field{Path: "annotations." + spec.AnnotationPreventDestroy, Old: old, New: new}
}

func createTopic(t spec.Topic, ignore []string, assignment [][]int32) Change {
	tc := &TopicChange{
		Partitions:        t.Partitions,
		ReplicationFactor: t.ReplicationFactor,
		SetConfigs:        map[string]string{},
		Assignment:        assignment,
	}
	fields := []Field{
		{Path: "partitions", New: t.Partitions},
		{Path: "replicationFactor", New: t.ReplicationFactor},
	}
	fields = append(fields, assignmentFields(0, assignment)...)
	for _, k := range sortedKeys(t.Configs) {
		if ignored(k, ignore) {
			continue
		}
		tc.SetConfigs[k] = t.Configs[k]
		fields = append(fields, Field{Path: "configs." + k, New: t.Configs[k]})
	}
	protect := spec.PreventDestroy(t.Annotations)
	tc.Protect = &protect // also when false: a recreated topic's entry must not keep an old protection
	if pl := placementKey(t); pl != "" {
		tc.Placement = &pl
	}
	if protect {
		fields = append(fields, protectField(nil, true))
	}
	return Change{Action: ActionCreate, Kind: KindTopic, Name: t.Name, Fields: sourced(t, fields), Payload: tc, Sources: topicSources(t)}
}

// updateTopic compares a declared topic with its live self. Git is the
// truth: declared keys that differ are set, undeclared overrides are
// removed, ignored keys are left alone.
//
// A shrink is refused. When the baseline (the accepted revision) already
// declared the same value, the cluster was changed out of band: only this
// topic is blocked. A replication-factor change, or a placement drift to
// move back, is a reassignment (reassign.go).
func (p *Plan) updateTopic(t spec.Topic, lt LiveTopic, ignore []string, b spec.Topic, inBase bool, live *Live, desired *spec.State, opts DiffOptions) (Change, bool) {
	inv := live.Inventory
	if t.Partitions < lt.Partitions {
		p.refuseOrBlock(KindTopic, t.Name, fmt.Sprintf("partitions cannot shrink from %d to %d: Kafka cannot remove partitions; set partitions: %d, or move the data to a new topic", lt.Partitions, t.Partitions, lt.Partitions),
			inBase && b.Partitions == t.Partitions)
		return Change{}, false
	}
	tc := &TopicChange{SetConfigs: map[string]string{}}
	var fields []Field
	moveFields, ra, moves := p.reassignTopic(t, lt, live, desired, opts, inBase, b)
	// The throttled-replicas lists are kgitops' own while the topic's
	// partitions move; afterwards they are overrides like any other, and
	// go.
	moving := moves || live.Cluster != nil && len(live.Cluster.Moving[t.Name]) > 0
	if t.Partitions > lt.Partitions {
		assignment, err := newPartitions(t, lt.Partitions, live, lt.ReplicationFactor)
		if err != nil {
			p.refuseOrBlock(KindTopic, t.Name, fmt.Sprintf("partitions %d cannot be added on placement %s: %v", t.Partitions-lt.Partitions, placementOf(t), err), inBase && b.Partitions == t.Partitions)
			return Change{}, false
		}
		tc.Partitions = t.Partitions
		fields = append(fields, Field{Path: "partitions", Old: lt.Partitions, New: t.Partitions})
		switch rf := int(lt.ReplicationFactor); {
		case assignment != nil && len(assignment[0]) > rf && rf > 0:
			// Kafka creates partitions only at the factor the others
			// have: the new ones are created on the first brokers of
			// their lists, and the same apply moves them to the rest
			// (empty, so nothing is copied).
			var growth []placement.Move
			for i, reps := range assignment {
				growth = append(growth, placement.Move{Partition: lt.Partitions + int32(i), From: slices.Clone(reps[:rf]), To: reps})
				assignment[i] = reps[:rf]
			}
			if ra == nil {
				throttle, inFlight, _ := reassignSettings(desired, opts)
				ra = &Reassignment{Bytes: map[int32]int64{}, Throttle: throttle, MaxInFlight: inFlight}
				moveFields = []Field{{Path: "replicationFactor", Old: lt.ReplicationFactor, New: t.ReplicationFactor}}
				moves = true
			}
			ra.Moves = append(ra.Moves, growth...)
			tc.Assignment = assignment
			fields = append(fields, assignmentFields(lt.Partitions, assignment)...)
			var grown []Field
			for _, m := range growth {
				grown = append(grown, Field{Path: fmt.Sprintf("replicas[%d]", m.Partition), Old: replicaList(m.From), New: moveSummary(m, 0) + " once created"})
			}
			if n := len(moveFields); n > 0 && moveFields[n-1].Path == "reassignment" {
				moveFields = moveFields[:n-1] // the summary stays last, counting the new partitions
			}
			moveFields = append(append(moveFields, grown...), Field{Path: "reassignment", New: ra.summary()})
		case assignment != nil && len(assignment[0]) < rf:
			// A falling factor: created where Kafka places them, at the
			// old factor; the next plan drops their extra replicas.
			p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: t.Name, Message: fmt.Sprintf(
				"the %d new partition(s) are created at the replication factor the others have now (%d), as Kafka requires; the next plan lowers them to %d", t.Partitions-lt.Partitions, rf, t.ReplicationFactor)})
		default:
			tc.Assignment = assignment
			fields = append(fields, assignmentFields(lt.Partitions, assignment)...)
		}
	}
	keys := sortedKeys(t.Configs)
	for _, k := range sortedKeys(lt.Configs) {
		if _, ok := t.Configs[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ignored(k, ignore) || moving && isThrottleKey(k) {
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
	if e, ours := inv.Entries[ResourceKey{KindTopic, t.Name}]; ours && !e.External {
		if want := spec.PreventDestroy(t.Annotations); want != e.PreventDestroy {
			tc.Protect = &want
			fields = append(fields, protectField(e.PreventDestroy, want))
		}
		// The placement is recorded, so that a partition moved away from
		// it later reads as drift; its change in git shows here, and the
		// moves it takes below.
		if want := placementKey(t); want != e.Placement {
			tc.Placement = &want
			fields = append(fields, Field{Path: "placement", Old: shownPlacement(e.Placement), New: shownPlacement(want)})
		}
	}
	if moves {
		tc.Reassign = ra
		fields = append(fields, moveFields...)
	}
	if len(fields) == 0 {
		return Change{}, false
	}
	return Change{Action: ActionUpdate, Kind: KindTopic, Name: t.Name, Fields: sourced(t, fields), Payload: tc, Sources: topicSources(t)}, true
}

// newPartitions places the partitions from `from` on of a topic being
// created or grown, when its placement is its own: static takes its
// lists; in-rack places them as a reassignment would (placement.Assign),
// against the brokers' load. It returns nil for rack-aware, the default,
// which Kafka's own placement already is, and for in-rack when the
// brokers are unknown (an offline diff).
//
// A rack-aware topic whose replication factor changes in the same plan
// (liveRF is the one it has) gets lists too: Kafka would place the new
// partitions at the old factor, and a second apply would move them.
func newPartitions(t spec.Topic, from int32, live *Live, liveRF int16) ([][]int32, error) {
	if from >= t.Partitions {
		return nil, nil
	}
	strategy := spec.PlacementRackAware
	if t.Placement != nil {
		strategy = t.Placement.Strategy
	}
	if strategy == spec.PlacementRackAware && liveRF == t.ReplicationFactor {
		return nil, nil
	}
	switch strategy {
	case spec.PlacementStatic:
		if int(t.Partitions) > len(t.Placement.Static) {
			return nil, fmt.Errorf("static placement lists %d partitions, the topic has %d: write one replica list per partition", len(t.Placement.Static), t.Partitions)
		}
		out := make([][]int32, 0, t.Partitions-from)
		for _, reps := range t.Placement.Static[from:t.Partitions] {
			out = append(out, slices.Clone(reps))
		}
		return out, nil
	case spec.PlacementInRack, spec.PlacementRackAware:
		info := live.Cluster
		if info == nil {
			return nil, nil
		}
		var brokers []placement.Broker
		load := placement.Load{}
		for id, rack := range info.Racks {
			brokers = append(brokers, placement.Broker{ID: id, Rack: rack})
			load[id] = placement.Count{Replicas: info.Replicas[id], Leaders: info.Leaders[id]}
		}
		slices.SortFunc(brokers, func(x, y placement.Broker) int { return int(x.ID - y.ID) })
		var parts []placement.Partition
		for id := from; id < t.Partitions; id++ {
			parts = append(parts, placement.Partition{ID: id})
		}
		res, err := placement.Assign(placement.Request{Topic: t.Name, Brokers: brokers, Partitions: parts, RF: int(t.ReplicationFactor),
			Strategy: placementOf(t), Load: load})
		if err != nil {
			return nil, err
		}
		out := make([][]int32, len(parts))
		for _, m := range res.Moves {
			out[m.Partition-from] = m.To
		}
		return out, nil
	}
	return nil, nil
}

// assignmentFields shows the replicas of the partitions from `from` on
// that a create or a growth places.
func assignmentFields(from int32, assignment [][]int32) []Field {
	var fields []Field
	for i, reps := range assignment {
		fields = append(fields, Field{Path: fmt.Sprintf("replicas[%d]", from+int32(i)), New: replicaList(reps)})
	}
	return fields
}

// brokerShortage says why a topic with replication factor rf cannot be
// created now, or "" when it can. It counts registered brokers, not live
// ones: more replicas than registered brokers is the repo's problem
// (wait=false); enough registered brokers of which too few are up is a
// wait for the cluster (wait=true), never a reason to lower rf.
func brokerShortage(rf int16, live *Live) (msg string, wait bool) {
	registered := max(live.RegisteredBrokers, live.Brokers)
	switch {
	case registered == 0 || int(rf) <= live.Brokers:
		return "", false
	case int(rf) > registered:
		return fmt.Sprintf("replicationFactor %d needs %d brokers, and the cluster has %d registered; add brokers before creating this topic", rf, rf, registered), false
	}
	down, verb := registered-live.Brokers, "are"
	if down == 1 {
		verb = "is"
	}
	return fmt.Sprintf("waiting for brokers: replicationFactor %d needs %d live brokers, and %d of the cluster's %d registered brokers %s down (%s); the topic is created once they are back",
		rf, rf, down, registered, verb, brokerList(live.DownBrokers)), true
}

func brokerList(ids []int32) string {
	if len(ids) == 0 {
		return "ids unknown"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("broker %d", id)
	}
	return strings.Join(parts, ", ")
}

// topicSources names the document that declares a topic, for reviewers.
func topicSources(t spec.Topic) []string {
	var out []string
	if t.Pos.File != "" {
		out = append(out, "Topic "+t.Name+" at "+t.Pos.String())
	}
	if t.ProfileOrigin != "" {
		out = append(out, "TopicProfile "+strings.TrimPrefix(t.ProfileOrigin, "profile ")) // TopicProfile durable (built-in)
	}
	return out
}

// sourced says, on each field of a topic that uses a profile, whether
// the topic or the profile set its value.
func sourced(t spec.Topic, fields []Field) []Field {
	if t.Profile == "" {
		return fields
	}
	for i := range fields {
		if fields[i].New != nil {
			fields[i].Source = t.SetBy(fields[i].Path)
		}
	}
	return fields
}
