package placement

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bytesIn hands out small numbers read from fuzz input, 0 once it runs out.
type bytesIn []byte

// next returns a number in [0, n).
func (b *bytesIn) next(n int) int {
	if len(*b) == 0 || n <= 0 {
		return 0
	}
	v := int((*b)[0]) % n
	*b = (*b)[1:]
	return v
}

// fuzzBrokers reads brokers. IDs are mostly distinct; now and then one
// repeats, to reach the error.
func fuzzBrokers(in *bytesIn) []Broker {
	var bs []Broker
	racks := in.next(5)
	for i := range 1 + in.next(12) {
		b := Broker{ID: int32(3*i + in.next(3))}
		if i > 0 && in.next(64) == 0 {
			b.ID = bs[i-1].ID
		}
		if racks > 0 {
			b.Rack = string(rune('a' + in.next(racks)))
		}
		bs = append(bs, b)
	}
	return bs
}

// fuzzReplicas reads up to n distinct replicas, mostly on brokers of bs,
// sometimes on a broker that does not exist.
func fuzzReplicas(in *bytesIn, bs []Broker, n int) []int32 {
	var reps []int32
	free := make([]int32, len(bs))
	for i, b := range bs {
		free[i] = b.ID
	}
	for j := range n {
		if in.next(32) == 0 || len(free) == 0 {
			reps = append(reps, int32(100+j))
			continue
		}
		k := in.next(len(free))
		reps = append(reps, free[k])
		free = append(free[:k], free[k+1:]...)
	}
	return reps
}

// fuzzPartitions reads partitions: online, offline or new, with any
// replication factor.
func fuzzPartitions(in *bytesIn, bs []Broker) []Partition {
	var ps []Partition
	for i := range in.next(9) {
		p := Partition{ID: int32(i), Leader: -1}
		if i > 0 && in.next(16) == 0 {
			p.ID-- // a repeated partition
		}
		p.Replicas = fuzzReplicas(in, bs, in.next(len(bs)+2))
		for _, b := range p.Replicas {
			if in.next(3) > 0 {
				p.ISR = append(p.ISR, b)
			}
		}
		if len(p.ISR) > 0 && in.next(8) > 0 {
			p.Leader = p.ISR[0]
		}
		ps = append(ps, p)
	}
	return ps
}

// fuzzRequest reads a request from fuzz input.
func fuzzRequest(data []byte) Request {
	in := bytesIn(data)
	rf, minISR, kind := in.next(256), in.next(4), in.next(4)
	bs := fuzzBrokers(&in)
	ps := fuzzPartitions(&in, bs)
	r := Request{Topic: "t", Brokers: bs, Partitions: ps, RF: rf % (len(bs) + 2), MinISR: minISR, Load: Load{}}
	switch kind {
	case 2:
		r.Strategy = Strategy{Kind: KindInRack, Rack: string(rune('a' + in.next(5)))}
	case 3:
		r.Strategy = Strategy{Kind: KindStatic}
		for range len(ps) + boolInt(in.next(8) == 0) {
			n := r.RF
			if in.next(8) == 0 {
				n = in.next(len(bs) + 2)
			}
			r.Strategy.Static = append(r.Strategy.Static, fuzzReplicas(&in, bs, n))
		}
	}
	for _, b := range bs {
		if n := in.next(6); n > 0 {
			r.Load[b.ID] = Count{Replicas: n, Leaders: in.next(n + 1)}
		}
	}
	return r
}

// fuzzSeeds returns random inputs; most of them are valid requests, so
// that fuzzing starts from Assign's main paths rather than its errors.
func fuzzSeeds() [][]byte {
	r := rand.New(rand.NewPCG(1, 1))
	var seeds [][]byte
	for range 32 {
		b := make([]byte, 100+r.IntN(300))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzAssign checks that Assign never panics and that whatever it returns
// without error passes checkAssign and does not change when asked again.
func FuzzAssign(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzRequest(data)
		got, err := Assign(r)
		if err != nil {
			return
		}
		checkAssign(t, r, got)
		if again, err := Assign(r); err != nil || !cmp.Equal(got, again) {
			t.Errorf("Assign is not deterministic: %+v then %+v, %v", got, again, err)
		}
		if _, ok := keptAsIs(r); ok {
			if full, err := place(r); err != nil || !cmp.Equal(got, full) {
				t.Errorf("keptAsIs answered %+v, place %+v, %v", got, full, err)
			}
		}
	})
}

// FuzzRebalance checks that Rebalance never panics and that whatever it
// returns without error passes checkRebalance.
func FuzzRebalance(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytesIn(data)
		maxMoves := in.next(4)
		bs := fuzzBrokers(&in)
		ts := map[string][]Partition{}
		for i := range 1 + in.next(3) {
			ts[fmt.Sprint("t", i)] = fuzzPartitions(&in, bs)
		}
		got, err := Rebalance(bs, ts, maxMoves)
		if err != nil {
			return
		}
		checkRebalance(t, bs, ts, maxMoves, got)
	})
}
