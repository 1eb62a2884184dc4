package placement

import (
	"fmt"
	"testing"
)

// bigCluster returns 12 brokers on 3 racks holding 50 topics of 60
// partitions with 3 replicas, placed round robin, and a 13th broker that
// holds nothing yet.
func bigCluster() ([]Broker, map[string][]Partition) {
	var bs []Broker
	for i := range 13 {
		bs = append(bs, Broker{ID: int32(i), Rack: string(rune('a' + i%3))})
	}
	ts := map[string][]Partition{}
	for t := range 50 {
		var ps []Partition
		for p := range 60 {
			s := t*60 + p
			ps = append(ps, online(int32(p), int32(s%12), int32((s+1)%12), int32((s+2)%12)))
		}
		ts[fmt.Sprint("topic-", t)] = ps
	}
	return bs, ts
}

// BenchmarkRebalance measures a rebalance of 9,000 replicas onto a new
// broker.
func BenchmarkRebalance(b *testing.B) {
	bs, ts := bigCluster()
	for b.Loop() {
		if _, err := Rebalance(bs, ts, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssign measures raising a 600-partition topic from 2 to 3
// replicas.
func BenchmarkAssign(b *testing.B) {
	bs, _ := bigCluster()
	var ps []Partition
	for p := range 600 {
		ps = append(ps, online(int32(p), int32(p%12), int32((p+5)%12)))
	}
	r := Request{Topic: "t", Brokers: bs, Partitions: ps, RF: 3}
	for b.Loop() {
		if _, err := Assign(r); err != nil {
			b.Fatal(err)
		}
	}
}
