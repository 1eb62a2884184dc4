package placement

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"
)

// This file holds the checks every Assign and Rebalance result must pass,
// whatever the input: the table tests, the property tests and the fuzz
// tests all run them. They recompute what they check from the input and
// the output alone, without the package's own helpers.

// final returns each partition's replica list after moves.
func final(ps []Partition, moves []Move) map[int32][]int32 {
	out := map[int32][]int32{}
	for _, p := range ps {
		out[p.ID] = p.Replicas
	}
	for _, m := range moves {
		out[m.Partition] = m.To
	}
	return out
}

// rackMap returns each broker's rack.
func rackMap(bs []Broker) map[int32]string {
	m := map[int32]string{}
	for _, b := range bs {
		m[b.ID] = b.Rack
	}
	return m
}

// rackSet returns the racks reps covers; a broker missing from racks is a
// rack of its own.
func rackSet(racks map[int32]string, reps []int32) map[string]bool {
	s := map[string]bool{}
	for _, b := range reps {
		if r, ok := racks[b]; ok {
			s["r"+r] = true
		} else {
			s[fmt.Sprint("?", b)] = true
		}
	}
	return s
}

// isSubsequence reports whether a is b with some elements left out.
func isSubsequence(a, b []int32) bool {
	i := 0
	for _, x := range b {
		if i < len(a) && a[i] == x {
			i++
		}
	}
	return i == len(a)
}

// checkMoves checks what every Result holds: moves sorted by partition,
// each from the partition's current list to a different one, none for an
// offline partition, and Offline listing exactly the offline partitions.
func checkMoves(t *testing.T, ps []Partition, res Result) {
	t.Helper()
	byID := map[int32]Partition{}
	var offline []int32
	for _, p := range ps {
		byID[p.ID] = p
		if p.Leader < 0 && len(p.Replicas) > 0 {
			offline = append(offline, p.ID)
		}
	}
	slices.Sort(offline)
	if !slices.Equal(offline, res.Offline) {
		t.Errorf("Offline = %v, want %v", res.Offline, offline)
	}
	for i, m := range res.Moves {
		p, ok := byID[m.Partition]
		switch {
		case !ok:
			t.Errorf("move of unknown partition %d", m.Partition)
		case i > 0 && res.Moves[i-1].Partition >= m.Partition:
			t.Errorf("moves not sorted by partition: %v", res.Moves)
		case slices.Contains(offline, m.Partition):
			t.Errorf("offline partition %d moved: %v", m.Partition, m)
		case !slices.Equal(p.Replicas, m.From):
			t.Errorf("move of partition %d from %v, but its replicas are %v", m.Partition, m.From, p.Replicas)
		case slices.Equal(m.From, m.To):
			t.Errorf("move of partition %d changes nothing: %v", m.Partition, m)
		}
	}
}

// checkAssign checks the invariants of a successful Assign.
func checkAssign(t *testing.T, r Request, res Result) {
	t.Helper()
	checkMoves(t, r.Partitions, res)
	racks := rackMap(r.Brokers)
	eligible := map[int32]bool{}
	for _, b := range r.Brokers {
		if r.Strategy.Kind != KindInRack || b.Rack == r.Strategy.Rack {
			eligible[b.ID] = true
		}
	}
	after := final(r.Partitions, res.Moves)
	for _, p := range r.Partitions {
		if p.Leader < 0 && len(p.Replicas) > 0 {
			continue
		}
		got := after[p.ID]
		if len(got) != r.RF {
			t.Errorf("partition %d: %v has %d replicas, want %d", p.ID, got, len(got), r.RF)
		}
		for i, b := range got {
			if slices.Contains(got[:i], b) {
				t.Errorf("partition %d: %v repeats broker %d", p.ID, got, b)
			}
			if !slices.Contains(p.Replicas, b) && !eligible[b] {
				t.Errorf("partition %d: %v adds broker %d, which the strategy does not allow", p.ID, got, b)
			}
		}
		m := Move{Partition: p.ID, From: p.Replicas, To: got}
		// Dropping a replica never leaves fewer than MinISR in sync,
		// counting added replicas as in sync.
		if len(Removing(m)) > 0 {
			n := 0
			for _, b := range got {
				if slices.Contains(p.ISR, b) || !slices.Contains(p.Replicas, b) {
					n++
				}
			}
			if n < r.MinISR {
				t.Errorf("partition %d: %v -> %v leaves %d in sync, below %d", p.ID, p.Replicas, got, n, r.MinISR)
			}
		}
		switch r.Strategy.Kind {
		case KindStatic:
			if !slices.Equal(got, r.Strategy.Static[p.ID]) {
				t.Errorf("partition %d: %v, want the static list %v", p.ID, got, r.Strategy.Static[p.ID])
			}
			continue
		case KindInRack:
			for _, b := range got {
				if !eligible[b] {
					t.Errorf("partition %d: %v keeps broker %d outside rack %q", p.ID, got, b, r.Strategy.Rack)
				}
			}
			continue
		}
		// Rack-aware.
		if len(p.Replicas) <= r.RF {
			// An increase keeps every replica, in its place, so the
			// preferred leader stays; at the same RF nothing changes.
			if !slices.Equal(got[:len(p.Replicas)], p.Replicas) {
				t.Errorf("partition %d: %v -> %v does not keep the existing replicas first", p.ID, p.Replicas, got)
			}
			// New replicas cover as many new racks as they can: one per
			// rack of an eligible broker that the partition does not cover
			// yet, up to the number of new replicas.
			before := rackSet(racks, p.Replicas)
			uncovered := map[string]bool{}
			for b := range eligible {
				if r := rackSet(racks, []int32{b}); !before[slices.Collect(maps.Keys(r))[0]] {
					maps.Copy(uncovered, r)
				}
			}
			added := len(got) - len(p.Replicas)
			if gained := len(rackSet(racks, got)) - len(before); gained != min(added, len(uncovered)) {
				t.Errorf("partition %d: %v -> %v covers %d new racks, want %d", p.ID, p.Replicas, got, gained, min(added, len(uncovered)))
			}
			continue
		}
		// A decrease only drops, keeping the order.
		if !isSubsequence(got, p.Replicas) {
			t.Errorf("partition %d: %v -> %v is not a subsequence", p.ID, p.Replicas, got)
		}
		// Out-of-sync replicas go first: an in-sync replica is dropped only
		// when every kept replica is in sync.
		inSync := func(b int32) bool { return slices.Contains(p.ISR, b) }
		if slices.ContainsFunc(Removing(m), inSync) && !all(got, inSync) {
			t.Errorf("partition %d: %v -> %v drops an in-sync replica but keeps an out-of-sync one (ISR %v)", p.ID, p.Replicas, got, p.ISR)
		}
		// The preferred leader stays when it is in sync.
		if inSync(p.Replicas[0]) && got[0] != p.Replicas[0] {
			t.Errorf("partition %d: %v -> %v drops the in-sync preferred leader", p.ID, p.Replicas, got)
		}
	}
}

func all(s []int32, f func(int32) bool) bool {
	for _, x := range s {
		if !f(x) {
			return false
		}
	}
	return true
}

// checkRebalance checks the invariants of a successful Rebalance.
func checkRebalance(t *testing.T, brokers []Broker, topics map[string][]Partition, maxMoves int, out map[string]Result) {
	t.Helper()
	racks := rackMap(brokers)
	changed := 0
	for name, ps := range topics {
		res := out[name]
		checkMoves(t, ps, res)
		after := final(ps, res.Moves)
		for _, p := range ps {
			got := after[p.ID]
			if len(got) != len(p.Replicas) {
				t.Errorf("%s/%d: %v -> %v changes the replication factor", name, p.ID, p.Replicas, got)
			}
			for i, b := range got {
				if slices.Contains(got[:i], b) {
					t.Errorf("%s/%d: %v repeats broker %d", name, p.ID, got, b)
				}
				if _, ok := racks[b]; !ok && !slices.Contains(p.Replicas, b) {
					t.Errorf("%s/%d: %v moves to unknown broker %d", name, p.ID, got, b)
				}
			}
			for _, b := range p.Replicas {
				if _, ok := racks[b]; !ok && !slices.Contains(got, b) {
					t.Errorf("%s/%d: %v -> %v moves the replica on unknown broker %d", name, p.ID, p.Replicas, got, b)
				}
			}
			if a, b := len(rackSet(racks, got)), len(rackSet(racks, p.Replicas)); a < b {
				t.Errorf("%s/%d: %v -> %v lowers rack spread from %d to %d", name, p.ID, p.Replicas, got, b, a)
			}
			if len(Adding(Move{From: p.Replicas, To: got})) > 0 {
				changed++
			}
		}
	}
	for name := range out {
		if _, ok := topics[name]; !ok {
			t.Errorf("result for unknown topic %q", name)
		}
		if r := out[name]; len(r.Moves) == 0 && len(r.Offline) == 0 {
			t.Errorf("empty result for topic %q", name)
		}
	}
	if maxMoves > 0 && changed > maxMoves {
		t.Errorf("%d partitions move data, more than maxMoves %d", changed, maxMoves)
	}
}

// counts returns the replicas and preferred leaders on each broker in
// brokers, after moves.
func counts(brokers []Broker, topics map[string][]Partition, out map[string]Result) (reps, leads map[int32]int) {
	reps, leads = map[int32]int{}, map[int32]int{}
	for _, b := range brokers {
		reps[b.ID], leads[b.ID] = 0, 0
	}
	for name, ps := range topics {
		for _, got := range final(ps, out[name].Moves) {
			for i, b := range got {
				if _, ok := reps[b]; !ok {
					continue
				}
				reps[b]++
				if i == 0 {
					leads[b]++
				}
			}
		}
	}
	return reps, leads
}

// spreadOf returns the largest minus the smallest count.
func spreadOf(m map[int32]int) int {
	if len(m) == 0 {
		return 0
	}
	vs := slices.Collect(maps.Values(m))
	return slices.Max(vs) - slices.Min(vs)
}

// sortedMoves returns moves sorted by partition, for comparing results.
func sortedMoves(ms []Move) []Move {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Move) int { return cmp.Compare(a.Partition, b.Partition) })
	return ms
}
