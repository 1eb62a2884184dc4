package reconcile

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/reconcile/placement"
)

// The cases here are the edges of reassignTopic and progressOf that the
// golden cases (testdata/diff/reassign-*) do not show.

// racksABB is the brokers of the reassignment tests: 1 and 2 in rack a,
// 3 in rack b.
var racksABB = map[int32]string{1: "a", 2: "a", 3: "b"}

// part is one online partition, all its replicas in sync.
func part(id, leader int32, replicas ...int32) LivePartition {
	return LivePartition{ID: id, Replicas: replicas, ISR: slices.Clone(replicas), Leader: leader}
}

// rackLive is a cluster of the brokers of racks holding topics, with
// what Observe derives from them: replica and preferred-leader counts.
func rackLive(racks map[int32]string, topics map[string][]LivePartition) *Live {
	info := &ClusterInfo{Racks: racks, Replicas: map[int32]int{}, Leaders: map[int32]int{},
		Broker: map[string]string{"min.insync.replicas": "1"}, Moving: map[string]map[int32]Moving{}, Sizes: map[string]map[int32]map[int32]int64{}}
	live := &Live{Brokers: len(racks), RegisteredBrokers: len(racks), Topics: map[string]LiveTopic{}, Cluster: info,
		Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for name, ps := range topics {
		for _, p := range ps {
			for i, r := range p.Replicas {
				info.Replicas[r]++
				if i == 0 {
					info.Leaders[r]++
				}
			}
		}
		live.Topics[name] = LiveTopic{Name: name, Partitions: int32(len(ps)), ReplicationFactor: int16(len(ps[0].Replicas)),
			Configs: map[string]string{}, Assignment: ps}
	}
	return live
}

// topicChange is the plan's change of topic, or fails the test.
func topicChange(t *testing.T, p *Plan, topic string) (Change, *TopicChange) {
	t.Helper()
	for _, c := range p.Changes {
		if c.Kind == KindTopic && c.Name == topic {
			return c, topicPayload(c)
		}
	}
	t.Fatalf("no change of topic %s in the plan: changes %v, errors %v, blocked %v, notes %v", topic, p.Changes, p.Errors, p.Blocked, p.Notes)
	return Change{}, nil
}

func changeField(c Change, path string) (Field, bool) {
	for _, f := range c.Fields {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

// notesText is the plan's notes and reported drift, one per line.
func notesText(p *Plan) string {
	var s []string
	for _, n := range append(slices.Clone(p.Notes), p.Drift...) {
		s = append(s, n.Kind+" "+n.Name+": "+n.Message)
	}
	return strings.Join(s, "\n")
}

// An offline partition (leader -1) of a topic whose replication factor
// rises keeps its replicas: the plan says so in a note and moves the
// others.
func TestReassignLeavesAnOfflinePartitionAloneWithANote(t *testing.T) {
	live := rackLive(racksABB, map[string][]LivePartition{"orders": {
		part(0, 1, 1), {ID: 1, Replicas: []int32{2}, ISR: nil, Leader: -1}, part(2, 3, 3)}})
	st := loadYAML(t, hdr+"kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 3, replicationFactor: 2}\n")
	p := Diff(st, live, DiffOptions{})
	if len(p.Errors)+len(p.Blocked) > 0 {
		t.Fatalf("errors %v, blocked %v", p.Errors, p.Blocked)
	}
	c, tc := topicChange(t, p, "orders")
	if tc.Reassign == nil || len(tc.Reassign.Moves) != 2 {
		t.Fatalf("moves %+v: want partitions 0 and 2", tc.Reassign)
	}
	for _, m := range tc.Reassign.Moves {
		if m.Partition == 1 {
			t.Errorf("the offline partition moves: %+v", m)
		}
	}
	if _, ok := changeField(c, "replicas[1]"); ok {
		t.Errorf("the plan shows a move of the offline partition: %v", c.Fields)
	}
	if f, _ := changeField(c, "replicationFactor"); f.Old != 1 || f.New != int16(2) {
		t.Errorf("replicationFactor field %+v, want 1 → 2", f)
	}
	if n := notesText(p); !strings.Contains(n, "Topic orders: partition 1 is offline (no leader): kgitops never moves it") {
		t.Errorf("notes %q: want the offline partition named", n)
	}
	if len(p.Reassignments) != 1 || p.Reassignments[0].Pending != 2 {
		t.Errorf("progress %+v: want 2 pending", p.Reassignments)
	}
}

// A partition moved out of band, away from its topic's placement, at the
// same replication factor: by default the plan only notes it (exit 0 with
// --detailed-exitcode: nothing to do); with placementDrift: revert it
// moves it back, as a reassignment without a replicationFactor field.
func TestPlacementDriftIsReportedUnlessSettingsRevertIt(t *testing.T) {
	static := hdr + "kind: Topic\nmetadata: {name: pinned}\nspec:\n  partitions: 2\n  replicationFactor: 2\n  placement: {static: [[1, 3], [2, 3]]}\n"
	inRack := hdr + "kind: Topic\nmetadata: {name: pinned}\nspec:\n  partitions: 2\n  replicationFactor: 2\n  placement: in-rack a\n"
	settings := func(drift string) string {
		return hdr + "kind: Settings\nmetadata: {name: cluster}\nspec:\n  reassignment: {placementDrift: " + drift + "}\n"
	}
	tests := []struct {
		name      string
		docs      []string
		live      []LivePartition
		wantNote  string // "" for none
		wantMoves []placement.Move
	}{
		{name: "static, reported by default", docs: []string{static},
			live:     []LivePartition{part(0, 1, 1, 2), part(1, 2, 2, 3)},
			wantNote: "placement drift: partition 0 on [1, 2], which placement static does not allow; set reassignment.placementDrift: revert in Settings to move them back"},
		{name: "static, report set explicitly", docs: []string{static, settings("report")},
			live:     []LivePartition{part(0, 1, 1, 2), part(1, 3, 3, 2)},
			wantNote: "placement drift: partition 0 on [1, 2], partition 1 on [3, 2], which placement static does not allow"},
		{name: "static, reverted", docs: []string{static, settings("revert")},
			live:      []LivePartition{part(0, 1, 1, 2), part(1, 3, 3, 2)},
			wantMoves: []placement.Move{{Partition: 0, From: []int32{1, 2}, To: []int32{1, 3}}, {Partition: 1, From: []int32{3, 2}, To: []int32{2, 3}}}},
		{name: "in-rack, reported", docs: []string{inRack},
			live:     []LivePartition{part(0, 1, 1, 2), part(1, 2, 2, 3)},
			wantNote: "placement drift: partition 1 on [2, 3], which placement in-rack a does not allow"},
		{name: "in-rack, reverted", docs: []string{inRack, settings("revert")},
			live:      []LivePartition{part(0, 1, 1, 2), part(1, 2, 2, 3)},
			wantMoves: []placement.Move{{Partition: 1, From: []int32{2, 3}, To: []int32{2, 1}}}},
		{name: "static as declared: nothing", docs: []string{static},
			live: []LivePartition{part(0, 1, 1, 3), part(1, 2, 2, 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := rackLive(racksABB, map[string][]LivePartition{"pinned": tt.live})
			p := Diff(loadYAML(t, tt.docs...), live, DiffOptions{})
			if len(p.Errors)+len(p.Blocked) > 0 {
				t.Fatalf("errors %v, blocked %v", p.Errors, p.Blocked)
			}
			notes := notesText(p)
			if tt.wantNote == "" && strings.Contains(notes, "placement drift") || !strings.Contains(notes, tt.wantNote) {
				t.Errorf("notes %q, want %q", notes, tt.wantNote)
			}
			if tt.wantMoves == nil {
				if len(p.Changes) > 0 || len(p.Reassignments) > 0 {
					t.Errorf("changes %v, progress %v: want none", p.Changes, p.Reassignments)
				}
				return
			}
			c, tc := topicChange(t, p, "pinned")
			if tc.Reassign == nil {
				t.Fatalf("no reassignment: %v", c.Fields)
			}
			if d := movesDiff(tc.Reassign.Moves, tt.wantMoves); d != "" {
				t.Errorf("moves: %s", d)
			}
			if _, ok := changeField(c, "replicationFactor"); ok {
				t.Errorf("a placement move shows a replicationFactor field: %v", c.Fields)
			}
			if _, ok := changeField(c, "reassignment"); !ok {
				t.Errorf("no reassignment field: %v", c.Fields)
			}
		})
	}
}

func movesDiff(got, want []placement.Move) string {
	if len(got) != len(want) {
		return "got " + movesString(got) + ", want " + movesString(want)
	}
	for i := range got {
		if got[i].Partition != want[i].Partition || !slices.Equal(got[i].From, want[i].From) || !slices.Equal(got[i].To, want[i].To) {
			return "got " + movesString(got) + ", want " + movesString(want)
		}
	}
	return ""
}

func movesString(ms []placement.Move) string {
	var s []string
	for _, m := range ms {
		s = append(s, replicaList([]int32{m.Partition})+" "+replicaList(m.From)+"→"+replicaList(m.To))
	}
	return strings.Join(s, " ")
}

// The throttle and the partitions in flight come from Settings, else
// the defaults; the command line (DiffOptions) overrides either, and a
// throttle of 0 on the command line lifts the Settings' throttle.
func TestReassignmentKnobsFromSettingsAndFlags(t *testing.T) {
	topic := hdr + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 3, replicationFactor: 2}\n"
	settings := func(r string) string {
		return hdr + "kind: Settings\nmetadata: {name: cluster}\nspec:\n  reassignment: " + r + "\n"
	}
	i64 := func(n int64) *int64 { return &n }
	const mib = 1024 * 1024
	tests := []struct {
		name         string
		docs         []string
		opts         DiffOptions
		wantThrottle int64
		wantInFlight int
		wantSummary  string
	}{
		{name: "defaults", docs: []string{topic}, wantThrottle: 50 * mib, wantInFlight: 10, wantSummary: "throttled at 50.0 MiB/s per broker, 10 at a time"},
		{name: "settings", docs: []string{topic, settings("{throttle: 20MiB, maxPartitionsInFlight: 4}")}, wantThrottle: 20 * mib, wantInFlight: 4,
			wantSummary: "throttled at 20.0 MiB/s per broker, 4 at a time"},
		{name: "settings without a throttle", docs: []string{topic, settings("{throttle: none}")}, wantThrottle: 0, wantInFlight: 10,
			wantSummary: "not throttled, 10 at a time"},
		{name: "settings, in flight only", docs: []string{topic, settings("{maxPartitionsInFlight: 1}")}, wantThrottle: 50 * mib, wantInFlight: 1},
		{name: "flags over settings", docs: []string{topic, settings("{throttle: 20MiB, maxPartitionsInFlight: 4}")},
			opts: DiffOptions{Throttle: i64(mib), MaxPartitionsInFlight: 2}, wantThrottle: mib, wantInFlight: 2,
			wantSummary: "throttled at 1.0 MiB/s per broker, 2 at a time"},
		{name: "--throttle none over settings", docs: []string{topic, settings("{throttle: 20MiB, maxPartitionsInFlight: 4}")},
			opts: DiffOptions{Throttle: i64(0)}, wantThrottle: 0, wantInFlight: 4, wantSummary: "not throttled, 4 at a time"},
		{name: "flag in flight only", docs: []string{topic, settings("{throttle: 20MiB}")},
			opts: DiffOptions{MaxPartitionsInFlight: 3}, wantThrottle: 20 * mib, wantInFlight: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := rackLive(racksABB, map[string][]LivePartition{"orders": {part(0, 1, 1), part(1, 2, 2), part(2, 3, 3)}})
			live.Cluster.Sizes["orders"] = map[int32]map[int32]int64{0: {1: mib}, 1: {2: mib}, 2: {3: mib}}
			p := Diff(loadYAML(t, tt.docs...), live, tt.opts)
			c, tc := topicChange(t, p, "orders")
			if tc.Reassign == nil {
				t.Fatalf("no reassignment: %v", c.Fields)
			}
			if tc.Reassign.Throttle != tt.wantThrottle || tc.Reassign.MaxInFlight != tt.wantInFlight {
				t.Errorf("throttle %d, in flight %d; want %d, %d", tc.Reassign.Throttle, tc.Reassign.MaxInFlight, tt.wantThrottle, tt.wantInFlight)
			}
			f, _ := changeField(c, "reassignment")
			if s, _ := f.New.(string); !strings.HasPrefix(s, "3 partition(s), 3.0 MiB to copy") || !strings.HasSuffix(s, tt.wantSummary) {
				t.Errorf("reassignment field %q, want it to end with %q", s, tt.wantSummary)
			}
		})
	}
}

// The replication factor changes while the partitions of an earlier
// change still move (1 → 3 in progress, the repo now says 2). kgitops
// never interrupts a move: the moving partition goes on to its target of
// 3 replicas, the partitions not started yet go straight to 2, and the
// plan after the move drops the extra replica. The topic's progress
// counts the partition moving and those pending.
func TestReplicationFactorChangedMidFlightLetsMovingPartitionsFinish(t *testing.T) {
	live := rackLive(racksABB, map[string][]LivePartition{"orders": {
		{ID: 0, Replicas: []int32{1, 3, 2}, ISR: []int32{1}, Leader: 1}, part(1, 2, 2), part(2, 3, 3)}})
	live.Cluster.Moving["orders"] = map[int32]Moving{0: {Replicas: []int32{1, 3, 2}, Adding: []int32{3, 2}}}
	live.Inventory.Entries[ResourceKey{KindReassignment, "orders"}] = InventoryEntry{CreatedAt: time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC), Target: "rf=3", Moves: 3}
	st := loadYAML(t, hdr+"kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 3, replicationFactor: 2}\n")
	p := Diff(st, live, DiffOptions{Now: func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }})
	if len(p.Errors)+len(p.Blocked) > 0 {
		t.Fatalf("errors %v, blocked %v", p.Errors, p.Blocked)
	}
	c, tc := topicChange(t, p, "orders")
	for _, m := range tc.Reassign.Moves {
		if m.Partition == 0 {
			t.Errorf("the moving partition 0 is moved again: %+v", m)
		}
		if len(m.To) != 2 {
			t.Errorf("partition %d goes to %v, want 2 replicas", m.Partition, m.To)
		}
	}
	if len(tc.Reassign.Moves) != 2 {
		t.Errorf("moves %s, want partitions 1 and 2", movesString(tc.Reassign.Moves))
	}
	if f, _ := changeField(c, "replicationFactor"); f.Old != 1 || f.New != int16(2) {
		t.Errorf("replicationFactor field %+v, want 1 → 2 (the partitions pending)", f)
	}
	want := ReassignmentProgress{Topic: "orders", Partitions: 3, Done: 0, Moving: 1, Pending: 2, StartedAt: time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC)}
	if got := p.Reassignments; len(got) != 1 || got[0] != want {
		t.Errorf("progress %+v, want %+v", got, want)
	}

	// Once partition 0 reached its 3 replicas, the next plan drops one:
	// the one whose rack keeps another replica.
	done := rackLive(racksABB, map[string][]LivePartition{"orders": {part(0, 1, 1, 3, 2), part(1, 2, 2, 3), part(2, 3, 3, 1)}})
	p = Diff(st, done, DiffOptions{})
	_, tc = topicChange(t, p, "orders")
	if d := movesDiff(tc.Reassign.Moves, []placement.Move{{Partition: 0, From: []int32{1, 3, 2}, To: []int32{1, 3}}}); d != "" {
		t.Errorf("after the move: %s", d)
	}
}

// Regression: a partition still moving has replicas not yet in sync, and
// the plan of a lower replication factor counted them as out of sync
// against min.insync.replicas, refusing the whole plan ("leaves 1 in-sync
// replicas, fewer than min.insync.replicas 2") although that partition's
// move is left to finish anyway, and Kafka completes it only once its new
// replicas are in sync.
func TestReplicationFactorLoweredMidFlightIsNotRefusedForTheMovingPartition(t *testing.T) {
	live := rackLive(racksABB, map[string][]LivePartition{"orders": {
		{ID: 0, Replicas: []int32{1, 3, 2}, ISR: []int32{1}, Leader: 1}, part(1, 2, 2, 1, 3), part(2, 3, 3, 2, 1)}})
	live.Cluster.Broker["min.insync.replicas"] = "2"
	live.Cluster.Moving["orders"] = map[int32]Moving{0: {Replicas: []int32{1, 3, 2}, Adding: []int32{3, 2}}}
	st := loadYAML(t, hdr+"kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 3, replicationFactor: 2}\n")
	p := Diff(st, live, DiffOptions{})
	if len(p.Errors)+len(p.Blocked) > 0 {
		t.Fatalf("errors %v, blocked %v: want the partitions not moving to drop a replica", p.Errors, p.Blocked)
	}
	_, tc := topicChange(t, p, "orders")
	if len(tc.Reassign.Moves) != 2 || tc.Reassign.Moves[0].Partition != 1 || tc.Reassign.Moves[1].Partition != 2 {
		t.Errorf("moves %s, want partitions 1 and 2 to 2 replicas", movesString(tc.Reassign.Moves))
	}

	// A partition not moving that is short of in-sync replicas is still
	// refused.
	lp := live.Topics["orders"]
	lp.Assignment[1].ISR = []int32{2}
	p = Diff(st, live, DiffOptions{})
	if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "fewer than min.insync.replicas 2") {
		t.Errorf("errors %v: want partition 1's refusal", p.Errors)
	}
}

// progressOf: bytes left count each adding replica's shortfall, pending moves count their whole size per added broker, done
// comes from the inventory's total, and the ETA only once bytes were
// copied after a start in the past.
func TestProgressOf(t *testing.T) {
	start := time.Date(2026, 12, 4, 11, 0, 0, 0, time.UTC)
	info := &ClusterInfo{Sizes: map[string]map[int32]map[int32]int64{"t": {
		0: {1: 100, 2: 40}, // 3 holds nothing yet
		1: {1: 100},        // partition 2: size unknown, counted 0
	}}}
	moving := map[int32]Moving{0: {Replicas: []int32{1, 2, 3}, Adding: []int32{2, 3}}}
	pending := []placement.Move{{Partition: 1, From: []int32{1}, To: []int32{1, 2, 3}}, {Partition: 2, From: []int32{3}, To: []int32{3, 1}}}
	tests := []struct {
		name string
		inv  map[ResourceKey]InventoryEntry
		now  time.Time
		want ReassignmentProgress
	}{
		{name: "no record", now: start,
			want: ReassignmentProgress{Topic: "t", Partitions: 3, Moving: 1, Pending: 2, BytesRemaining: 60 + 100 + 200}},
		{name: "recorded, half copied in an hour", now: start.Add(time.Hour),
			inv:  map[ResourceKey]InventoryEntry{{KindReassignment, "t"}: {CreatedAt: start, Moves: 5, Bytes: 720}},
			want: ReassignmentProgress{Topic: "t", Partitions: 5, Done: 2, Moving: 1, Pending: 2, BytesRemaining: 360, StartedAt: start, ETASeconds: 3600}},
		{name: "recorded, nothing copied yet: no ETA", now: start.Add(time.Hour),
			inv:  map[ResourceKey]InventoryEntry{{KindReassignment, "t"}: {CreatedAt: start, Moves: 3, Bytes: 360}},
			want: ReassignmentProgress{Topic: "t", Partitions: 3, Moving: 1, Pending: 2, BytesRemaining: 360, StartedAt: start}},
		{name: "clock behind the start: no ETA", now: start.Add(-time.Minute),
			inv:  map[ResourceKey]InventoryEntry{{KindReassignment, "t"}: {CreatedAt: start, Moves: 5, Bytes: 720}},
			want: ReassignmentProgress{Topic: "t", Partitions: 5, Done: 2, Moving: 1, Pending: 2, BytesRemaining: 360, StartedAt: start}},
		{name: "another topic's record", now: start.Add(time.Hour),
			inv:  map[ResourceKey]InventoryEntry{{KindReassignment, "u"}: {CreatedAt: start, Moves: 5, Bytes: 720}},
			want: ReassignmentProgress{Topic: "t", Partitions: 3, Moving: 1, Pending: 2, BytesRemaining: 360}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := progressOf("t", moving, pending, info, Inventory{Entries: tt.inv}, tt.now)
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	pr := ReassignmentProgress{Topic: "t", Partitions: 5, Done: 2, Moving: 1, Pending: 2, BytesRemaining: 350 * 1024 * 1024, ETASeconds: 200.4}
	if got, want := pr.String(), "2 of 5 partition(s) done, 1 moving, 2 waiting; 350.0 MiB left, about 3m20s at the rate so far"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// Regression: adding a partition to a topic with a static placement (one
// more list in static:, partitions one higher) refused the whole plan
// with "replicationFactor 2 cannot be reached by reassignment: static
// placement lists 3 partitions, the topic has 2", a replication factor
// that does not change.
func TestAStaticTopicGrowsWithoutARefusal(t *testing.T) {
	live := rackLive(racksABB, map[string][]LivePartition{"pinned": {part(0, 1, 1, 3), part(1, 2, 2, 3)}})
	st := loadYAML(t, hdr+"kind: Topic\nmetadata: {name: pinned}\nspec:\n  partitions: 3\n  replicationFactor: 2\n  placement: {static: [[1, 3], [2, 3], [3, 1]]}\n")
	p := Diff(st, live, DiffOptions{})
	if len(p.Errors)+len(p.Blocked) > 0 {
		t.Fatalf("errors %v, blocked %v", p.Errors, p.Blocked)
	}
	c, tc := topicChange(t, p, "pinned")
	if tc.Partitions != 3 || tc.Reassign != nil {
		t.Errorf("change %v: want partitions 2 → 3 and no move", c.Fields)
	}
	if n := notesText(p); n != "" {
		t.Errorf("notes %q, want none", n)
	}
}

// A replication factor raised past the brokers is refused, naming the
// numbers and what to write instead; past the live brokers but not the
// registered ones, the topic waits (blocked) for the brokers that are
// down, in words of a change rather than a creation.
func TestReplicationFactorRaisedPastTheBrokers(t *testing.T) {
	st := func(rf string) string {
		return hdr + "kind: Topic\nmetadata: {name: orders}\nspec: {partitions: 1, replicationFactor: " + rf + "}\n"
	}
	tests := []struct {
		name                 string
		rf                   string
		live, registered     int
		down                 []int32
		wantError, wantBlock string
	}{
		{name: "above the registered brokers", rf: "4", live: 3, registered: 3,
			wantError: "replicationFactor 4 needs 4 brokers, and the cluster has 3 registered: add brokers before raising it from 1, or write replicationFactor: 3 at most"},
		{name: "a broker down", rf: "3", live: 2, registered: 3, down: []int32{3},
			wantBlock: "waiting for brokers: replicationFactor 3 needs 3 live brokers, and 1 of the cluster's 3 registered brokers is down (broker 3); the replication factor goes from 1 to 3 once they are back"},
		{name: "two brokers down", rf: "3", live: 1, registered: 3, down: []int32{2, 3},
			wantBlock: "2 of the cluster's 3 registered brokers are down (broker 2, broker 3); the replication factor goes from 1 to 3 once they are back"},
		{name: "lowered with a broker down", rf: "1", live: 2, registered: 3, down: []int32{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			racks := map[int32]string{}
			for id := int32(1); id <= int32(tt.live); id++ {
				racks[id] = racksABB[id]
			}
			from := []int32{1}
			if tt.rf == "1" {
				from = []int32{1, 2}
			}
			live := rackLive(racks, map[string][]LivePartition{"orders": {part(0, 1, from...)}})
			live.RegisteredBrokers, live.DownBrokers = tt.registered, tt.down
			p := Diff(loadYAML(t, st(tt.rf)), live, DiffOptions{})
			var errs, blocked []string
			for _, e := range p.Errors {
				errs = append(errs, e.Message)
			}
			for _, b := range p.Blocked {
				blocked = append(blocked, b.Message)
			}
			switch {
			case tt.wantError != "":
				if len(errs) != 1 || !strings.Contains(errs[0], tt.wantError) || len(p.Changes) > 0 {
					t.Errorf("errors %q, changes %v: want only %q", errs, p.Changes, tt.wantError)
				}
			case tt.wantBlock != "":
				if len(errs) > 0 || len(blocked) != 1 || !strings.Contains(blocked[0], tt.wantBlock) || len(p.Changes) > 0 {
					t.Errorf("errors %q, blocked %q, changes %v: want only blocked %q", errs, blocked, p.Changes, tt.wantBlock)
				}
			default:
				if len(errs)+len(blocked) > 0 || len(p.Changes) != 1 {
					t.Errorf("errors %q, blocked %q, changes %v: want the change", errs, blocked, p.Changes)
				}
			}
		})
	}
}

// A placement that changes in git is not drift: the inventory records
// the placement kgitops applied, so a topic it owns whose repo placement
// differs gets the plan's moves (and the placement field, recorded once
// applied), while the same partitions under the recorded placement are a
// drift note.
func TestPlacementChangedInGitIsMovedNotReported(t *testing.T) {
	inRack := hdr + "kind: Topic\nmetadata: {name: pinned}\nspec:\n  partitions: 2\n  replicationFactor: 2\n  placement: in-rack a\n"
	for _, tt := range []struct {
		name     string
		recorded string // the topic's inventory entry's placement; "-": no entry
		moves    bool
	}{
		{"owned, placement changed in git", "", true},
		{"owned, placement as recorded: drift", "in-rack a", false},
		{"not owned: drift", "-", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			live := rackLive(racksABB, map[string][]LivePartition{"pinned": {part(0, 1, 1, 2), part(1, 2, 2, 3)}})
			if tt.recorded != "-" {
				live.Inventory.Entries[ResourceKey{KindTopic, "pinned"}] = InventoryEntry{Placement: tt.recorded}
			}
			p := Diff(loadYAML(t, inRack), live, DiffOptions{})
			drift := strings.Contains(notesText(p), "placement drift")
			if tt.moves {
				c, tc := topicChange(t, p, "pinned")
				f, ok := changeField(c, "placement")
				if drift || tc.Reassign == nil || tc.Placement == nil || *tc.Placement != "in-rack a" || !ok || f.Old != "rack-aware" || f.New != "in-rack a" {
					t.Fatalf("want the moves and the placement field, got fields %v, notes %q", c.Fields, notesText(p))
				}
				return
			}
			if !drift || len(p.Changes) > 0 {
				t.Fatalf("want a drift note and no change: changes %v, notes %q", p.Changes, notesText(p))
			}
		})
	}
}

// Partitions added in the plan that raises the replication factor reach
// the new factor in the same apply: Kafka creates partitions only at the
// factor the others have, so they are created on the first broker of
// their rack-aware lists, and moved to the rest with the others.
func TestPartitionsAddedWithAReplicationFactorChange(t *testing.T) {
	doc := hdr + "kind: Topic\nmetadata: {name: grows}\nspec:\n  partitions: 4\n  replicationFactor: 3\n"
	live := rackLive(racksABB, map[string][]LivePartition{"grows": {part(0, 1, 1), part(1, 2, 2)}})
	p := Diff(loadYAML(t, doc), live, DiffOptions{})
	c, tc := topicChange(t, p, "grows")
	if tc.Partitions != 4 || len(tc.Assignment) != 2 || len(tc.Assignment[0]) != 1 || len(tc.Assignment[1]) != 1 {
		t.Fatalf("want 2 new partitions created with one replica each: %+v (fields %v)", tc, c.Fields)
	}
	if tc.Reassign == nil || len(tc.Reassign.Moves) != 4 {
		t.Fatalf("want the two existing and the two new partitions moved: %+v", tc.Reassign)
	}
	for _, m := range tc.Reassign.Moves {
		racks := map[string]bool{}
		for _, b := range m.To {
			racks[racksABB[b]] = true
		}
		if len(m.To) != 3 || len(racks) != 2 {
			t.Errorf("partition %d moves to %v, want 3 replicas over both racks", m.Partition, m.To)
		}
		if m.Partition >= 2 && (len(m.From) != 1 || m.From[0] != tc.Assignment[m.Partition-2][0] || m.To[0] != m.From[0]) {
			t.Errorf("new partition %d: created on %v, moves %v -> %v", m.Partition, tc.Assignment[m.Partition-2], m.From, m.To)
		}
	}
	// A falling factor: the new partitions are created at the old one,
	// and a note says the next plan lowers them.
	down := hdr + "kind: Topic\nmetadata: {name: grows}\nspec:\n  partitions: 3\n  replicationFactor: 1\n"
	live3 := rackLive(racksABB, map[string][]LivePartition{"grows": {part(0, 1, 1, 3), part(1, 2, 2, 3)}})
	p = Diff(loadYAML(t, down), live3, DiffOptions{})
	if _, tc := topicChange(t, p, "grows"); tc.Assignment != nil || !strings.Contains(notesText(p), "the next plan lowers them to 1") {
		t.Errorf("growth with a falling factor: assignment %v, notes %q", tc.Assignment, notesText(p))
	}
	// At the same replication factor, Kafka places new partitions itself.
	same := hdr + "kind: Topic\nmetadata: {name: grows}\nspec:\n  partitions: 4\n  replicationFactor: 1\n"
	if _, tc := topicChange(t, Diff(loadYAML(t, same), live, DiffOptions{}), "grows"); tc.Assignment != nil {
		t.Errorf("a growth at the same factor got lists: %v", tc.Assignment)
	}
}

// A broker down never blocks a topic that is as the repo says, and never
// refuses the plan (which would stop a daemon enforcing everything else):
// replicas on the down broker stay, with one note for the plan. A
// replication factor that needs the broker waits for it, blocking that
// topic only.
func TestABrokerDownBlocksOnlyTheTopicThatNeedsIt(t *testing.T) {
	doc := hdr + "kind: Topic\nmetadata: {name: placed}\nspec: {partitions: 1, replicationFactor: 3}\n---\n" +
		hdr + "kind: Topic\nmetadata: {name: raise}\nspec: {partitions: 1, replicationFactor: 3}\n---\n" +
		hdr + "kind: Topic\nmetadata: {name: other}\nspec: {partitions: 1, replicationFactor: 1, configs: {retention.ms: \"3600000\"}}\n"
	live := rackLive(map[int32]string{1: "a", 2: "a"}, map[string][]LivePartition{
		"placed": {{ID: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2}, Leader: 1}},
		"raise":  {part(0, 1, 1)},
		"other":  {part(0, 1, 1)},
	})
	live.RegisteredBrokers, live.DownBrokers = 3, []int32{3}
	p := Diff(loadYAML(t, doc), live, DiffOptions{})
	if len(p.Errors) > 0 {
		t.Fatalf("the plan is refused: %v", p.Errors)
	}
	if len(p.Blocked) != 1 || p.Blocked[0].Name != "raise" || !strings.Contains(p.Blocked[0].Message, "waiting for brokers") || !strings.Contains(p.Blocked[0].Message, "broker 3") {
		t.Fatalf("blocked %v, want raise alone, waiting for broker 3", p.Blocked)
	}
	for _, c := range p.Changes {
		if c.Name == "placed" {
			t.Errorf("a topic as the repo says changes while broker 3 is down: %+v", c.Fields)
		}
	}
	if n := strings.Count(notesText(p), "placement is not checked while broker 3 is down"); n != 1 {
		t.Errorf("%d notes of the broker down, want 1: %s", n, notesText(p))
	}
	topicChange(t, p, "other") // the rest still applies
}
