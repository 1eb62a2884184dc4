package placement

import (
	"cmp"
	"slices"
)

// This file evens out replica counts. It only ever moves a replica from a
// broker to one holding at least two fewer, so every move lowers the sum of
// squared replica counts and the loop ends.
//
// A direct move takes a replica from a broker to a less loaded one. When no
// direct move exists, a chain does: h gives a replica to x, x gives another
// to y, and so on until a broker two below h; the brokers in between keep
// their counts. Without racks, a state with no such chain has the least sum
// of squared counts of all placements of the movable replicas: it is a
// convex-cost flow with no negative cycle. Racks restrict the moves (a
// partition's rack spread must not drop), and then the result is the best
// the moves can reach, not always the best there is.

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
	changed := 0
	for _, p := range c.parts {
		if p.changed() {
			changed++
		}
	}
	for c.direct(budget, &changed) || c.chain(budget, &changed) {
	}
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

// slotsOn returns the movable replicas on broker b, the cheapest to move
// first: partitions that already change, then followers before preferred
// leaders, then in partition order. Partitions that do not change yet are
// left out when fresh is false (the budget is spent).
func (c *cluster) slotsOn(b int32, fresh bool) []slot {
	var out []slot
	for _, p := range c.parts {
		if p.locked {
			continue
		}
		for i, r := range p.reps {
			if r == b && p.movable[i] && (fresh || p.changed()) {
				out = append(out, slot{p, i})
			}
		}
	}
	rank := func(s slot) int {
		n := 0
		if !s.p.changed() {
			n += 2
		}
		if s.i == 0 {
			n++
		}
		return n
	}
	slices.SortStableFunc(out, func(a, b slot) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// direct makes one move from the most loaded broker that has one to the
// least loaded broker that can take it, and reports whether it did.
func (c *cluster) direct(budget int, changed *int) bool {
	all := func(int32) bool { return true }
	lows := c.byReplicas(false, func(b int32) bool { return c.usable[b] })
	for _, h := range c.byReplicas(true, all) {
		slots := c.slotsOn(h, budget == 0 || *changed < budget)
		for _, l := range lows {
			if c.reps[h]-c.reps[l] < 2 {
				break
			}
			for _, s := range slots {
				if c.canPlace(s.p, s.i, l) {
					return c.apply([]hop{{s, h, l}}, budget, changed)
				}
			}
		}
	}
	return false
}

// chain finds, breadth first, a chain of moves from a loaded broker to one
// holding at least two fewer replicas, applies it, and reports whether it
// did.
func (c *cluster) chain(budget int, changed *int) bool {
	all := func(int32) bool { return true }
	lows := c.byReplicas(false, func(b int32) bool { return c.usable[b] })
	for _, h := range c.byReplicas(true, all) {
		prev := map[int32]hop{}
		seen := map[int32]bool{h: true}
		queue := []int32{h}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, s := range c.slotsOn(u, true) {
				for _, x := range lows {
					if seen[x] || !c.canPlace(s.p, s.i, x) {
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
