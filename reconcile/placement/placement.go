// Package placement decides which brokers hold a topic's replicas: it
// computes new replica lists when a replication factor changes (Assign)
// and evens out replicas and preferred leaders across a cluster
// (Rebalance).
//
// Both are pure and deterministic: they take plain values (brokers with
// their racks, partitions with their replicas, in-sync replicas and leader)
// and return the partitions whose replica list changes, from the current
// list to the new one, sorted by partition. Ties are broken by broker ID.
// The rules, in order of importance:
//   - Never touch an offline partition (leader -1): report it instead.
//   - Never leave fewer in-sync replicas than min.insync.replicas when
//     dropping replicas; refuse instead.
//   - Spread each partition's replicas over as many racks as possible, and
//     never make a partition's rack spread worse.
//   - Move as little as possible: existing replicas stay, and the preferred
//     leader (the first replica) stays first.
//   - Balance replica counts and preferred-leader counts per broker.
//
// A broker's rack is a plain string; brokers without a rack ("") form one
// rack of their own. Replicas on brokers that are not in the broker list
// (a broker that is down or gone) are left where they are and are never
// chosen for new replicas.
//
// The package deliberately does no I/O: it does not read the cluster,
// submit reassignments, throttle them or wait for them to finish. The
// caller reads the cluster, and applies the moves, batching them with
// Rebalance's maxMoves.
package placement

import "slices"

// Broker is a broker that can hold replicas. Rack "" means no rack.
type Broker struct {
	ID   int32
	Rack string
}

// Partition is one partition as the cluster reports it: its replica list
// (the first replica is the preferred leader), the replicas in sync, and the
// current leader, -1 when the partition is offline.
//
// A partition with no replicas at all is a new partition: Assign gives it a
// full replica list.
type Partition struct {
	ID       int32
	Replicas []int32
	ISR      []int32
	Leader   int32
}

// offline reports whether p has replicas but no leader. Offline partitions
// are never moved.
func (p Partition) offline() bool { return p.Leader < 0 && len(p.Replicas) > 0 }

// Count is how many replicas, and how many preferred leaders, a broker holds.
type Count struct {
	Replicas int
	Leaders  int
}

// Load is what each broker already holds from other topics, so that Assign
// balances one topic against the rest of the cluster. Brokers missing from
// it hold nothing.
type Load map[int32]Count

// Move is one partition's change: its replica list From (as it is now) and
// To (as it should be). From and To may hold the same brokers in a
// different order: then only the preferred leader changes and no data moves.
type Move struct {
	Partition int32
	From      []int32
	To        []int32
}

// Result is what Assign decides for one topic: the partitions that change,
// sorted by partition, and the offline partitions it left alone.
type Result struct {
	Moves   []Move
	Offline []int32
}

// Adding returns the brokers in m.To that are not in m.From, in m.To's
// order: the brokers that receive a copy of the partition.
func Adding(m Move) []int32 { return without(m.To, m.From) }

// Removing returns the brokers in m.From that are not in m.To, in m.From's
// order: the brokers whose copy of the partition is deleted.
func Removing(m Move) []int32 { return without(m.From, m.To) }

// without returns the elements of a that are not in b, in a's order.
func without(a, b []int32) []int32 {
	var out []int32
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
