package placement

import (
	"fmt"
	"slices"
)

// cluster is the working state Assign and Rebalance share: the brokers, and
// how many replicas and preferred leaders each holds as partitions change.
type cluster struct {
	ids    []int32       // known brokers, ascending
	rack   map[int32]int // rack of each known broker, numbered from 0
	reps   map[int32]int
	leads  map[int32]int
	parts  []*part        // the partitions being placed, in a fixed order
	usable map[int32]bool // brokers that may receive replicas

	// stuck[h][l]: no movable replica on h can move to l, whatever the
	// counts, as found when the budget allowed fresh partitions or not
	// (stuckFresh). A move in a partition clears the rows of its brokers.
	stuck      map[int32]map[int32]bool
	stuckFresh bool
}

// part is one partition being placed.
type part struct {
	topic   string
	id      int32
	orig    []int32 // the replica list as it was
	reps    []int32 // the replica list as it is now
	movable []bool  // movable[i]: the balancer may move reps[i] elsewhere
	locked  bool    // offline: neither replicas nor leader move
}

// newCluster returns a cluster of brokers holding load, or an error when a
// broker ID is negative or repeated.
func newCluster(brokers []Broker, load Load) (*cluster, error) {
	c := &cluster{rack: map[int32]int{}, reps: map[int32]int{}, leads: map[int32]int{}, usable: map[int32]bool{}}
	racks := map[string]int{}
	for _, b := range brokers {
		if b.ID < 0 {
			return nil, fmt.Errorf("broker ID %d is negative", b.ID)
		}
		if _, dup := c.rack[b.ID]; dup {
			return nil, fmt.Errorf("broker %d is listed twice", b.ID)
		}
		if _, ok := racks[b.Rack]; !ok {
			racks[b.Rack] = len(racks)
		}
		c.rack[b.ID] = racks[b.Rack]
		c.ids = append(c.ids, b.ID)
		c.reps[b.ID] = load[b.ID].Replicas
		c.leads[b.ID] = load[b.ID].Leaders
	}
	slices.Sort(c.ids)
	return c, nil
}

// known reports whether b is in the broker list.
func (c *cluster) known(b int32) bool {
	_, ok := c.rack[b]
	return ok
}

// rackOf returns b's rack number. A broker missing from the list gets a
// (negative) rack of its own, so that it counts for spread but never
// matches another broker.
func (c *cluster) rackOf(b int32) int {
	if r, ok := c.rack[b]; ok {
		return r
	}
	return -1 - int(b)
}

// spread returns the number of racks reps covers.
func (c *cluster) spread(reps []int32) int {
	n := 0
	for i, b := range reps {
		first := true
		for _, o := range reps[:i] {
			if c.rackOf(o) == c.rackOf(b) {
				first = false
				break
			}
		}
		if first {
			n++
		}
	}
	return n
}

// inRack returns how many of reps are in rack r (as rackOf numbers it).
func (c *cluster) inRack(reps []int32, r int) int {
	n := 0
	for _, b := range reps {
		if c.rackOf(b) == r {
			n++
		}
	}
	return n
}

// add counts reps as held, the first as preferred leader, with sign +1 or -1.
func (c *cluster) add(reps []int32, sign int) {
	for i, b := range reps {
		if !c.known(b) {
			continue
		}
		c.reps[b] += sign
		if i == 0 {
			c.leads[b] += sign
		}
	}
}

// place sets slot i of p to broker to, keeping the counts right.
func (c *cluster) place(p *part, i int, to int32) {
	for _, b := range p.reps {
		delete(c.stuck, b)
	}
	delete(c.stuck, to)
	from := p.reps[i]
	if c.known(from) {
		c.reps[from]--
		if i == 0 {
			c.leads[from]--
		}
	}
	p.reps[i] = to
	c.reps[to]++
	if i == 0 {
		c.leads[to]++
	}
}

// canPlace reports whether slot i of p may move to broker to: to is usable,
// not already a replica, and the partition's rack spread does not drop.
// Spread drops only when the replica leaves the last of p's replicas on its
// rack for a rack p already uses.
func (c *cluster) canPlace(p *part, i int, to int32) bool {
	if !c.usable[to] || slices.Contains(p.reps, to) {
		return false
	}
	from, onto := c.rackOf(p.reps[i]), c.rackOf(to)
	return from == onto || c.inRack(p.reps, from) > 1 || c.inRack(p.reps, onto) == 0
}

// changed reports whether p holds a different set of brokers than it did.
func (p *part) changed() bool {
	if len(p.reps) != len(p.orig) {
		return true
	}
	for _, b := range p.reps {
		if !slices.Contains(p.orig, b) {
			return true
		}
	}
	return false
}

// validReplicas returns an error when reps names a broker twice or a
// negative broker.
func validReplicas(reps []int32) error {
	for i, b := range reps {
		if b < 0 {
			return fmt.Errorf("replica %d is negative", b)
		}
		if slices.Contains(reps[:i], b) {
			return fmt.Errorf("broker %d appears twice in replicas %v", b, reps)
		}
	}
	return nil
}
