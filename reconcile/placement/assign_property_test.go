package placement

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomRequest returns a random Assign request on a random cluster.
func randomRequest(r *rand.Rand) Request {
	o := genOpts{racks: true, offline: true, unknown: true, ragged: true}
	bs := genBrokers(r, o)
	ps := genPartitions(r, bs, o)
	rf := 1 + r.IntN(len(bs)+1)
	return Request{Topic: "t", Brokers: bs, Partitions: ps, RF: rf, MinISR: r.IntN(4),
		Strategy: genStrategy(r, bs, ps, rf), Load: genLoad(r, bs)}
}

// wantAssignError reports, from the request alone, whether Assign must
// fail: RF above the eligible brokers, a bad static list, or a partition
// that loses replicas and would keep fewer than MinISR in sync. For
// in-rack it cannot tell the last case in advance and returns "maybe".
func wantAssignError(r Request) string {
	eligible := 0
	for _, b := range r.Brokers {
		if r.Strategy.Kind != KindInRack || b.Rack == r.Strategy.Rack {
			eligible++
		}
	}
	if r.RF > eligible {
		return "yes"
	}
	known := func(b int32) bool {
		return slices.ContainsFunc(r.Brokers, func(x Broker) bool { return x.ID == b })
	}
	if r.Strategy.Kind == KindStatic {
		// Every list must be valid, offline partitions' too: the
		// spec is wrong either way.
		for _, want := range r.Strategy.Static {
			if len(want) != r.RF || !all(want, known) {
				return "yes"
			}
		}
	}
	for _, p := range r.Partitions {
		if p.Leader < 0 && len(p.Replicas) > 0 {
			continue
		}
		switch r.Strategy.Kind {
		case KindStatic:
			want := r.Strategy.Static[p.ID]
			m := Move{From: p.Replicas, To: want}
			n := len(Adding(m))
			for _, b := range want {
				if slices.Contains(p.ISR, b) {
					n++
				}
			}
			if len(Removing(m)) > 0 && n < r.MinISR {
				return "yes"
			}
		case KindInRack:
			return "maybe"
		default:
			n := 0
			for _, b := range p.Replicas {
				if slices.Contains(p.ISR, b) {
					n++
				}
			}
			if len(p.Replicas) > r.RF && min(n, r.RF) < r.MinISR {
				return "yes"
			}
		}
	}
	return "no"
}

// TestAssignProperties runs Assign on many random clusters (1-12 brokers,
// 0-4 racks, replicas on missing brokers, offline and new partitions, any
// strategy) and checks that it fails exactly when it must, that every
// result passes checkAssign, and that the result does not depend on the
// order of brokers and partitions.
func TestAssignProperties(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 1))
		req := randomRequest(r)
		got, err := Assign(req)
		switch want := wantAssignError(req); {
		case want == "yes" && err == nil:
			t.Fatalf("seed %d: Assign(%+v) = %+v, want an error", seed, req, got)
		case want == "no" && err != nil:
			t.Fatalf("seed %d: Assign(%+v): %v", seed, req, err)
		case want == "maybe" && err != nil && !strings.Contains(err.Error(), "min.insync.replicas"):
			t.Fatalf("seed %d: Assign(%+v): %v", seed, req, err)
		}
		if err != nil {
			continue
		}
		t.Run("", func(t *testing.T) {
			checkAssign(t, req, got)
			again, err := Assign(shuffled(r, req))
			if err != nil || !cmp.Equal(got, again) {
				t.Errorf("seed %d: Assign depends on input order:\n%+v\n%+v, %v", seed, got, again, err)
			}
		})
		if t.Failed() {
			t.Fatalf("seed %d: request %+v", seed, req)
		}
	}
}

// TestAssignBalances checks the balance promise without racks. It builds a
// target that is balanced (every broker, counting the load of other
// topics, within one replica of the others), removes some followers from
// it, and asks Assign to grow the topic back. A balanced way to do so
// exists (the target), and Assign's placement of new replicas has the least
// sum of squared broker counts of all placements that keep the existing
// replicas (see balance.go), which is then within one too. So the result
// must be within one, whatever the replicas Assign picked.
func TestAssignBalances(t *testing.T) {
	for seed := range uint64(2000) {
		r := rand.New(rand.NewPCG(seed, 2))
		bs := genBrokers(r, genOpts{})
		if r.IntN(2) == 0 {
			for i := range bs {
				bs[i].Rack = "one" // a single rack is no rack
			}
		}
		rf := 1 + r.IntN(len(bs))
		load, cnt := Load{}, map[int32]int{}
		base := r.IntN(4)
		for _, b := range bs {
			cnt[b.ID] = base + r.IntN(2)
			load[b.ID] = Count{Replicas: cnt[b.ID]}
		}
		var ps []Partition
		for id := range 1 + r.IntN(12) {
			// The rf least loaded brokers, ties broken at random, keep
			// every count within one of the others.
			order := r.Perm(len(bs))
			slices.SortStableFunc(order, func(a, b int) int { return cnt[bs[a].ID] - cnt[bs[b].ID] })
			var target []int32
			for _, i := range order[:rf] {
				target = append(target, bs[i].ID)
				cnt[bs[i].ID]++
			}
			keep := target[:1]
			for _, b := range target[1:] {
				if r.IntN(2) == 0 {
					keep = append(keep, b)
				}
			}
			ps = append(ps, online(int32(id), keep...))
		}
		req := Request{Topic: "t", Brokers: bs, Partitions: ps, RF: rf, Load: load}
		got, err := Assign(req)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		checkAssign(t, req, got)
		reps := map[int32]int{}
		for _, b := range bs {
			reps[b.ID] = load[b.ID].Replicas
		}
		for _, l := range final(ps, got.Moves) {
			for _, b := range l {
				reps[b]++
			}
		}
		if spreadOf(reps) > 1 {
			t.Fatalf("seed %d: counts %v are not within one\nrequest %+v\nresult %+v", seed, reps, req, got)
		}
	}
}

// TestKeptAsIsAgreesWithPlace checks the shortcut for topics that keep
// their replicas: wherever keptAsIs answers, place (the full placement)
// answers the same. Half the requests are random, half are made to keep
// their replicas (rack-aware, every partition at the replication factor,
// brokers and partitions sorted), which keptAsIs must then answer.
func TestKeptAsIsAgreesWithPlace(t *testing.T) {
	answered := 0
	for seed := range uint64(3000) {
		r := rand.New(rand.NewPCG(seed, 3))
		req := randomRequest(r)
		keeps := seed%2 == 0
		if keeps {
			o := genOpts{racks: true, offline: true}
			req.Brokers = genBrokers(r, o)
			slices.SortFunc(req.Brokers, func(a, b Broker) int { return int(a.ID - b.ID) })
			req.RF = 1 + r.IntN(len(req.Brokers))
			req.Strategy = Strategy{Kind: []string{"", KindRackAware}[r.IntN(2)]}
			req.Partitions = nil
			for id := range r.IntN(8) {
				p := Partition{ID: int32(id), Leader: -1}
				for _, i := range r.Perm(len(req.Brokers))[:req.RF] {
					p.Replicas = append(p.Replicas, req.Brokers[i].ID)
				}
				for _, b := range p.Replicas {
					if r.IntN(3) > 0 {
						p.ISR = append(p.ISR, b)
					}
				}
				if len(p.ISR) > 0 && r.IntN(6) > 0 {
					p.Leader = p.ISR[0]
				}
				req.Partitions = append(req.Partitions, p)
			}
			req.Load = genLoad(r, req.Brokers)
		}
		got, ok := keptAsIs(req)
		if keeps && !ok {
			t.Fatalf("seed %d: keptAsIs does not answer %+v", seed, req)
		}
		if !ok {
			continue
		}
		answered++
		want, err := place(req)
		if err != nil || !cmp.Equal(got, want) {
			t.Fatalf("seed %d: keptAsIs(%+v) = %+v, place = %+v, %v", seed, req, got, want, err)
		}
	}
	if answered < 1500 {
		t.Fatalf("keptAsIs answered %d requests, want at least the 1500 made for it", answered)
	}
}
