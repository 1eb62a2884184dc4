package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// MovingPartition is one partition being reassigned, for `kgitops
// reassign status`.
type MovingPartition struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"` // the target
	Adding    []int32 `json:"adding,omitempty"`
	Removing  []int32 `json:"removing,omitempty"`
	// BytesRemaining is what the new replicas have yet to copy; -1 when
	// the brokers did not say.
	BytesRemaining int64 `json:"bytesRemaining"`
}

// ReassignStatus is every reassignment in progress in the cluster, by
// whoever started it, and the throttles kgitops set.
type ReassignStatus struct {
	Partitions []MovingPartition `json:"partitions"`
	// Topics sums the partitions per topic; for those kgitops started,
	// with the start, the bytes left and the ETA from its inventory.
	Topics []ReassignmentProgress `json:"topics"`
	// Throttles are the brokers' replication throttle rates set now, by
	// broker id and key; ThrottledByKgitops the brokers whose rates
	// kgitops set (and removes once nothing moves).
	Throttles          map[int32]map[string]string `json:"throttles,omitempty"`
	ThrottledByKgitops []int32                     `json:"throttledByKgitops,omitempty"`
	// Held are the topics whose reassignment was cancelled with `kgitops
	// reassign cancel`: kgitops starts no move on them until `kgitops
	// reassign resume`.
	Held []string `json:"held,omitempty"`
}

// ReadReassignStatus reads the reassignments in progress: one
// ListPartitionReassignments, one Metadata, DescribeLogDirs of the moving
// topics on every broker, the brokers' configs and the inventory.
func ReadReassignStatus(ctx context.Context, cl *kgo.Client, ref InventoryRef) (*ReassignStatus, error) {
	moving, err := readReassignments(ctx, cl)
	if err != nil {
		return nil, err
	}
	adm := kadm.NewClient(cl)
	md, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the brokers: %w", err)
	}
	st := &ReassignStatus{Partitions: []MovingPartition{}, Topics: []ReassignmentProgress{}}
	var sizes map[string]map[int32]map[int32]int64
	if len(moving) > 0 {
		set := kadm.TopicsSet{}
		for t, ps := range moving {
			for p := range ps {
				set.Add(t, p) // a topic named without partitions gets none
			}
		}
		dirs, _ := describeLogDirs(ctx, cl, md.Brokers.NodeIDs(), set, false)
		sizes = replicaSizes(dirs)
	}
	st.Throttles = readThrottles(ctx, adm, md.Brokers.NodeIDs())
	inv, err := ReadInventory(ctx, cl, ref)
	if err != nil {
		return nil, err
	}
	for k, e := range inv.Entries {
		switch {
		case k.Kind == KindThrottle:
			var id int32
			if _, err := fmt.Sscan(k.Name, &id); err == nil {
				st.ThrottledByKgitops = append(st.ThrottledByKgitops, id)
			}
		case k.Kind == KindReassignment && e.Target == heldTarget:
			st.Held = append(st.Held, k.Name)
		}
	}
	slices.Sort(st.ThrottledByKgitops)
	sort.Strings(st.Held)
	info := &ClusterInfo{Sizes: sizes}
	for _, t := range slices.Sorted(maps.Keys(moving)) {
		for _, p := range slices.Sorted(maps.Keys(moving[t])) {
			m := moving[t][p]
			mp := MovingPartition{Topic: t, Partition: p, Replicas: m.Target(), Adding: m.Adding, Removing: m.Removing, BytesRemaining: -1}
			if _, known := sizes[t][p]; known {
				mp.BytesRemaining = 0
				size := partitionSize(info, t, p)
				for _, r := range m.Adding {
					mp.BytesRemaining += max(0, size-sizes[t][p][r])
				}
			}
			st.Partitions = append(st.Partitions, mp)
		}
		st.Topics = append(st.Topics, progressOf(t, moving[t], nil, info, inv, time.Now()))
	}
	return st, nil
}

// heldTarget marks a Reassignment record as a hold: `kgitops reassign
// cancel` stopped the topic's moves, and no plan starts them again until
// `kgitops reassign resume`.
const heldTarget = "held"

// CancelResult is what CancelReassignments did.
type CancelResult struct {
	Cancelled []MovingPartition `json:"cancelled"`
	Held      []string          `json:"held"`
	// Unthrottled lists the brokers whose rates kgitops removed: nothing
	// moves any more.
	Unthrottled []int32 `json:"unthrottled,omitempty"`
}

// CancelReassignments cancels the reassignments in progress of topics
// (all of them when topics is empty): the partitions go back to their
// replicas from before, and the data copied so far is dropped. The
// topics are held, so that no plan (nor the daemon) starts their moves
// again until ResumeReassignments; a topic named that has nothing moving
// is held too. Once nothing moves in the cluster, the throttles kgitops
// set are removed.
func CancelReassignments(ctx context.Context, cl *kgo.Client, ref InventoryRef, brokers int, topics []string) (*CancelResult, error) {
	ref = ref.withDefaults()
	moving, err := readReassignments(ctx, cl)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range topics {
		want[t] = true
	}
	res := &CancelResult{Cancelled: []MovingPartition{}, Held: []string{}}
	var req kadm.AlterPartitionAssignmentsReq
	held := map[string]bool{}
	for t, ps := range moving {
		if len(want) > 0 && !want[t] {
			continue
		}
		held[t] = true
		for p, m := range ps {
			req.Assign(t, p, nil)
			res.Cancelled = append(res.Cancelled, MovingPartition{Topic: t, Partition: p, Replicas: m.Target(), Adding: m.Adding, Removing: m.Removing, BytesRemaining: -1})
		}
	}
	for t := range want {
		held[t] = true
	}
	res.Held = slices.Sorted(maps.Keys(held))
	sort.Slice(res.Cancelled, func(i, j int) bool {
		a, b := res.Cancelled[i], res.Cancelled[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
	// Hold first: a crash after it leaves the moves running and held,
	// which a second cancel finishes; never a cancel the daemon undoes.
	w := inventoryWriter{cl: cl, ref: ref, brokers: brokers}
	set := map[ResourceKey]InventoryEntry{}
	for t := range held {
		set[ResourceKey{KindReassignment, t}] = InventoryEntry{CreatedAt: time.Now().UTC(), Target: heldTarget}
	}
	if err := w.record(ctx, set, nil); err != nil {
		return nil, fmt.Errorf("record the hold in the inventory (nothing was cancelled): %w", err)
	}
	adm := kadm.NewClient(cl)
	if len(req) > 0 {
		resps, err := adm.AlterPartitionAssignments(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("cancel the reassignments: %w", err)
		}
		var errs []string
		resps.Each(func(r kadm.AlterPartitionAssignmentsResponse) {
			if r.Err != nil && !strings.Contains(r.Err.Error(), "NO_REASSIGNMENT_IN_PROGRESS") {
				errs = append(errs, fmt.Sprintf("%s partition %d: %v", r.Topic, r.Partition, r.Err))
			}
		})
		if len(errs) > 0 {
			sort.Strings(errs)
			return nil, fmt.Errorf("the cluster refused to cancel %s", strings.Join(errs, "; "))
		}
	}
	// Throttles: once nothing moves any more.
	still, err := readReassignments(ctx, cl)
	if err != nil || len(still) > 0 {
		return res, nil
	}
	inv, err := ReadInventory(ctx, cl, ref)
	if err != nil {
		return res, nil
	}
	var drop []ResourceKey
	var topicsThrottled []string
	for k, e := range inv.Entries {
		switch {
		case k.Kind == KindThrottle:
			var id int32
			if _, err := fmt.Sscan(k.Name, &id); err == nil {
				res.Unthrottled = append(res.Unthrottled, id)
			}
			drop = append(drop, k)
		case k.Kind == KindReassignment && e.Target != heldTarget:
			drop = append(drop, k)
			topicsThrottled = append(topicsThrottled, k.Name)
		}
	}
	topicsThrottled = append(topicsThrottled, res.Held...)
	slices.Sort(res.Unthrottled)
	if err := unthrottle(ctx, cl, adm, res.Unthrottled, topicsThrottled); err != nil {
		return res, fmt.Errorf("the moves are cancelled, but removing the throttles failed (the next plan removes them): %w", err)
	}
	return res, w.record(ctx, nil, drop)
}

// ResumeReassignments lifts the holds `kgitops reassign cancel` put on
// topics (all of them when topics is empty): the next plan moves them
// again. It returns the topics released.
func ResumeReassignments(ctx context.Context, cl *kgo.Client, ref InventoryRef, brokers int, topics []string) ([]string, error) {
	ref = ref.withDefaults()
	inv, err := ReadInventory(ctx, cl, ref)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range topics {
		want[t] = true
	}
	var drop []ResourceKey
	released := []string{}
	for k, e := range inv.Entries {
		if k.Kind == KindReassignment && e.Target == heldTarget && (len(want) == 0 || want[k.Name]) {
			drop = append(drop, k)
			released = append(released, k.Name)
		}
	}
	sort.Strings(released)
	w := inventoryWriter{cl: cl, ref: ref, brokers: brokers}
	return released, w.record(ctx, nil, drop)
}
