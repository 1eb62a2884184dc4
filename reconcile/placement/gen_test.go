package placement

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// This file makes random clusters for the property tests.

// genOpts says what a random cluster may contain.
type genOpts struct {
	racks   bool // brokers may have up to 4 racks (otherwise none)
	offline bool // partitions may be offline
	unknown bool // replicas may sit on brokers missing from the list
	ragged  bool // partitions of a topic may have different replica counts
}

// genBrokers returns 1 to 12 brokers with distinct, not necessarily
// contiguous IDs, on 0 to 4 racks, in random order.
func genBrokers(r *rand.Rand, o genOpts) []Broker {
	n := 1 + r.IntN(12)
	k := 0
	if o.racks {
		k = r.IntN(5)
	}
	ids := r.Perm(3 * n)[:n]
	var bs []Broker
	for _, id := range ids {
		b := Broker{ID: int32(id)}
		if k > 0 {
			b.Rack = string(rune('a' + r.IntN(k)))
		}
		bs = append(bs, b)
	}
	return bs
}

// genPartitions returns 1 to 8 partitions of one topic on brokers, in
// random order, each with 1 to len(brokers) replicas.
func genPartitions(r *rand.Rand, bs []Broker, o genOpts) []Partition {
	n := 1 + r.IntN(8)
	rf := 1 + r.IntN(len(bs))
	var ps []Partition
	for _, id := range r.Perm(n) {
		if o.ragged {
			rf = 1 + r.IntN(len(bs))
		}
		var reps []int32
		for _, i := range r.Perm(len(bs))[:rf] {
			reps = append(reps, bs[i].ID)
		}
		if o.unknown && r.IntN(8) == 0 {
			reps[r.IntN(len(reps))] = int32(100 + r.IntN(3))
		}
		p := Partition{ID: int32(id), Replicas: reps}
		switch {
		case o.offline && r.IntN(10) == 0:
			p.Leader = -1
		case o.ragged && r.IntN(20) == 0:
			p.Replicas, p.Leader = nil, -1 // a new partition
		default:
			p.Leader = reps[r.IntN(len(reps))]
			p.ISR = []int32{p.Leader}
			for _, b := range reps {
				if b != p.Leader && r.IntN(4) > 0 {
					p.ISR = append(p.ISR, b)
				}
			}
		}
		ps = append(ps, p)
	}
	return ps
}

// genTopics returns 1 to 4 topics on brokers.
func genTopics(r *rand.Rand, bs []Broker, o genOpts) map[string][]Partition {
	ts := map[string][]Partition{}
	for i := range 1 + r.IntN(4) {
		ts[fmt.Sprint("t", i)] = genPartitions(r, bs, o)
	}
	return ts
}

// genLoad returns a load from other topics of 0 to 5 replicas per broker.
func genLoad(r *rand.Rand, bs []Broker) Load {
	l := Load{}
	for _, b := range bs {
		if n := r.IntN(6); n > 0 {
			l[b.ID] = Count{Replicas: n, Leaders: r.IntN(n + 1)}
		}
	}
	return l
}

// genStrategy returns mostly rack-aware, sometimes in-rack (on a rack that
// may not exist) or static (with lists that may be invalid).
func genStrategy(r *rand.Rand, bs []Broker, ps []Partition, rf int) Strategy {
	switch r.IntN(8) {
	case 0:
		return Strategy{Kind: KindInRack, Rack: string(rune('a' + r.IntN(5)))}
	case 1:
		s := Strategy{Kind: KindStatic}
		for range ps {
			var reps []int32
			for _, i := range r.Perm(len(bs))[:min(rf, len(bs))] {
				reps = append(reps, bs[i].ID)
			}
			if r.IntN(10) == 0 && len(reps) > 0 {
				reps[0] = 99 // unknown broker
			}
			s.Static = append(s.Static, reps)
		}
		return s
	}
	return Strategy{Kind: KindRackAware}
}

// shuffled returns a copy of r with brokers and partitions in another
// order, which must not change the result.
func shuffled(rnd *rand.Rand, r Request) Request {
	r.Brokers = slices.Clone(r.Brokers)
	r.Partitions = slices.Clone(r.Partitions)
	rnd.Shuffle(len(r.Brokers), func(i, j int) { r.Brokers[i], r.Brokers[j] = r.Brokers[j], r.Brokers[i] })
	rnd.Shuffle(len(r.Partitions), func(i, j int) { r.Partitions[i], r.Partitions[j] = r.Partitions[j], r.Partitions[i] })
	return r
}

// applied returns topics after out's moves, with every moved partition
// fully in sync and led by its first replica, as once a reassignment and a
// preferred leader election have finished.
func applied(topics map[string][]Partition, out map[string]Result) map[string][]Partition {
	next := map[string][]Partition{}
	for name, ps := range topics {
		after := final(ps, out[name].Moves)
		for _, p := range ps {
			if reps := after[p.ID]; !slices.Equal(reps, p.Replicas) {
				p = Partition{ID: p.ID, Replicas: reps, ISR: reps, Leader: reps[0]}
			}
			next[name] = append(next[name], p)
		}
	}
	return next
}
