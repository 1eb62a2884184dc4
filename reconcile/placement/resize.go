package placement

import "slices"

// shrink drops replicas of p from reps until n are left, and returns the
// rest in their order. It drops, in order of preference: a replica out of
// sync; not the preferred leader; not the current leader; one whose rack
// keeps another replica of the partition; the one on the broker holding the
// most replicas; the lowest broker ID.
func (c *cluster) shrink(reps []int32, n int, p Partition) []int32 {
	reps = slices.Clone(reps)
	for len(reps) > n {
		key := func(i int) []int {
			b := reps[i]
			return []int{
				boolInt(slices.Contains(p.ISR, b)),
				boolInt(i == 0),
				boolInt(b == p.Leader),
				boolInt(c.inRack(reps, c.rackOf(b)) == 1),
				-c.reps[b],
				int(b),
			}
		}
		drop := 0
		for i := range reps {
			if slices.Compare(key(i), key(drop)) < 0 {
				drop = i
			}
		}
		reps = slices.Delete(reps, drop, drop+1)
	}
	return reps
}

// grow adds usable brokers to reps until it holds n, and returns it. Each
// new replica goes to a rack holding the fewest of the partition's
// replicas, then to the broker holding the fewest replicas (or, for a
// preferred leader, the fewest preferred leaders), then the lowest ID.
func (c *cluster) grow(reps []int32, n int) []int32 {
	reps = slices.Clone(reps)
	for len(reps) < n {
		key := func(b int32) []int {
			k := []int{c.inRack(reps, c.rackOf(b)), c.reps[b], c.leads[b], int(b)}
			if len(reps) == 0 {
				k[1], k[2] = k[2], k[1]
			}
			return k
		}
		best := int32(-1)
		for _, b := range c.ids {
			if c.usable[b] && !slices.Contains(reps, b) && (best < 0 || slices.Compare(key(b), key(best)) < 0) {
				best = b
			}
		}
		if best < 0 {
			break // cannot happen: eligible checks there are n usable brokers
		}
		reps = append(reps, best)
	}
	return reps
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
