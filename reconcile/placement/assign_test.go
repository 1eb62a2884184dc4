package placement

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// racks returns brokers 1, 2, … on the racks given, in order.
func racks(rs ...string) []Broker {
	var bs []Broker
	for i, r := range rs {
		bs = append(bs, Broker{ID: int32(i + 1), Rack: r})
	}
	return bs
}

// online returns a partition fully in sync, led by its first replica.
func online(id int32, reps ...int32) Partition {
	return Partition{ID: id, Replicas: reps, ISR: reps, Leader: reps[0]}
}

func TestAssign(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		want Result
	}{
		{
			name: "RF 1 to 3 on racks a, a, b covers both racks, rack b first",
			req: Request{Topic: "t", Brokers: racks("a", "a", "b"), RF: 3,
				Partitions: []Partition{online(0, 1), online(1, 2), online(2, 3)}},
			want: Result{Moves: []Move{
				{0, []int32{1}, []int32{1, 3, 2}},
				{1, []int32{2}, []int32{2, 3, 1}},
				{2, []int32{3}, []int32{3, 1, 2}},
			}},
		},
		{
			name: "RF 1 to 2 on racks a, a, b, b puts each copy on the other rack, balanced",
			req: Request{Topic: "t", Brokers: racks("a", "a", "b", "b"), RF: 2,
				Partitions: []Partition{online(0, 1), online(1, 2), online(2, 3), online(3, 4)}},
			want: Result{Moves: []Move{
				{0, []int32{1}, []int32{1, 3}},
				{1, []int32{2}, []int32{2, 4}},
				{2, []int32{3}, []int32{3, 1}},
				{3, []int32{4}, []int32{4, 2}},
			}},
		},
		{
			name: "RF 1 to 2 without racks goes to the least loaded broker, counting other topics",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 2,
				Partitions: []Partition{online(0, 1)},
				Load:       Load{2: {Replicas: 5}, 3: {Replicas: 1}}},
			want: Result{Moves: []Move{{0, []int32{1}, []int32{1, 3}}}},
		},
		{
			name: "RF 3 to 2 drops the out-of-sync replica and keeps the leader",
			req: Request{Topic: "t", Brokers: racks("a", "b", "c", "d"), RF: 2, MinISR: 2,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 3}, Leader: 1}}},
			want: Result{Moves: []Move{{0, []int32{1, 2, 3}, []int32{1, 3}}}},
		},
		{
			name: "RF 3 to 2 keeps an out-of-sync preferred leader when a follower is out of sync too",
			req: Request{Topic: "t", Brokers: racks("a", "b", "c"), RF: 2, MinISR: 1,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{2}, Leader: 2}}},
			want: Result{Moves: []Move{{0, []int32{1, 2, 3}, []int32{1, 2}}}},
		},
		{
			name: "RF 3 to 2, all in sync, drops the replica whose rack keeps another",
			req: Request{Topic: "t", Brokers: racks("a", "a", "b"), RF: 2, MinISR: 2,
				Partitions: []Partition{online(0, 1, 2, 3)}},
			want: Result{Moves: []Move{{0, []int32{1, 2, 3}, []int32{1, 3}}}},
		},
		{
			name: "RF 3 to 1 keeps the preferred leader even when the current leader differs",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 1, MinISR: 1,
				Partitions: []Partition{{ID: 0, Replicas: []int32{2, 1, 3}, ISR: []int32{1, 2, 3}, Leader: 3}}},
			want: Result{Moves: []Move{{0, []int32{2, 1, 3}, []int32{2}}}},
		},
		{
			name: "RF 3 to 2, all in sync, no racks: drops the replica on the most loaded broker",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 2, MinISR: 2,
				Partitions: []Partition{online(0, 1, 2, 3)}, Load: Load{2: {Replicas: 9}}},
			want: Result{Moves: []Move{{0, []int32{1, 2, 3}, []int32{1, 3}}}},
		},
		{
			name: "already at RF: no moves, even with poor rack spread",
			req: Request{Topic: "t", Brokers: racks("a", "a", "b"), RF: 2,
				Partitions: []Partition{online(0, 1, 2), online(1, 2, 1)}},
			want: Result{},
		},
		{
			name: "offline partition is reported, left alone, and its replicas still count as load",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 2,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1}, Leader: -1}, online(1, 2)}},
			want: Result{Moves: []Move{{1, []int32{2}, []int32{2, 3}}}, Offline: []int32{0}},
		},
		{
			name: "a decrease does not check min.insync.replicas on an offline partition",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 1, MinISR: 2,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1, 2}, Leader: -1}}},
			want: Result{Offline: []int32{0}},
		},
		{
			name: "in-rack moves replicas onto the rack and picks the least-leading leader",
			req: Request{Topic: "t", Brokers: racks("a", "a", "b", "b", "b"), RF: 2, MinISR: 1,
				Strategy:   Strategy{Kind: KindInRack, Rack: "b"},
				Partitions: []Partition{online(0, 1, 3), online(1, 2, 1)},
				Load:       Load{4: {Replicas: 1, Leaders: 1}}},
			want: Result{Moves: []Move{
				{0, []int32{1, 3}, []int32{3, 5}},
				{1, []int32{2, 1}, []int32{5, 3}},
			}},
		},
		{
			name: "static replaces the lists, including the leader",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 2, MinISR: 1,
				Strategy:   Strategy{Kind: KindStatic, Static: [][]int32{{2, 1}, {3, 2}}},
				Partitions: []Partition{online(0, 1, 2), online(1, 3, 2)}},
			want: Result{Moves: []Move{{0, []int32{1, 2}, []int32{2, 1}}}},
		},
		{
			name: "a new partition gets a full list led by the broker leading least",
			req: Request{Topic: "t", Brokers: racks("a", "b", "b"), RF: 2,
				Partitions: []Partition{online(0, 1, 2), {ID: 1, Leader: -1}}},
			want: Result{Moves: []Move{{1, nil, []int32{3, 1}}}},
		},
		{
			name: "a replica on a broker missing from the list stays on an increase",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 3,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1, 9}, ISR: []int32{1}, Leader: 1}}},
			want: Result{Moves: []Move{{0, []int32{1, 9}, []int32{1, 9, 2}}}},
		},
		{
			name: "a replica on a broker missing from the list goes first on a decrease",
			req: Request{Topic: "t", Brokers: racks("", "", ""), RF: 1, MinISR: 1,
				Partitions: []Partition{{ID: 0, Replicas: []int32{9, 1}, ISR: []int32{1}, Leader: 1}}},
			want: Result{Moves: []Move{{0, []int32{9, 1}, []int32{1}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Assign(tt.req)
			if err != nil {
				t.Fatalf("Assign: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Assign (-want +got):\n%s", diff)
			}
			checkAssign(t, tt.req, got)
		})
	}
}

func TestAssignErrors(t *testing.T) {
	three := racks("a", "a", "b")
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{
			name: "decrease below min.insync.replicas",
			req: Request{Topic: "t", Brokers: three, RF: 2, MinISR: 2,
				Partitions: []Partition{{ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1}, Leader: 1}}},
			want: `place topic "t": partition 0: going from replicas [1 2 3] (in sync [1]) to [1 3] leaves 1 in-sync replicas, fewer than min.insync.replicas 2: bring the replicas back in sync first, or lower min.insync.replicas`,
		},
		{
			name: "decrease to fewer replicas than min.insync.replicas",
			req: Request{Topic: "t", Brokers: three, RF: 1, MinISR: 2,
				Partitions: []Partition{online(0, 1, 2)}},
			want: `place topic "t": partition 0: going from replicas [1 2] (in sync [1 2]) to [1] leaves 1 in-sync replicas, fewer than min.insync.replicas 2: bring the replicas back in sync first, or lower min.insync.replicas`,
		},
		{
			name: "RF above brokers",
			req:  Request{Topic: "t", Brokers: three, RF: 4, Partitions: []Partition{online(0, 1)}},
			want: `place topic "t": replication factor 4 is above the 3 brokers in the cluster`,
		},
		{
			name: "RF zero",
			req:  Request{Topic: "t", Brokers: three, RF: 0},
			want: `place topic "t": replication factor 0 is below 1`,
		},
		{
			name: "in-rack with too few brokers",
			req: Request{Topic: "t", Brokers: three, RF: 2, Strategy: Strategy{Kind: KindInRack, Rack: "b"},
				Partitions: []Partition{online(0, 1)}},
			want: `place topic "t": replication factor 2 is above the 1 brokers in rack "b"`,
		},
		{
			name: "in-rack without a rack",
			req:  Request{Topic: "t", Brokers: three, RF: 1, Strategy: Strategy{Kind: KindInRack}},
			want: `place topic "t": placement "in-rack" needs a rack name, as in "in-rack eu-west-1a"`,
		},
		{
			name: "unknown strategy",
			req:  Request{Topic: "t", Brokers: three, RF: 1, Strategy: Strategy{Kind: "random"}},
			want: `place topic "t": unknown placement kind "random": use "rack-aware", "in-rack" or "static"`,
		},
		{
			name: "static list too short",
			req: Request{Topic: "t", Brokers: three, RF: 2, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1}}},
				Partitions: []Partition{online(0, 1)}},
			want: `place topic "t": static placement of partition 0 lists 1 replicas [1], the replication factor is 2`,
		},
		{
			name: "static list repeats a broker",
			req: Request{Topic: "t", Brokers: three, RF: 2, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1, 1}}},
				Partitions: []Partition{online(0, 1)}},
			want: `place topic "t": static placement of partition 0: broker 1 appears twice in replicas [1 1]`,
		},
		{
			name: "static list names an unknown broker",
			req: Request{Topic: "t", Brokers: three, RF: 2, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1, 7}}},
				Partitions: []Partition{online(0, 1)}},
			want: `place topic "t": static placement of partition 0 names broker 7, which is not in the cluster`,
		},
		{
			name: "static lists for the wrong number of partitions",
			req: Request{Topic: "t", Brokers: three, RF: 1, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1}}},
				Partitions: []Partition{online(0, 1), online(1, 2)}},
			want: `place topic "t": static placement lists 1 partitions, the topic has 2: write one replica list per partition`,
		},
		{
			name: "static placement with a partition ID beyond the lists",
			req: Request{Topic: "t", Brokers: three, RF: 1, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1}}},
				Partitions: []Partition{online(5, 1)}},
			want: `place topic "t": static placement has no replica list for partition 5`,
		},
		{
			name: "static decrease below min.insync.replicas",
			req: Request{Topic: "t", Brokers: three, RF: 1, MinISR: 2, Strategy: Strategy{Kind: KindStatic, Static: [][]int32{{1}}},
				Partitions: []Partition{online(0, 1, 2)}},
			want: `place topic "t": partition 0: going from replicas [1 2] (in sync [1 2]) to [1] leaves 1 in-sync replicas, fewer than min.insync.replicas 2: bring the replicas back in sync first, or lower min.insync.replicas`,
		},
		{
			name: "broker listed twice",
			req:  Request{Topic: "t", Brokers: []Broker{{ID: 1}, {ID: 1}}, RF: 1},
			want: `place topic "t": broker 1 is listed twice`,
		},
		{
			name: "partition listed twice",
			req:  Request{Topic: "t", Brokers: three, RF: 1, Partitions: []Partition{online(0, 1), online(0, 2)}},
			want: `place topic "t": partition 0 is listed twice`,
		},
		{
			name: "partition repeats a broker",
			req:  Request{Topic: "t", Brokers: three, RF: 1, Partitions: []Partition{online(0, 1, 1)}},
			want: `place topic "t": partition 0: broker 1 appears twice in replicas [1 1]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Assign(tt.req)
			if err == nil {
				t.Fatalf("Assign = %+v, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Assign error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}
