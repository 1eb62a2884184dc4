package placement

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// Rebalance evens out replicas and preferred leaders across brokers, for
// instance after a broker joined. topics holds every topic's partitions.
// It returns, for each topic that has moves or offline partitions, the
// partitions whose replica list changes and the offline ones, which it
// never touches.
//
// Replicas move one at a time from a broker to one holding at least two
// fewer (or along a chain of such moves, when no single move is allowed),
// never onto a broker the partition already uses and never lowering a
// partition's rack spread, so replication factors stay and spread never
// gets worse. It prefers to move another replica of a partition that
// already moves, and followers over preferred leaders. Without racks, and
// with every partition online, it stops with every broker within one
// replica of the others. Then it reorders replica lists, which moves no
// data, until preferred-leader counts are as even as the lists allow.
//
// When maxMoves > 0, at most maxMoves partitions get a different set of
// brokers; run Rebalance again after those moves finish for the next batch.
// Moves that only reorder a list are not counted. Replicas on brokers
// missing from brokers stay where they are.
func Rebalance(brokers []Broker, topics map[string][]Partition, maxMoves int) (map[string]Result, error) {
	if maxMoves < 0 {
		return nil, fmt.Errorf("rebalance: maximum moves %d is negative: use 0 for no limit", maxMoves)
	}
	c, err := newCluster(brokers, nil)
	if err != nil {
		return nil, fmt.Errorf("rebalance: %w", err)
	}
	for _, b := range c.ids {
		c.usable[b] = true
	}
	out := map[string]Result{}
	for _, t := range slices.Sorted(maps.Keys(topics)) {
		ps := slices.Clone(topics[t])
		slices.SortStableFunc(ps, func(a, b Partition) int { return cmp.Compare(a.ID, b.ID) })
		if err := checkPartitions(ps); err != nil {
			return nil, fmt.Errorf("rebalance topic %q: %w", t, err)
		}
		for _, p := range ps {
			c.add(p.Replicas, 1)
			pt := &part{topic: t, id: p.ID, orig: slices.Clone(p.Replicas), reps: slices.Clone(p.Replicas), locked: p.offline()}
			for _, b := range p.Replicas {
				pt.movable = append(pt.movable, c.known(b))
			}
			c.parts = append(c.parts, pt)
			if pt.locked {
				r := out[t]
				r.Offline = append(r.Offline, p.ID)
				out[t] = r
			}
		}
	}
	c.balanceReplicas(maxMoves)
	c.balanceLeaders()
	for _, pt := range c.parts {
		if !slices.Equal(pt.orig, pt.reps) {
			r := out[pt.topic]
			r.Moves = append(r.Moves, Move{Partition: pt.id, From: pt.orig, To: pt.reps})
			out[pt.topic] = r
		}
	}
	return out, nil
}
