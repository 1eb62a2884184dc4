package placement

import (
	"cmp"
	"slices"
)

// balanceLeaders evens out preferred leaders by reordering replica lists,
// which moves no data. It looks, breadth first, for a chain from a broker
// leading many partitions to one leading at least two fewer: the first
// broker hands the lead of a partition to one of its other replicas, that
// broker hands the lead of another partition on, and so on. Each chain
// lowers the sum of squared leader counts, so the loop ends, and when no
// chain is left the counts are as even as the replica lists allow (this is
// a semi-matching with no cost-reducing path, which Harvey et al., "Semi-
// matchings for bipartite graphs and load balancing", 2003, show is
// optimal).
func (c *cluster) balanceLeaders() {
	for c.leaderChain() {
	}
}

// lead is one partition whose lead passes to broker to.
type lead struct {
	p    *part
	from int32
	to   int32
}

// leaderChain applies one chain and reports whether it found one.
func (c *cluster) leaderChain() bool {
	hs := slices.Clone(c.ids)
	slices.SortStableFunc(hs, func(a, b int32) int { return cmp.Compare(c.leads[b], c.leads[a]) })
	for _, h := range hs {
		prev := map[int32]lead{}
		seen := map[int32]bool{h: true}
		queue := []int32{h}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, p := range c.parts {
				if p.locked || len(p.reps) == 0 || p.reps[0] != u {
					continue
				}
				for _, x := range p.reps[1:] {
					if seen[x] || !c.usable[x] {
						continue
					}
					seen[x] = true
					prev[x] = lead{p, u, x}
					if c.leads[x] <= c.leads[h]-2 {
						for x != h {
							l := prev[x]
							c.lead(l.p, l.to)
							x = l.from
						}
						return true
					}
					queue = append(queue, x)
				}
			}
		}
	}
	return false
}

// lead makes broker b, one of p's replicas, the preferred leader; the
// others keep their order.
func (c *cluster) lead(p *part, b int32) {
	j := slices.Index(p.reps, b)
	c.leads[p.reps[0]]--
	c.leads[b]++
	copy(p.reps[1:j+1], p.reps[:j])
	p.reps[0] = b
	m := p.movable[j]
	copy(p.movable[1:j+1], p.movable[:j])
	p.movable[0] = m
}
