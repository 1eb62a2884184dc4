package reconcile

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kgitops/kgitops/reconcile/placement"
	"github.com/kgitops/kgitops/spec"
)

// Reassignment is the replica moves a plan makes for one topic: a
// replication-factor change, or a placement drift moved back. Apply
// starts them in batches (at most MaxInFlight partitions moving in the
// cluster at once), throttled while data moves; later passes and applies
// resume them from the cluster's own state.
type Reassignment struct {
	Moves []placement.Move // the partitions to move, not moving yet, by partition
	// Bytes is what each move copies, by partition: the partition's size
	// times the brokers it is added to (0 when the size is unknown).
	Bytes map[int32]int64
	// Throttle is the replication rate per broker in bytes/s while data
	// moves; 0: none.
	Throttle int64
	// MaxInFlight bounds the partitions moving in the cluster at once.
	MaxInFlight int
}

// ReassignmentProgress is a topic's reassignment as it stands: what
// `plan`, the daemon's status and `kgitops reassign status` show. A
// reassignment in progress is not drift.
type ReassignmentProgress struct {
	Topic string `json:"topic"`
	// Partitions counts the partitions the reassignment moves: Done +
	// Moving + Pending.
	Partitions int `json:"partitions"`
	Done       int `json:"done"`
	Moving     int `json:"moving"`
	Pending    int `json:"pending"`
	// BytesRemaining is what is left to copy: the moving partitions'
	// sizes less what their new replicas hold, plus the pending moves.
	BytesRemaining int64 `json:"bytesRemaining"`
	// StartedAt and ETA come from the inventory's record of the
	// reassignment (its start and the bytes it had to copy): ETA is the
	// time left at the rate observed since the start; zero when unknown.
	StartedAt  time.Time `json:"startedAt,omitzero"`
	ETASeconds float64   `json:"etaSeconds,omitempty"`
}

// KindReassignment is the inventory's record of a reassignment kgitops
// started (Name: the topic), and KindThrottle of a broker whose
// replication throttle rates it set (Name: the broker id). They are not
// kinds of the repo: no document declares them.
const (
	KindReassignment = "Reassignment"
	KindThrottle     = "ReplicationThrottle"
)

// The topic-level replication throttle keys: which replicas the brokers'
// rates apply to. kgitops sets them while it moves a topic's partitions,
// and the config diff removes them once nothing of the topic moves.
const (
	leaderThrottledReplicas   = "leader.replication.throttled.replicas"
	followerThrottledReplicas = "follower.replication.throttled.replicas"
)

func isThrottleKey(k string) bool {
	return k == leaderThrottledReplicas || k == followerThrottledReplicas
}

// Risk codes of reassignments.
const (
	RiskReplicationDecrease = "replication-decrease" // risky: fewer copies of the data
	RiskReassignment        = "reassignment"         // moves data between brokers
)

// reassignSettings are the knobs of reassignments: the repo's Settings,
// overridden by the command line.
func reassignSettings(desired *spec.State, opts DiffOptions) (throttle int64, inFlight int, revert bool) {
	rs := desired.Settings.Reassignment
	throttle, inFlight = rs.Rate(), rs.InFlight()
	if opts.Throttle != nil {
		throttle = *opts.Throttle
	}
	if opts.MaxPartitionsInFlight > 0 {
		inFlight = opts.MaxPartitionsInFlight
	}
	return throttle, inFlight, rs.Drift() == spec.PlacementDriftRevert
}

// reassignTopic plans the replica moves of a declared topic that exists:
// to its replication factor, and to its placement. It returns the fields
// and payload to add to the topic's update, or ok=false when nothing moves
// (or the move is refused: then the plan has the error). A topic whose
// partitions are moving gets its progress in the plan.
func (p *Plan) reassignTopic(t spec.Topic, lt LiveTopic, live *Live, desired *spec.State, opts DiffOptions, inBase bool, b spec.Topic) ([]Field, *Reassignment, bool) {
	info := live.Cluster
	if info == nil || len(lt.Assignment) == 0 {
		// An offline diff (LiveFrom) knows no brokers: it shows the
		// replication factor that changes, nothing of the moves.
		if t.ReplicationFactor != lt.ReplicationFactor {
			return []Field{{Path: "replicationFactor", Old: lt.ReplicationFactor, New: t.ReplicationFactor}}, nil, true
		}
		return nil, nil, false
	}
	moving := info.Moving[t.Name]
	if e, ok := live.Inventory.Entries[ResourceKey{KindReassignment, t.Name}]; ok && e.Target == heldTarget {
		p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: t.Name, Message: fmt.Sprintf(
			"its reassignment is held since %s (kgitops reassign cancel): no replica moves until `kgitops reassign resume %s`", e.CreatedAt.Format(time.RFC3339), t.Name)})
		return nil, nil, false
	}
	strategy := placementOf(t)
	if n := len(lt.Assignment); strategy.Kind == placement.KindStatic && len(strategy.Static) > n {
		// The topic grows in this plan: its new partitions are created
		// on their static lists (apply_topics.go); the existing ones are
		// placed here.
		strategy.Static = strategy.Static[:n]
	}
	brokers := make([]placement.Broker, 0, len(info.Racks))
	for id, rack := range info.Racks {
		brokers = append(brokers, placement.Broker{ID: id, Rack: rack})
	}
	slices.SortFunc(brokers, func(x, y placement.Broker) int { return int(x.ID - y.ID) })

	parts := make([]placement.Partition, 0, len(lt.Assignment))
	for _, lp := range lt.Assignment {
		reps, isr := lp.Replicas, lp.ISR
		if m, ok := moving[lp.ID]; ok {
			// Planned as its move leaves it: Kafka completes a move only
			// once the new replicas are in sync. Its own move is never
			// replaced (see below), so its replicas catching up must not
			// refuse the moves of the other partitions.
			reps = m.Target()
			isr = reps
		}
		parts = append(parts, placement.Partition{ID: lp.ID, Replicas: reps, ISR: isr, Leader: lp.Leader})
	}
	load := placement.Load{}
	for id := range info.Racks {
		load[id] = placement.Count{Replicas: info.Replicas[id], Leaders: info.Leaders[id]}
	}
	for _, lp := range lt.Assignment { // the topic's own replicas are not load
		for i, r := range lp.Replicas {
			if c, ok := load[r]; ok {
				c.Replicas--
				if i == 0 {
					c.Leaders--
				}
				load[r] = c
			}
		}
	}
	if msg, wait := raiseShortage(t.ReplicationFactor, lt.ReplicationFactor, live); msg != "" {
		if wait {
			p.block(KindTopic, t.Name, msg)
		} else {
			p.refuseOrBlock(KindTopic, t.Name, msg, inBase && b.ReplicationFactor == t.ReplicationFactor)
		}
		return nil, nil, false
	}
	if t.ReplicationFactor == lt.ReplicationFactor && len(live.DownBrokers) > 0 {
		// A broker down (a restart, a crash) still holds its replicas:
		// nothing moves while it is away, neither to keep the placement
		// (its replicas would look misplaced) nor back. The topic is as
		// the repo says; a move under way goes on by itself.
		p.noteBrokersDown(live.DownBrokers)
		if len(moving) > 0 {
			now := time.Now
			if opts.Now != nil {
				now = opts.Now
			}
			p.Reassignments = append(p.Reassignments, progressOf(t.Name, moving, nil, info, live.Inventory, now()))
		}
		return nil, nil, false
	}
	res, err := placement.Assign(placement.Request{
		Topic: t.Name, Brokers: brokers, Partitions: parts, RF: int(t.ReplicationFactor),
		MinISR: effectiveMinISR(t, lt, info), Strategy: strategy, Load: load,
	})
	if err != nil {
		msg := fmt.Sprintf("replicationFactor %d cannot be reached by reassignment: %v", t.ReplicationFactor, err)
		if t.ReplicationFactor == lt.ReplicationFactor {
			msg = fmt.Sprintf("placement %s cannot be kept: %v", strategy, err)
		}
		if len(live.DownBrokers) > 0 {
			// The live brokers are too few while some are down: the
			// cluster, not the repo, stands in the way. Only this topic
			// waits; the rest of the plan applies.
			p.block(KindTopic, t.Name, fmt.Sprintf("waiting for brokers: %s (down: %s); its replicas are placed once they are back", msg, brokerList(live.DownBrokers)))
			return nil, nil, false
		}
		p.refuseOrBlock(KindTopic, t.Name, msg, inBase && b.ReplicationFactor == t.ReplicationFactor)
		return nil, nil, false
	}
	for _, off := range res.Offline {
		p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: t.Name, Message: fmt.Sprintf(
			"partition %d is offline (no leader): kgitops never moves it; bring its brokers back, and the next plan moves it", off)})
	}
	var moves []placement.Move
	for _, m := range res.Moves {
		if _, busy := moving[m.Partition]; !busy {
			moves = append(moves, m)
		}
	}
	throttle, inFlight, revert := reassignSettings(desired, opts)
	rfChanges := false
	for _, m := range moves {
		rfChanges = rfChanges || len(m.To) != len(m.From)
	}
	// The placement kgitops applied last, if it recorded one: another
	// placement in git is a change to move to, not a drift.
	e, ours := live.Inventory.Entries[ResourceKey{KindTopic, t.Name}]
	gitChange := ours && !e.External && e.Placement != placementKey(t)
	if !rfChanges && len(moves) > 0 && !revert && !gitChange {
		// The same replication factor: a partition moved out of band
		// from the topic's placement. Reported; moved back only when the
		// repo's Settings say so.
		var ps []string
		for _, m := range moves {
			ps = append(ps, fmt.Sprintf("%d on %s", m.Partition, replicaList(m.From)))
		}
		p.Drift = append(p.Drift, Refusal{Kind: KindTopic, Name: t.Name, Message: fmt.Sprintf(
			"placement drift: partition %s, which placement %s does not allow; set reassignment.placementDrift: revert in Settings to move them back", strings.Join(ps, ", partition "), strategy)})
		moves = nil
	}
	if len(moving) > 0 || len(moves) > 0 {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		p.Reassignments = append(p.Reassignments, progressOf(t.Name, moving, moves, info, live.Inventory, now()))
	}
	if len(moves) == 0 {
		return nil, nil, false
	}
	ra := &Reassignment{Moves: moves, Bytes: map[int32]int64{}, Throttle: throttle, MaxInFlight: inFlight}
	var fields []Field
	if from := rfOf(moves); from != int(t.ReplicationFactor) {
		fields = append(fields, Field{Path: "replicationFactor", Old: from, New: t.ReplicationFactor})
	}
	var total int64
	receivers := map[int32]bool{}
	for _, m := range moves {
		add := placement.Adding(m)
		size := partitionSize(info, t.Name, m.Partition)
		ra.Bytes[m.Partition] = size * int64(len(add))
		total += ra.Bytes[m.Partition]
		for _, r := range add {
			receivers[r] = true
		}
		fields = append(fields, Field{Path: fmt.Sprintf("replicas[%d]", m.Partition), Old: replicaList(m.From), New: moveSummary(m, ra.Bytes[m.Partition])})
	}
	fields = append(fields, Field{Path: "reassignment", New: reassignmentSummary(len(moves), total, receivers, throttle, inFlight)})
	return fields, ra, true
}

// noteBrokersDown notes, once per plan, that placements wait for the
// brokers that are down.
func (p *Plan) noteBrokersDown(down []int32) {
	msg := fmt.Sprintf("placement is not checked while %s %s down: no replica moves until %s back",
		brokerList(down), map[bool]string{true: "is", false: "are"}[len(down) == 1], map[bool]string{true: "it is", false: "they are"}[len(down) == 1])
	if !slices.ContainsFunc(p.Notes, func(n Refusal) bool { return n.Message == msg }) {
		p.Notes = append(p.Notes, Refusal{Kind: KindTopic, Name: "*", Message: msg})
	}
}

// raiseShortage says why an existing topic's replication factor cannot
// go from `from` to rf now, or "" when it can: brokerShortage's verdict,
// in the words of a change rather than a creation.
func raiseShortage(rf, from int16, live *Live) (msg string, wait bool) {
	if rf == from {
		return "", false
	}
	msg, wait = brokerShortage(rf, live)
	registered := max(live.RegisteredBrokers, live.Brokers)
	switch {
	case msg == "":
		return "", false
	case wait:
		down := registered - live.Brokers
		return fmt.Sprintf("waiting for brokers: replicationFactor %d needs %d live brokers, and %d of the cluster's %d registered brokers %s down (%s); the replication factor goes from %d to %d once they are back",
			rf, rf, down, registered, map[bool]string{true: "is", false: "are"}[down == 1], brokerList(live.DownBrokers), from, rf), true
	}
	return fmt.Sprintf("replicationFactor %d needs %d brokers, and the cluster has %d registered: add brokers before raising it from %d, or write replicationFactor: %d at most",
		rf, rf, registered, from, registered), false
}

// placementOf is the topic's placement as the placement package takes it.
func placementOf(t spec.Topic) placement.Strategy {
	if t.Placement == nil {
		return placement.Strategy{Kind: placement.KindRackAware}
	}
	return placement.Strategy{Kind: t.Placement.Strategy, Rack: t.Placement.Rack, Static: t.Placement.Static}
}

// effectiveMinISR is the topic's min.insync.replicas as it will be
// after the plan's config changes: the repo's, else the live override,
// else the broker's, else Kafka's default 1.
func effectiveMinISR(t spec.Topic, lt LiveTopic, info *ClusterInfo) int {
	for _, v := range []string{t.Configs["min.insync.replicas"], lt.Configs["min.insync.replicas"], info.Broker["min.insync.replicas"]} {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return 1
}

// partitionSize is the partition's size on its largest replica; 0 when
// unknown.
func partitionSize(info *ClusterInfo, topic string, p int32) int64 {
	var size int64
	for _, s := range info.Sizes[topic][p] {
		size = max(size, s)
	}
	return size
}

// rfOf is the replica count the moves start from, the largest.
func rfOf(moves []placement.Move) int {
	n := 0
	for _, m := range moves {
		n = max(n, len(m.From))
	}
	return n
}

func replicaList(bs []int32) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = strconv.Itoa(int(b))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// moveSummary shows a partition's new replicas, and what moves: "[1, 2,
// 3] (copies 1.2 MiB to 2, 3)".
func moveSummary(m placement.Move, bytes int64) string {
	var what []string
	if add := placement.Adding(m); len(add) > 0 {
		what = append(what, fmt.Sprintf("copies %s to %s", HumanBytes(bytes), strings.Trim(replicaList(add), "[]")))
	}
	if rm := placement.Removing(m); len(rm) > 0 {
		what = append(what, "drops "+strings.Trim(replicaList(rm), "[]"))
	}
	if len(what) == 0 {
		what = append(what, "preferred leader only")
	}
	return replicaList(m.To) + " (" + strings.Join(what, "; ") + ")"
}

func reassignmentSummary(n int, total int64, receivers map[int32]bool, throttle int64, inFlight int) string {
	ids := make([]int32, 0, len(receivers))
	for id := range receivers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return fmt.Sprintf("%d partition(s), nothing to copy", n)
	}
	s := fmt.Sprintf("%d partition(s), %s to copy to broker(s) %s", n, HumanBytes(total), strings.Trim(replicaList(ids), "[]"))
	if throttle > 0 {
		s += fmt.Sprintf(", throttled at %s/s per broker", HumanBytes(throttle))
	} else {
		s += ", not throttled"
	}
	return s + fmt.Sprintf(", %d at a time", inFlight)
}

// HumanBytes prints a size in binary units: 1.2 MiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// progressOf is a topic's reassignment progress: the partitions moving
// now, the moves still to start, and the inventory's record of its start.
func progressOf(topic string, moving map[int32]Moving, pending []placement.Move, info *ClusterInfo, inv Inventory, now time.Time) ReassignmentProgress {
	pr := ReassignmentProgress{Topic: topic, Moving: len(moving), Pending: len(pending)}
	for p, m := range moving {
		size := partitionSize(info, topic, p)
		for _, r := range m.Adding {
			pr.BytesRemaining += max(0, size-info.Sizes[topic][p][r])
		}
	}
	for _, m := range pending {
		pr.BytesRemaining += partitionSize(info, topic, m.Partition) * int64(len(placement.Adding(m)))
	}
	pr.Partitions = pr.Moving + pr.Pending
	if e, ok := inv.Entries[ResourceKey{KindReassignment, topic}]; ok {
		pr.StartedAt = e.CreatedAt
		pr.Partitions = max(pr.Partitions, e.Moves)
		copied := e.Bytes - pr.BytesRemaining
		// A rate needs some history: no ETA in the first 10 s.
		if elapsed := now.Sub(e.CreatedAt).Seconds(); copied > 0 && elapsed >= 10 && pr.BytesRemaining > 0 {
			pr.ETASeconds = math.Round(float64(pr.BytesRemaining) / (float64(copied) / elapsed))
		}
	}
	pr.Done = pr.Partitions - pr.Moving - pr.Pending
	return pr
}

// sortProgress orders the plan's progress by topic.
func sortProgress(ps []ReassignmentProgress) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Topic < ps[j].Topic })
}

// String says where the reassignment stands: "2 of 6 partitions done, 2
// moving, 2 waiting; 1.2 GiB left, about 3m20s at the rate so far".
func (pr ReassignmentProgress) String() string {
	s := fmt.Sprintf("%d of %d partition(s) done, %d moving, %d waiting; %s left", pr.Done, pr.Partitions, pr.Moving, pr.Pending, HumanBytes(pr.BytesRemaining))
	if pr.ETASeconds > 0 {
		s += ", about " + (time.Duration(pr.ETASeconds) * time.Second).Round(time.Second).String() + " at the rate so far"
	}
	return s
}

// placementKey is a topic's placement as the inventory records it: ""
// for rack-aware (the default), else its string form ("in-rack a",
// "static [[1 2] [2 3]]").
func placementKey(t spec.Topic) string {
	if t.Placement == nil || t.Placement.Strategy == spec.PlacementRackAware {
		return ""
	}
	if t.Placement.Strategy == spec.PlacementStatic {
		return fmt.Sprintf("static %v", t.Placement.Static)
	}
	return placementOf(t).String()
}

// shownPlacement is a recorded placement for a plan.
func shownPlacement(key string) string {
	if key == "" {
		return spec.PlacementRackAware
	}
	return key
}

// summary is the reassignment field of a plan: its partitions, the bytes
// they copy and to which brokers, the throttle and the batch size.
func (ra *Reassignment) summary() string {
	var total int64
	receivers := map[int32]bool{}
	for _, m := range ra.Moves {
		total += ra.Bytes[m.Partition]
		for _, b := range placement.Adding(m) {
			receivers[b] = true
		}
	}
	return reassignmentSummary(len(ra.Moves), total, receivers, ra.Throttle, ra.MaxInFlight)
}
