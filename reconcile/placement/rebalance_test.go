package placement

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRebalance(t *testing.T) {
	// Six partitions with two replicas, four on each of brokers 1-3.
	three := []Partition{online(0, 1, 2), online(1, 2, 3), online(2, 3, 1), online(3, 1, 2), online(4, 2, 3), online(5, 3, 1)}
	tests := []struct {
		name     string
		brokers  []Broker
		topics   map[string][]Partition
		maxMoves int
		want     map[string]Result
	}{
		{
			name:    "balanced: no moves",
			brokers: racks("", "", ""),
			topics:  map[string][]Partition{"t": three},
			want:    map[string]Result{},
		},
		{
			name:    "a fourth broker gets three replicas, one from each, and a fair share of leaders",
			brokers: racks("", "", "", ""),
			topics:  map[string][]Partition{"t": three},
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 2}, []int32{4, 1}},
				{1, []int32{2, 3}, []int32{2, 4}},
				{2, []int32{3, 1}, []int32{3, 4}},
			}}},
		},
		{
			name:     "maxMoves 1 moves data of one partition, which leads on the new broker",
			brokers:  racks("", "", "", ""),
			topics:   map[string][]Partition{"t": three},
			maxMoves: 1,
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 2}, []int32{4, 1}},
			}}},
		},
		{
			name:    "one data move, then the leader moves by reordering only",
			brokers: racks("", "", ""),
			topics:  map[string][]Partition{"t": {online(0, 1, 2), online(1, 1, 3), online(2, 1, 2)}},
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 2}, []int32{3, 2}},
				{2, []int32{1, 2}, []int32{2, 1}},
			}}},
		},
		{
			name:    "leaders only: replicas are even, so only the order changes",
			brokers: racks("", ""),
			topics:  map[string][]Partition{"t": {online(0, 1, 2), online(1, 1, 2)}, "u": {online(0, 1, 2), online(1, 1, 2)}},
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 2}, []int32{2, 1}},
				{1, []int32{1, 2}, []int32{2, 1}},
			}}},
		},
		{
			name:    "racks: replicas move within their rack, spread stays, few partitions move",
			brokers: racks("a", "a", "b", "b"),
			topics:  map[string][]Partition{"t": {online(0, 1, 3), online(1, 2, 3), online(2, 3, 1), online(3, 1, 3)}},
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 3}, []int32{4, 2}},
				{1, []int32{2, 3}, []int32{2, 4}},
			}}},
		},
		{
			name:    "racks: broker 1, alone on its rack, keeps every partition; only leaders move",
			brokers: racks("a", "b", "b"),
			topics:  map[string][]Partition{"t": {online(0, 1, 2), online(1, 1, 2), online(2, 1, 3)}},
			want: map[string]Result{"t": {Moves: []Move{
				{0, []int32{1, 2}, []int32{2, 1}},
				{2, []int32{1, 3}, []int32{3, 1}},
			}}},
		},
		{
			name:    "offline partition stays, is reported, and still counts",
			brokers: racks("", "", "", ""),
			topics:  map[string][]Partition{"t": {{ID: 0, Replicas: []int32{1, 2}, Leader: -1}, online(1, 1, 2), online(2, 1, 2)}},
			want: map[string]Result{"t": {Offline: []int32{0}, Moves: []Move{
				{1, []int32{1, 2}, []int32{4, 3}},
				{2, []int32{1, 2}, []int32{2, 1}},
			}}},
		},
		{
			name:    "a replica on a missing broker stays; the others balance",
			brokers: racks("", ""),
			topics:  map[string][]Partition{"t": {online(0, 9, 1), online(1, 9, 1)}},
			want:    map[string]Result{"t": {Moves: []Move{{0, []int32{9, 1}, []int32{9, 2}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rebalance(tt.brokers, tt.topics, tt.maxMoves)
			if err != nil {
				t.Fatalf("Rebalance: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Rebalance (-want +got):\n%s", diff)
			}
			checkRebalance(t, tt.brokers, tt.topics, tt.maxMoves, got)
		})
	}
}

func TestRebalanceErrors(t *testing.T) {
	tests := []struct {
		name     string
		brokers  []Broker
		topics   map[string][]Partition
		maxMoves int
		want     string
	}{
		{"negative maxMoves", racks(""), nil, -1, "rebalance: maximum moves -1 is negative: use 0 for no limit"},
		{"broker twice", []Broker{{ID: 1}, {ID: 1}}, nil, 0, "rebalance: broker 1 is listed twice"},
		{"negative broker", []Broker{{ID: -1}}, nil, 0, "rebalance: broker ID -1 is negative"},
		{"partition twice", racks(""), map[string][]Partition{"t": {online(0, 1), online(0, 1)}}, 0, `rebalance topic "t": partition 0 is listed twice`},
		{"replica twice", racks("", ""), map[string][]Partition{"t": {online(0, 1, 1)}}, 0, `rebalance topic "t": partition 0: broker 1 appears twice in replicas [1 1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rebalance(tt.brokers, tt.topics, tt.maxMoves)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Rebalance = %+v, %v; want error %q", got, err, tt.want)
			}
		})
	}
}
