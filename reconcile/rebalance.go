package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kgitops/kgitops/reconcile/placement"
	"github.com/kgitops/kgitops/spec"
)

// RebalanceOptions shape a rebalance plan.
type RebalanceOptions struct {
	// Desired, when set (--dir), is the repo: its Settings bound the moves,
	// and its topics with a placement of their own (in-rack, static) keep
	// it and are not rebalanced.
	Desired *spec.State
	// Throttle and MaxPartitionsInFlight override the Settings, as in
	// DiffOptions.
	Throttle              *int64
	MaxPartitionsInFlight int
	Now                   func() time.Time
}

// Rebalance plans the moves that even out replicas and preferred leaders
// across the live brokers (placement.Rebalance), for instance after a
// broker was added: one Topic update per topic that moves, carrying its
// moves as a replication-factor change does, so that Apply runs them the
// same batched, throttled and resumable way. Partitions moving already
// stay as their move leaves them; offline ones are never moved. It is
// pure.
func Rebalance(live *Live, opts RebalanceOptions) (*Plan, error) {
	p := &Plan{Changes: []Change{}}
	info := live.Cluster
	if info == nil {
		return nil, fmt.Errorf("the cluster's brokers were not read")
	}
	desired := opts.Desired
	if desired == nil {
		desired = &spec.State{}
	}
	own := map[string]bool{} // topics with a placement of their own
	for _, t := range desired.Topics {
		if t.Placement != nil && t.Placement.Strategy != placement.KindRackAware {
			own[t.Name] = true
		}
	}
	brokers := make([]placement.Broker, 0, len(info.Racks))
	for id, rack := range info.Racks {
		brokers = append(brokers, placement.Broker{ID: id, Rack: rack})
	}
	slices.SortFunc(brokers, func(x, y placement.Broker) int { return int(x.ID - y.ID) })
	topics := map[string][]placement.Partition{}
	for name, lt := range live.Topics {
		if own[name] {
			continue
		}
		for _, lp := range lt.Assignment {
			reps := lp.Replicas
			if m, ok := info.Moving[name][lp.ID]; ok {
				reps = m.Target()
			}
			topics[name] = append(topics[name], placement.Partition{ID: lp.ID, Replicas: reps, ISR: lp.ISR, Leader: lp.Leader})
		}
	}
	res, err := placement.Rebalance(brokers, topics, 0)
	if err != nil {
		return nil, err
	}
	throttle, inFlight, _ := reassignSettings(desired, DiffOptions{Throttle: opts.Throttle, MaxPartitionsInFlight: opts.MaxPartitionsInFlight})
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	for _, name := range slices.Sorted(maps.Keys(res)) {
		r := res[name]
		for _, off := range r.Offline {
			p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: name, Message: fmt.Sprintf("partition %d is offline (no leader): never moved", off)})
		}
		var moves []placement.Move
		for _, m := range r.Moves {
			if _, busy := info.Moving[name][m.Partition]; !busy {
				moves = append(moves, m)
			}
		}
		if len(moves) > 0 {
			ra := &Reassignment{Moves: moves, Bytes: map[int32]int64{}, Throttle: throttle, MaxInFlight: inFlight}
			var fields []Field
			var total int64
			receivers := map[int32]bool{}
			for _, m := range moves {
				add := placement.Adding(m)
				ra.Bytes[m.Partition] = partitionSize(info, name, m.Partition) * int64(len(add))
				total += ra.Bytes[m.Partition]
				for _, b := range add {
					receivers[b] = true
				}
				fields = append(fields, Field{Path: fmt.Sprintf("replicas[%d]", m.Partition), Old: replicaList(m.From), New: moveSummary(m, ra.Bytes[m.Partition])})
			}
			fields = append(fields, Field{Path: "reassignment", New: reassignmentSummary(len(moves), total, receivers, throttle, inFlight)})
			p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindTopic, Name: name, Fields: fields,
				Payload: &TopicChange{SetConfigs: map[string]string{}, Reassign: ra}, Sources: []string{"kgitops rebalance"}})
		}
		if len(moves) > 0 || len(info.Moving[name]) > 0 {
			p.Reassignments = append(p.Reassignments, progressOf(name, info.Moving[name], moves, info, live.Inventory, now()))
		}
	}
	p.summarize()
	return p, nil
}

// PreferredLeaders lists, by topic, the partitions of plan whose first
// replica changes: once their moves are done, electing the preferred
// leader puts leadership where the rebalance meant it.
func PreferredLeaders(plan *Plan) map[string][]int32 {
	out := map[string][]int32{}
	for _, c := range plan.Changes {
		tc, ok := c.Payload.(*TopicChange)
		if !ok || tc.Reassign == nil {
			continue
		}
		for _, m := range tc.Reassign.Moves {
			if len(m.From) == 0 || len(m.To) == 0 || m.From[0] != m.To[0] {
				out[c.Name] = append(out[c.Name], m.Partition)
			}
		}
	}
	return out
}
