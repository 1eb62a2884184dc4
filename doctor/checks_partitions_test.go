package doctor

import (
	"strings"
	"testing"
)

func TestCheckPartitions(t *testing.T) {
	topic := func(minISR string, parts ...Partition) []Topic {
		return []Topic{{Name: "orders", Partitions: parts, Configs: topicConfigs(keyMinInsyncReplicas, minISR)}}
	}
	runCases(t, []string{"offline-partitions", "under-min-isr", "under-replicated"}, []checkCase{
		{name: "healthy", cluster: Cluster{Brokers: brokers(3), Topics: topic("2", part(0, 1, r(1, 2, 3)), part(1, 2, r(2, 3, 1)))}},
		{name: "under-replicated but at min ISR", cluster: Cluster{Brokers: brokers(3),
			Topics: topic("2", part(0, 1, r(1, 2, 3), 1, 2), part(1, 2, r(2, 3, 1)))},
			want: []string{"warn under-replicated topic orders"}, evidence: "1 of 2 partitions is under-replicated: partition 0 (ISR [1, 2] of replicas [1, 2, 3])"},
		{name: "under min ISR counts once, as the worse", cluster: Cluster{Brokers: brokers(3),
			Topics: topic("2", part(0, 1, r(1, 2, 3), 1), part(1, 2, r(2, 3, 1), 2, 3))},
			want:     []string{"error under-min-isr topic orders", "warn under-replicated topic orders"},
			evidence: "1 of 2 partitions has fewer in-sync replicas than min.insync.replicas 2: partition 0 (ISR [1] of replicas [1, 2, 3])"},
		{name: "offline", cluster: Cluster{Brokers: brokers(3),
			Topics: topic("1", part(0, -1, r(3), []int32{}...), part(1, 1, r(1)))},
			want: []string{"error offline-partitions topic orders"}, evidence: "1 of 2 partitions has no leader: partition 0 (replicas [3], ISR none)"},
		{name: "min ISR unknown: only under-replication", cluster: Cluster{Brokers: brokers(3),
			Topics: []Topic{{Name: "orders", Partitions: []Partition{part(0, 1, r(1, 2, 3), 1)}}}},
			want: []string{"warn under-replicated topic orders"}},
		{name: "min ISR above the replication factor", cluster: Cluster{Brokers: brokers(3),
			Topics: topic("3", part(0, 1, r(1, 2)), part(1, 2, r(2, 3)))},
			want: []string{"error under-min-isr topic orders"}},
	})
}

func TestUnderMinISRAboveReplicationFactorGivesYAML(t *testing.T) {
	c := &Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "orders", Partitions: []Partition{part(0, 1, r(1, 2)), part(1, 2, r(2, 3))},
		Configs: topicConfigs(keyMinInsyncReplicas, "3")}}}
	fs := only(Check(c, Options{}), "under-min-isr")
	want := "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: orders\nspec:\n  partitions: 2\n  replicationFactor: 2\n  configs:\n    min.insync.replicas: 1\n"
	if len(fs) != 1 || fs[0].YAML != want || !strings.Contains(fs[0].Why, "min.insync.replicas 3 is more than the replication factor 2") {
		t.Fatalf("got %+v", fs)
	}
}

func TestEvidenceNamesFivePartitionsAndCountsTheRest(t *testing.T) {
	var parts []Partition
	for i := range 8 {
		parts = append(parts, part(int32(i), 1, r(1, 2), 1))
	}
	c := &Cluster{Brokers: brokers(2), Topics: []Topic{{Name: "t", Partitions: parts}}}
	fs := only(Check(c, Options{}), "under-replicated")
	if len(fs) != 1 || !strings.HasSuffix(fs[0].Evidence, "partition 4 (ISR [1] of replicas [1, 2]); and 3 more") {
		t.Fatalf("got %+v", fs)
	}
}

func TestCheckPreferredLeaders(t *testing.T) {
	balanced := spread(20, 3, 3)
	oneOff := spread(20, 3, 3)
	oneOff[4].Leader = oneOff[4].Replicas[1]
	threeOff := spread(20, 3, 3)
	for _, i := range []int{1, 2, 3} {
		threeOff[i].Leader = threeOff[i].Replicas[2]
	}
	outOfSync := spread(20, 3, 3)
	outOfSync[0].Leader, outOfSync[0].ISR = outOfSync[0].Replicas[1], outOfSync[0].Replicas[1:]
	runCases(t, []string{"preferred-leader"}, []checkCase{
		{name: "all preferred", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: balanced}}}},
		{name: "5% off is information", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: oneOff}}},
			want: []string{"info preferred-leader cluster"}, evidence: "1 of 20 partitions (5%) is led by a replica other than the preferred (first) one: t-4 led by 3, preferred 2"},
		{name: "15% off is a warning", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: threeOff}}},
			want: []string{"warn preferred-leader cluster"}},
		{name: "preferred replica out of sync is not counted", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: outOfSync}}}},
	})
}

func TestCheckSkew(t *testing.T) {
	// 30 partitions, RF 1, all on broker 1: replicas and leaders skewed.
	allOnOne := make([]Partition, 30)
	for i := range allOnOne {
		allOnOne[i] = part(int32(i), 1, r(1))
	}
	// Replicas balanced, but broker 1 leads 20 of 30.
	leadersOnOne := spread(30, 3, 3)
	for i := range leadersOnOne[:20] {
		leadersOnOne[i].Leader = 1
	}
	runCases(t, []string{"replica-skew", "leader-skew"}, []checkCase{
		{name: "balanced", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: spread(30, 3, 3)}}}},
		{name: "too small to judge", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: allOnOne[:9]}}}},
		{name: "one broker holds everything", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: allOnOne}}},
			want:     []string{"warn leader-skew cluster", "warn replica-skew cluster"},
			evidence: "partition leaders per broker: mean 10.0, min 0, max 30; more than 20% off the mean: broker 1 has 30 (+200%); broker 2 has 0 (-100%); broker 3 has 0 (-100%)"},
		{name: "leaders only", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: leadersOnOne}}},
			want: []string{"warn leader-skew cluster"}},
		{name: "a fenced broker leads nothing, and is not counted for leaders", cluster: Cluster{
			Brokers: []Broker{{ID: 1}, {ID: 2}, {ID: 3, Fenced: true}},
			Topics: []Topic{{Name: "t", Partitions: func() []Partition {
				ps := spread(30, 3, 3)
				moved := int32(0)
				for i := range ps {
					if ps[i].Leader == 3 {
						ps[i].Leader = 1 + moved%2 // its leaderships spread over 1 and 2
						moved++
					}
				}
				return ps
			}()}}}},
		{name: "single broker", cluster: Cluster{Brokers: brokers(1), Topics: []Topic{{Name: "t", Partitions: allOnOne}}}},
	})
}

func TestCheckCapacity(t *testing.T) {
	runCases(t, []string{"partitions-per-broker"}, []checkCase{
		{name: "below 80%", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: spread(69, 1, 3)}}},
			opts: Options{MaxPartitionsPerBroker: 30}},
		{name: "at 80% is a warning", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "t", Partitions: spread(72, 1, 3)}}},
			opts:     Options{MaxPartitionsPerBroker: 30},
			want:     []string{"warn partitions-per-broker broker 1", "warn partitions-per-broker broker 2", "warn partitions-per-broker broker 3"},
			evidence: "broker 1 holds 24 partition replicas, 80% of --max-partitions-per-broker 30"},
		{name: "above the limit is an error", cluster: Cluster{Brokers: brokers(2), Topics: []Topic{{Name: "t", Partitions: spread(31, 2, 2)}}},
			opts: Options{MaxPartitionsPerBroker: 30},
			want: []string{"error partitions-per-broker broker 1", "error partitions-per-broker broker 2"}},
		{name: "default limit is 4000", cluster: Cluster{Brokers: brokers(1), Topics: []Topic{{Name: "t", Partitions: spread(3200, 1, 1)}}},
			want: []string{"warn partitions-per-broker broker 1"}, evidence: "3200 partition replicas, 80% of --max-partitions-per-broker 4000"},
	})
}
