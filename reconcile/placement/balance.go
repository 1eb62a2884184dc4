package placement

import (
	"cmp"
	"slices"
)

// This file evens out replica counts. It only ever moves a replica from a
// broker to one holding at least two fewer, so every move lowers the sum of
// squared replica counts and the loop ends. Moves come in three kinds, the
// cheapest to find first:
//   - sweep: one pass over all replicas, moving a replica off a broker
//     above the mean or onto one below it, never past the mean;
//   - direct: from the most loaded broker that has a replica the least
//     loaded broker can take;
//   - chain: when no direct move exists, h gives a replica to x, x gives
//     another to y, and so on until a broker two below h; the brokers in
//     between keep their counts.
//
// Without racks, a state with no direct move or chain has the least sum of
// squared counts of all placements of the movable replicas: it is a
// convex-cost flow with no negative cycle. Racks restrict the moves (a
// partition's rack spread must not drop), and then the result is the best
// these moves can reach, not always the best there is.

// slot is one replica of a partition: p.reps[i].
type slot struct {
	p *part
	i int
}

// hop is one replica moving along a chain.
type hop struct {
	s    slot
	from int32
	to   int32
}

// balanceReplicas moves movable replicas until no move or chain lowers the
// imbalance. When budget > 0, at most budget partitions end up with a
// different set of brokers (counting those already changed).
func (c *cluster) balanceReplicas(budget int) {
	if !slices.ContainsFunc(c.parts, func(p *part) bool { return slices.Contains(p.movable, true) }) {
		return // nothing may move: a topic whose replicas all stay, as most do
	}
	changed := 0
	for _, p := range c.parts {
		if p.changed() {
			changed++
		}
	}
	for c.sweep(budget, &changed) {
	}
	for c.direct(budget, &changed) || c.chain(budget, &changed) {
	}
}

// sweep is a fast first pass over all movable replicas. It moves a replica
// only from a broker above the mean (rounded up) or onto one below it
// (rounded down), without pushing either past the mean, each time to the
// least loaded broker that can take it, followers before preferred
// leaders. It reports whether it moved any.
// direct and chain then finish what it leaves; sweep only saves them time,
// as each of their steps rescans the whole cluster.
func (c *cluster) sweep(budget int, changed *int) bool {
	var usable []int32
	total := 0
	for _, b := range c.ids {
		if c.usable[b] {
			usable = append(usable, b)
			total += c.reps[b]
		}
	}
	if len(usable) == 0 {
		return false
	}
	lo, hi := total/len(usable), (total+len(usable)-1)/len(usable)
	moved := false
	for _, p := range c.parts {
		for k := range p.reps {
			i := (k + 1) % len(p.reps) // followers first, the preferred leader last
			h := p.reps[i]
			if p.locked || !p.movable[i] || !c.usable[h] || c.reps[h] <= lo {
				continue
			}
			if budget > 0 && *changed >= budget && !p.changed() {
				continue
			}
			best := int32(-1)
			for _, l := range usable {
				ok := (c.reps[h] > hi || c.reps[l] < lo) && c.reps[h]-1 >= lo && c.reps[l]+1 <= hi
				if ok && (best < 0 || c.reps[l] < c.reps[best]) && c.canPlace(p, i, l) {
					best = l
				}
			}
			if best >= 0 && c.apply([]hop{{slot{p, i}, h, best}}, budget, changed) {
				moved = true
			}
		}
	}
	return moved
}

// byReplicas returns the brokers that pass keep, most loaded first when
// desc, ties by broker ID.
func (c *cluster) byReplicas(desc bool, keep func(int32) bool) []int32 {
	var out []int32
	for _, b := range c.ids {
		if keep(b) {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b int32) int {
		if desc {
			return cmp.Compare(c.reps[b], c.reps[a])
		}
		return cmp.Compare(c.reps[a], c.reps[b])
	})
	return out
}

// slotsOn returns the movable replicas on each broker, the cheapest to
// move first: partitions that already change, then followers before
// preferred leaders, then in partition order. Partitions that do not change
// yet are left out when fresh is false (the budget is spent).
func (c *cluster) slotsOn(fresh bool) map[int32][]slot {
	var by [4]map[int32][]slot // by rank: 2 if the partition does not change yet, +1 for a leader
	for r := range by {
		by[r] = map[int32][]slot{}
	}
	for _, p := range c.parts {
		if p.locked {
			continue
		}
		changed := p.changed()
		if !fresh && !changed {
			continue
		}
		for i, b := range p.reps {
			if p.movable[i] {
				r := 2*boolInt(!changed) + boolInt(i == 0)
				by[r][b] = append(by[r][b], slot{p, i})
			}
		}
	}
	out := map[int32][]slot{}
	for _, m := range by {
		for b, ss := range m {
			out[b] = append(out[b], ss...)
		}
	}
	return out
}

// direct makes one move from the most loaded broker that has one to the
// least loaded broker that can take it, and reports whether it did.
func (c *cluster) direct(budget int, changed *int) bool {
	all := func(int32) bool { return true }
	lows := c.byReplicas(false, func(b int32) bool { return c.usable[b] })
	fresh := budget == 0 || *changed < budget
	on := c.slotsOn(fresh)
	for _, h := range c.byReplicas(true, all) {
		for _, l := range lows {
			if c.reps[h]-c.reps[l] < 2 {
				break
			}
			if s, ok := c.movable(on, h, l, fresh); ok {
				return c.apply([]hop{{s, h, l}}, budget, changed)
			}
		}
	}
	return false
}

// movable returns the first replica in on[h] that can move to l, or false,
// and remembers when there is none.
func (c *cluster) movable(on map[int32][]slot, h, l int32, fresh bool) (slot, bool) {
	if c.stuck == nil || c.stuckFresh != fresh {
		c.stuck, c.stuckFresh = map[int32]map[int32]bool{}, fresh
	}
	if c.stuck[h][l] {
		return slot{}, false
	}
	for _, s := range on[h] {
		if c.canPlace(s.p, s.i, l) {
			return s, true
		}
	}
	if c.stuck[h] == nil {
		c.stuck[h] = map[int32]bool{}
	}
	c.stuck[h][l] = true
	return slot{}, false
}

// chain finds, breadth first, a chain of moves from a loaded broker to one
// holding at least two fewer replicas, applies it, and reports whether it
// did.
func (c *cluster) chain(budget int, changed *int) bool {
	all := func(int32) bool { return true }
	lows := c.byReplicas(false, func(b int32) bool { return c.usable[b] })
	if len(lows) == 0 {
		return false
	}
	on := c.slotsOn(true)
	for _, h := range c.byReplicas(true, all) {
		if c.reps[h]-c.reps[lows[0]] < 2 {
			break // no broker is two below h, nor below any broker after it
		}
		prev := map[int32]hop{}
		seen := map[int32]bool{h: true}
		queue := []int32{h}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, x := range lows {
				if seen[x] {
					continue
				}
				s, ok := c.movable(on, u, x, true)
				if !ok {
					continue
				}
				seen[x] = true
				prev[x] = hop{s, u, x}
				if c.reps[x] <= c.reps[h]-2 && c.apply(path(prev, h, x), budget, changed) {
					return true
				}
				queue = append(queue, x)
			}
		}
	}
	return false
}

// path returns the hops from h to x that prev records, h's first.
func path(prev map[int32]hop, h, x int32) []hop {
	var out []hop
	for x != h {
		out = append(out, prev[x])
		x = prev[x].from
	}
	slices.Reverse(out)
	return out
}

// apply makes the hops in order. When one is no longer allowed (an earlier
// hop changed the same partition) or the budget would be exceeded, it undoes
// them all and reports false.
func (c *cluster) apply(hops []hop, budget int, changed *int) bool {
	before := *changed
	done := 0
	ok := true
	for _, h := range hops {
		if h.s.p.reps[h.s.i] != h.from || !c.canPlace(h.s.p, h.s.i, h.to) {
			ok = false
			break
		}
		was := h.s.p.changed()
		c.place(h.s.p, h.s.i, h.to)
		*changed += delta(was, h.s.p.changed())
		done++
	}
	if ok && (budget == 0 || *changed <= budget) {
		return true
	}
	for _, h := range slices.Backward(hops[:done]) {
		c.place(h.s.p, h.s.i, h.from)
	}
	*changed = before
	return false
}

// delta is the change in the number of changed partitions when one goes
// from was to is.
func delta(was, is bool) int {
	switch {
	case !was && is:
		return 1
	case was && !is:
		return -1
	}
	return 0
}
