package placement

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shuffledTopics returns brokers and topics in another order, which must
// not change the result.
func shuffledTopics(r *rand.Rand, bs []Broker, ts map[string][]Partition) ([]Broker, map[string][]Partition) {
	bs = slices.Clone(bs)
	r.Shuffle(len(bs), func(i, j int) { bs[i], bs[j] = bs[j], bs[i] })
	out := map[string][]Partition{}
	for name, ps := range ts {
		ps = slices.Clone(ps)
		r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		out[name] = ps
	}
	return bs, out
}

// dataMoves returns how many replicas out copies to a new broker.
func dataMoves(out map[string]Result) int {
	n := 0
	for _, r := range out {
		for _, m := range r.Moves {
			n += len(Adding(m))
		}
	}
	return n
}

// TestRebalanceProperties runs Rebalance on many random clusters (1-12
// brokers, 0-4 racks, offline partitions, replicas on missing brokers,
// mixed replication factors) and checks checkRebalance, independence from
// input order, that a second pass on the result moves nothing (so a
// balanced cluster gets no moves), and that batches of maxMoves end.
func TestRebalanceProperties(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	o := genOpts{racks: true, offline: true, unknown: true, ragged: true}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 3))
		bs := genBrokers(r, o)
		ts := genTopics(r, bs, o)
		maxMoves := 0
		if r.IntN(2) == 0 {
			maxMoves = 1 + r.IntN(5)
		}
		out, err := Rebalance(bs, ts, maxMoves)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkRebalance(t, bs, ts, maxMoves, out)

		sbs, sts := shuffledTopics(r, bs, ts)
		if again, err := Rebalance(sbs, sts, maxMoves); err != nil || !cmp.Equal(out, again) {
			t.Errorf("Rebalance depends on input order:\n%+v\n%+v, %v", out, again, err)
		}

		// Batches: apply, rebalance again, until nothing moves. Each batch
		// lowers the sum of squared counts, so this ends; the last pass
		// must move nothing at all, not even leaders.
		cur, last := ts, out
		for i := 0; dataMoves(last) > 0 || i == 0; i++ {
			if i > 1000 {
				t.Fatalf("seed %d: batches of %d do not end", seed, maxMoves)
			}
			cur = applied(cur, last)
			if last, err = Rebalance(bs, cur, maxMoves); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			checkRebalance(t, bs, cur, maxMoves, last)
		}
		for name, res := range last {
			if len(res.Moves) > 0 {
				t.Errorf("topic %s: a pass after the last data move still reorders: %v", name, res.Moves)
			}
		}
		if t.Failed() {
			t.Fatalf("seed %d: brokers %v topics %v maxMoves %d", seed, bs, ts, maxMoves)
		}
	}
}

// TestRebalanceBalances checks the balance promise where it holds: no racks
// and every partition online, so any broker holding two more replicas than
// another has a partition the other lacks, and that replica can move. It
// checks:
//   - every broker within one replica of the others;
//   - at most E+D replicas copied, where E is what brokers hold above the
//     ceiling of the mean and D what they lack below its floor. Each move
//     lowers E or D by one and raises neither: a sweep move leaves a broker
//     above the mean or reaches one below it, never crossing the mean; a
//     direct move goes from a most to a least loaded broker, two apart, so
//     one is strictly above the mean and the other strictly below (here the
//     most loaded broker always has a replica the least loaded lacks). Any
//     way to balance needs at least max(E, D) copies.
//   - preferred-leader counts as even (least sum of squares) as any choice
//     of leaders among the final replica lists, found by brute force on
//     small clusters.
func TestRebalanceBalances(t *testing.T) {
	o := genOpts{ragged: true}
	for seed := range uint64(2000) {
		r := rand.New(rand.NewPCG(seed, 4))
		bs := genBrokers(r, o)
		if r.IntN(2) == 0 {
			for i := range bs {
				bs[i].Rack = "one" // a single rack is no rack
			}
		}
		ts := genTopics(r, bs, o)
		out, err := Rebalance(bs, ts, 0)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkRebalance(t, bs, ts, 0, out)
		reps, leads := counts(bs, ts, out)
		if spreadOf(reps) > 1 {
			t.Errorf("replica counts %v are not within one", reps)
		}

		before, _ := counts(bs, ts, nil)
		total := 0
		for _, c := range before {
			total += c
		}
		lo, hi := total/len(bs), (total+len(bs)-1)/len(bs)
		excess, deficit := 0, 0
		for _, c := range before {
			excess += max(0, c-hi)
			deficit += max(0, lo-c)
		}
		if n := dataMoves(out); n > excess+deficit {
			t.Errorf("%d replicas copied, more than the %d above the mean plus %d below it", n, excess, deficit)
		}

		if best, ok := bestLeaders(bs, ts, out); ok && sumSquares(leads) != best {
			t.Errorf("leader counts %v have sum of squares %d, the best is %d", leads, sumSquares(leads), best)
		}
		if t.Failed() {
			t.Fatalf("seed %d: brokers %v topics %v result %v", seed, bs, ts, out)
		}
	}
}

func sumSquares(m map[int32]int) int {
	s := 0
	for _, v := range m {
		s += v * v
	}
	return s
}

// bestLeaders returns the least sum of squared preferred-leader counts over
// every choice of leader among the final replica lists, trying them all,
// or false when there are too many choices to try.
func bestLeaders(bs []Broker, ts map[string][]Partition, out map[string]Result) (int, bool) {
	var lists [][]int32
	choices := 1
	for _, name := range slices.Sorted(maps.Keys(ts)) {
		for _, l := range final(ts[name], out[name].Moves) {
			if len(l) > 0 {
				lists = append(lists, l)
				choices *= len(l)
			}
		}
	}
	if choices > 20000 {
		return 0, false
	}
	leads := map[int32]int{}
	for _, b := range bs {
		leads[b.ID] = 0
	}
	best := -1
	var try func(i int)
	try = func(i int) {
		if i == len(lists) {
			if s := sumSquares(leads); best < 0 || s < best {
				best = s
			}
			return
		}
		for _, b := range lists[i] {
			leads[b]++
			try(i + 1)
			leads[b]--
		}
	}
	try(0)
	return best, true
}
