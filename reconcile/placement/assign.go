package placement

import (
	"cmp"
	"fmt"
	"slices"
)

// Request is one topic to place.
type Request struct {
	Topic      string      // for error messages
	Brokers    []Broker    // the brokers of the cluster
	Partitions []Partition // the topic's partitions as they are
	RF         int         // the replication factor wanted
	MinISR     int         // the topic's min.insync.replicas; 0 for none
	Strategy   Strategy
	Load       Load // replicas and leaders of the other topics
}

// Assign returns the replica lists that give r's topic r.RF replicas in
// every partition, placed by r.Strategy:
//   - KindRackAware and KindInRack keep the replicas the strategy allows,
//     in their order, and choose new ones: first on a rack the partition
//     has the fewest replicas on, then on the broker holding the fewest
//     replicas (counting r.Load), then the lowest broker ID. The new
//     replicas are then evened out across brokers without lowering any
//     partition's rack spread. KindInRack also replaces replicas outside its
//     rack. At the same replication factor, KindRackAware changes nothing.
//   - KindStatic takes Strategy.Static as it is.
//
// To drop replicas, Assign drops out-of-sync replicas first, then keeps the
// preferred leader and the current leader, then drops a replica whose rack
// keeps another one, then the one on the most loaded broker. It refuses
// when a partition that loses replicas would be left with fewer than
// r.MinISR in-sync replicas, counting added replicas as in sync (a
// reassignment completes only once they are).
//
// Offline partitions (leader -1) keep their replicas and are listed in
// Result.Offline. Assign returns an error, and no moves, when the request
// cannot be met: a replication factor above the eligible brokers, a bad
// static list, or a drop below r.MinISR.
func Assign(r Request) (Result, error) {
	res, err := assign(r)
	if err != nil {
		return Result{}, fmt.Errorf("place topic %q: %w", r.Topic, err)
	}
	return res, nil
}

func assign(r Request) (Result, error) {
	if res, ok := keptAsIs(r); ok {
		return res, nil
	}
	return place(r)
}

// keptAsIs answers, without building a cluster, a rack-aware request at
// the replication factor each of its partitions already has, over valid
// brokers (sorted by ID) and partitions (sorted by ID) on those brokers:
// place keeps every replica where it is then, and only lists the offline
// partitions. It is the request of almost every topic of a plan. It
// reports false for any other request, which place answers in full.
func keptAsIs(r Request) (Result, bool) {
	if r.Strategy.Kind != KindRackAware && r.Strategy.Kind != "" || r.RF < 1 || r.RF > len(r.Brokers) {
		return Result{}, false
	}
	for i, b := range r.Brokers {
		if b.ID < 0 || i > 0 && r.Brokers[i-1].ID >= b.ID {
			return Result{}, false
		}
	}
	var res Result
	for i, p := range r.Partitions {
		if len(p.Replicas) != r.RF || i > 0 && r.Partitions[i-1].ID >= p.ID || validReplicas(p.Replicas) != nil {
			return Result{}, false
		}
		for _, b := range p.Replicas {
			if _, ok := slices.BinarySearchFunc(r.Brokers, b, func(x Broker, id int32) int { return cmp.Compare(x.ID, id) }); !ok {
				return Result{}, false
			}
		}
		if p.offline() {
			res.Offline = append(res.Offline, p.ID)
		}
	}
	return res, true
}

// place answers any request in full.
func place(r Request) (Result, error) {
	if r.RF < 1 {
		return Result{}, fmt.Errorf("replication factor %d is below 1", r.RF)
	}
	c, err := newCluster(r.Brokers, r.Load)
	if err != nil {
		return Result{}, err
	}
	eligible, err := r.Strategy.eligible(r.Brokers, r.RF)
	if err != nil {
		return Result{}, err
	}
	for _, b := range eligible {
		c.usable[b.ID] = true
	}
	ps := slices.Clone(r.Partitions)
	slices.SortStableFunc(ps, func(a, b Partition) int { return cmp.Compare(a.ID, b.ID) })
	if err := checkPartitions(ps); err != nil {
		return Result{}, err
	}
	if r.Strategy.Kind == KindStatic {
		if err := checkStatic(c, r.Strategy.Static, ps, r.RF); err != nil {
			return Result{}, err
		}
	}
	for _, p := range ps {
		c.add(p.Replicas, 1)
	}

	var res Result
	var placed []Partition // the input of each of c.parts
	for _, p := range ps {
		if p.offline() {
			res.Offline = append(res.Offline, p.ID)
			continue
		}
		pt := &part{topic: r.Topic, id: p.ID, orig: slices.Clone(p.Replicas)}
		switch r.Strategy.Kind {
		case KindStatic:
			pt.reps = slices.Clone(r.Strategy.Static[p.ID])
		default:
			var kept []int32
			for _, b := range p.Replicas {
				if r.Strategy.Kind != KindInRack || c.usable[b] {
					kept = append(kept, b)
				}
			}
			kept = c.shrink(kept, r.RF, p)
			pt.reps = c.grow(kept, r.RF)
			for i := range pt.reps {
				pt.movable = append(pt.movable, i >= len(kept))
			}
		}
		pt.movable = append(pt.movable, make([]bool, len(pt.reps)-len(pt.movable))...)
		c.add(pt.orig, -1)
		c.add(pt.reps, 1)
		c.parts = append(c.parts, pt)
		placed = append(placed, p)
	}
	c.balanceReplicas(0)

	for i, pt := range c.parts {
		p := placed[i]
		if err := checkInSync(p, pt.reps, r.MinISR); err != nil {
			return Result{}, err
		}
		if !slices.Equal(pt.orig, pt.reps) {
			res.Moves = append(res.Moves, Move{Partition: pt.id, From: pt.orig, To: pt.reps})
		}
	}
	return res, nil
}

// checkPartitions returns an error when ps (sorted by ID) repeats a
// partition or a partition repeats a broker.
func checkPartitions(ps []Partition) error {
	for i, p := range ps {
		if i > 0 && ps[i-1].ID == p.ID {
			return fmt.Errorf("partition %d is listed twice", p.ID)
		}
		if err := validReplicas(p.Replicas); err != nil {
			return fmt.Errorf("partition %d: %w", p.ID, err)
		}
	}
	return nil
}

// checkStatic returns an error unless static has one list per partition,
// each of rf distinct brokers of the cluster.
func checkStatic(c *cluster, static [][]int32, ps []Partition, rf int) error {
	if len(static) != len(ps) {
		return fmt.Errorf("static placement lists %d partitions, the topic has %d: write one replica list per partition", len(static), len(ps))
	}
	for _, p := range ps {
		if p.ID < 0 || int(p.ID) >= len(static) {
			return fmt.Errorf("static placement has no replica list for partition %d", p.ID)
		}
	}
	for i, reps := range static {
		if len(reps) != rf {
			return fmt.Errorf("static placement of partition %d lists %d replicas %v, the replication factor is %d", i, len(reps), reps, rf)
		}
		if err := validReplicas(reps); err != nil {
			return fmt.Errorf("static placement of partition %d: %w", i, err)
		}
		for _, b := range reps {
			if !c.known(b) {
				return fmt.Errorf("static placement of partition %d names broker %d, which is not in the cluster", i, b)
			}
		}
	}
	return nil
}

// checkInSync returns an error when moving p to reps drops a replica and
// leaves fewer than minISR in sync. Replicas reps adds count as in sync:
// Kafka finishes a reassignment only once they have caught up.
func checkInSync(p Partition, reps []int32, minISR int) error {
	if len(Removing(Move{From: p.Replicas, To: reps})) == 0 {
		return nil
	}
	n := 0
	for _, b := range reps {
		if slices.Contains(p.ISR, b) || !slices.Contains(p.Replicas, b) {
			n++
		}
	}
	if n < minISR {
		return fmt.Errorf("partition %d: going from replicas %v (in sync %v) to %v leaves %d in-sync replicas, fewer than min.insync.replicas %d: bring the replicas back in sync first, or lower min.insync.replicas",
			p.ID, p.Replicas, p.ISR, reps, n, minISR)
	}
	return nil
}
