package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/reconcile/placement"
)

// pendingMove is one partition move an apply has yet to start.
type pendingMove struct {
	change Change
	move   placement.Move
}

// reassign starts the planned moves of the updated topics in batches: at
// most MaxInFlight partitions moving in the cluster at once, counting
// those moving already. Before a batch starts, the inventory records the
// reassignment (for its progress across runs) and the brokers to throttle
// (so that a crash never leaves a throttle nobody removes); then the
// brokers that send and receive data get the throttle rate, and the
// topics' throttled-replicas lists name the replicas that copy. Without
// ApplyOptions.WaitReassignments it returns once a batch started: later
// applies and the daemon's next passes start the rest. With it, it polls
// the cluster, starts batches as earlier ones finish, and once every move
// is done removes the throttles it set.
func (a *applier) reassign(ctx context.Context, cs []Change) {
	var todo []pendingMove
	for _, c := range cs {
		ra := topicPayload(c).Reassign
		if ra == nil || !a.ok(c) {
			continue
		}
		for _, m := range ra.Moves {
			todo = append(todo, pendingMove{c, m})
		}
	}
	all := slices.Clone(todo)
	if len(todo) == 0 || a.opts.DryRun {
		return
	}
	ra := topicPayload(todo[0].change).Reassign
	moving := 0
	if a.opts.Live != nil && a.opts.Live.Cluster != nil {
		for _, ps := range a.opts.Live.Cluster.Moving {
			moving += len(ps)
		}
	}
	adm := kadm.NewClient(a.cl)
	for {
		n := min(len(todo), max(0, ra.MaxInFlight-moving))
		if n > 0 && a.fenced(ctx, nil) {
			for _, pm := range todo {
				a.fail(KindTopic, pm.change.Name, fmt.Errorf("its replica moves were not started: %w", a.fenceErr))
			}
			return
		}
		if n > 0 {
			if err := a.startBatch(ctx, adm, todo[:n], ra.Throttle); err != nil {
				for _, pm := range todo[:n] {
					a.fail(KindTopic, pm.change.Name, err)
				}
			}
			todo = todo[n:]
		}
		if !a.opts.WaitReassignments {
			return
		}
		var err error
		moving, err = a.waitForRoom(ctx, adm, todo, ra.MaxInFlight)
		if err != nil {
			for _, pm := range todo {
				a.fail(KindTopic, pm.change.Name, fmt.Errorf("waiting for the reassignment: %w", err))
			}
			return
		}
		if len(todo) == 0 && moving == 0 {
			break
		}
	}
	// The controller has the new replicas; the brokers' metadata follows
	// a moment later. Wait for it, so that a plan right after the apply
	// sees what it did.
	if err := settleMoves(ctx, adm, all); err != nil {
		for _, pm := range all {
			a.fail(KindTopic, pm.change.Name, err)
		}
		return
	}
	if err := a.removeThrottles(ctx, adm); err != nil {
		for _, c := range cs {
			if topicPayload(c).Reassign != nil {
				a.fail(KindTopic, c.Name, fmt.Errorf("the reassignment is done, but removing its throttles failed (the next apply removes them): %w", err))
			}
		}
	}
}

// startBatch records, throttles and starts one batch of moves.
func (a *applier) startBatch(ctx context.Context, adm *kadm.Client, batch []pendingMove, throttle int64) error {
	byTopic := map[string][]placement.Move{}
	var topics []string
	brokers := map[int32]bool{}
	copies := false
	for _, pm := range batch {
		if _, ok := byTopic[pm.change.Name]; !ok {
			topics = append(topics, pm.change.Name)
		}
		byTopic[pm.change.Name] = append(byTopic[pm.change.Name], pm.move)
		if add := placement.Adding(pm.move); len(add) > 0 {
			copies = true
			for _, b := range append(slices.Clone(pm.move.From), add...) {
				brokers[b] = true
			}
		}
	}
	throttled := throttle > 0 && copies

	// The inventory first: a crash after this leaves records the next
	// run resumes from and cleans up after.
	set := map[ResourceKey]InventoryEntry{}
	now := a.opts.Now().UTC()
	for _, t := range topics {
		c := changeFor(batch, t)
		ra := topicPayload(c).Reassign
		target := reassignTarget(c)
		key := ResourceKey{KindReassignment, t}
		if e, ok := a.prior[key]; ok && e.Target == target {
			continue // a later batch of the same reassignment
		}
		var bytes int64
		for _, b := range ra.Bytes {
			bytes += b
		}
		set[key] = InventoryEntry{CreatedAt: now, Revision: a.opts.Revision, Target: target, Moves: len(ra.Moves), Bytes: bytes}
		if a.prior == nil {
			a.prior = map[ResourceKey]InventoryEntry{}
		}
		a.prior[key] = set[key]
	}
	if throttled {
		for b := range brokers {
			set[ResourceKey{KindThrottle, strconv.Itoa(int(b))}] = InventoryEntry{CreatedAt: now, Revision: a.opts.Revision}
		}
	}
	if err := a.writer().record(ctx, set, nil); err != nil {
		return fmt.Errorf("record the reassignment in the inventory (nothing was started): %w", err)
	}
	if throttled {
		if err := setBrokerThrottles(ctx, adm, brokers, throttle); err != nil {
			return err
		}
		if err := a.setTopicThrottles(ctx, byTopic); err != nil {
			return err
		}
	}
	var req kadm.AlterPartitionAssignmentsReq
	for t, ms := range byTopic {
		for _, m := range ms {
			req.Assign(t, m.Partition, m.To)
		}
	}
	resps, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		return fmt.Errorf("start the reassignment: %w", err)
	}
	var errs []string
	resps.Each(func(r kadm.AlterPartitionAssignmentsResponse) {
		if r.Err != nil {
			msg := r.Err.Error()
			if r.ErrMessage != "" {
				msg += ": " + r.ErrMessage
			}
			errs = append(errs, fmt.Sprintf("%s partition %d: %s", r.Topic, r.Partition, msg))
		}
	})
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("the cluster refused moving %s", strings.Join(errs, "; "))
	}
	return nil
}

func changeFor(batch []pendingMove, topic string) Change {
	for _, pm := range batch {
		if pm.change.Name == topic {
			return pm.change
		}
	}
	return Change{}
}

// reassignTarget names what a topic's reassignment moves to, so that a
// later batch of the same reassignment keeps its start and totals.
func reassignTarget(c Change) string {
	for _, f := range c.Fields {
		if f.Path == "replicationFactor" {
			return fmt.Sprintf("rf=%v", f.New)
		}
	}
	return "placement"
}

// setBrokerThrottles sets both replication throttle rates on brokers, in
// one request per broker.
func setBrokerThrottles(ctx context.Context, adm *kadm.Client, brokers map[int32]bool, rate int64) error {
	v := strconv.FormatInt(rate, 10)
	ids := make([]int32, 0, len(brokers))
	for b := range brokers {
		ids = append(ids, b)
	}
	slices.Sort(ids)
	rs, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{
		{Op: kadm.SetConfig, Name: leaderThrottleRate, Value: &v},
		{Op: kadm.SetConfig, Name: followerThrottleRate, Value: &v},
	}, ids...)
	if err == nil {
		for _, r := range rs {
			if r.Err != nil {
				err = fmt.Errorf("broker %s: %w", r.Name, r.Err)
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("set the replication throttle on brokers %s (nothing was moved): %w", strings.Trim(replicaList(ids), "[]"), err)
	}
	return nil
}

// setTopicThrottles names, on each topic, the replicas the brokers'
// rates apply to: the current replicas of every moving partition (they
// send) and the new ones (they receive), those of earlier batches still
// moving included. One IncrementalAlterConfigs request for every topic.
func (a *applier) setTopicThrottles(ctx context.Context, byTopic map[string][]placement.Move) error {
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for t, ms := range byTopic {
		leaders, followers := map[string]bool{}, map[string]bool{}
		if a.opts.Live != nil && a.opts.Live.Cluster != nil {
			for p, m := range a.opts.Live.Cluster.Moving[t] {
				for _, b := range without(m.Replicas, m.Adding) {
					leaders[fmt.Sprintf("%d:%d", p, b)] = true
				}
				for _, b := range m.Adding {
					followers[fmt.Sprintf("%d:%d", p, b)] = true
				}
			}
		}
		for _, m := range ms {
			for _, b := range m.From {
				leaders[fmt.Sprintf("%d:%d", m.Partition, b)] = true
			}
			for _, b := range placement.Adding(m) {
				followers[fmt.Sprintf("%d:%d", m.Partition, b)] = true
			}
		}
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeTopic
		r.ResourceName = t
		for _, kv := range []struct {
			key string
			set map[string]bool
		}{{leaderThrottledReplicas, leaders}, {followerThrottledReplicas, followers}} {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = kv.key
			cfg.Op = kmsg.IncrementalAlterConfigOpSet
			cfg.Value = kmsg.StringPtr(strings.Join(slices.Sorted(maps.Keys(kv.set)), ","))
			r.Configs = append(r.Configs, cfg)
		}
		req.Resources = append(req.Resources, r)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		return fmt.Errorf("set the topics' throttled replicas (nothing was moved): %w", err)
	}
	for _, r := range resp.Resources {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
			return fmt.Errorf("set the throttled replicas of topic %s (nothing was moved): %w", r.ResourceName, err)
		}
	}
	return nil
}

// reassignPoll is how often a waiting apply looks at the reassignments.
var reassignPoll = time.Second

// waitForRoom polls the cluster's reassignments until fewer than
// maxInFlight partitions move (when moves remain to start) or none does,
// reporting progress on the way, and returns how many move.
func (a *applier) waitForRoom(ctx context.Context, adm *kadm.Client, todo []pendingMove, maxInFlight int) (int, error) {
	for {
		moving, err := readReassignments(ctx, a.cl)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, ps := range moving {
			n += len(ps)
		}
		if a.opts.Progress != nil {
			a.opts.Progress(n, len(todo))
		}
		if n == 0 || len(todo) > 0 && n < maxInFlight {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, fmt.Errorf("%w (%d partition(s) still moving: the next apply, or the daemon, resumes it; `kgitops reassign status` shows it)", ctx.Err(), n)
		case <-time.After(reassignPoll):
		}
	}
}

// removeThrottles removes, once nothing moves in the cluster, the broker
// rates and topic lists kgitops set, and its records of them.
func (a *applier) removeThrottles(ctx context.Context, adm *kadm.Client) error {
	inv, err := ReadInventory(ctx, a.cl, a.opts.Inventory)
	if err != nil {
		return err
	}
	var brokers []int32
	var topics []string
	var drop []ResourceKey
	for k, e := range inv.Entries {
		switch {
		case k.Kind == KindThrottle:
			if id, err := strconv.ParseInt(k.Name, 10, 32); err == nil {
				brokers = append(brokers, int32(id))
			}
			drop = append(drop, k)
		case k.Kind == KindReassignment && e.Target != heldTarget:
			topics = append(topics, k.Name)
			drop = append(drop, k)
		}
	}
	if err := unthrottle(ctx, a.cl, adm, brokers, topics); err != nil {
		return err
	}
	return a.writer().record(ctx, nil, drop)
}

// unthrottle removes the replication throttle rates from brokers and the
// throttled-replicas lists from topics.
func unthrottle(ctx context.Context, cl *kgo.Client, adm *kadm.Client, brokers []int32, topics []string) error {
	if len(brokers) > 0 {
		slices.Sort(brokers)
		rs, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{
			{Op: kadm.DeleteConfig, Name: leaderThrottleRate},
			{Op: kadm.DeleteConfig, Name: followerThrottleRate},
		}, brokers...)
		if err == nil {
			for _, r := range rs {
				if r.Err != nil {
					err = fmt.Errorf("broker %s: %w", r.Name, r.Err)
					break
				}
			}
		}
		if err != nil {
			return fmt.Errorf("remove the replication throttle rates: %w", err)
		}
	}
	if len(topics) == 0 {
		return nil
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, t := range topics {
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeTopic
		r.ResourceName = t
		for _, k := range []string{leaderThrottledReplicas, followerThrottledReplicas} {
			cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
			cfg.Name = k
			cfg.Op = kmsg.IncrementalAlterConfigOpDelete
			r.Configs = append(r.Configs, cfg)
		}
		req.Resources = append(req.Resources, r)
	}
	resp, err := cl.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("remove the topics' throttled replicas: %w", err)
	}
	for _, r := range resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil && r.ErrorCode != kerr.UnknownTopicOrPartition.Code {
			return fmt.Errorf("remove the throttled replicas of topic %s: %w", r.ResourceName, err)
		}
	}
	return nil
}

// AwaitReassignments waits until nothing moves in the cluster, reporting
// progress through opts.Progress, then removes the throttles kgitops set
// and forgets its finished reassignments: what an apply does after its
// own moves, for moves an earlier apply (--no-wait) or the daemon
// started.
func AwaitReassignments(ctx context.Context, cl *kgo.Client, opts ApplyOptions) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Inventory = opts.Inventory.withDefaults()
	a := &applier{cl: cl, b: Backends{Kafka: cl}, opts: opts, results: map[string]*Result{}, prior: opts.Known.Entries}
	adm := kadm.NewClient(cl)
	if _, err := a.waitForRoom(ctx, adm, nil, 1); err != nil {
		return err
	}
	return a.removeThrottles(ctx, adm)
}

// Moving says whether the plan shows replicas moving now.
func (p *Plan) Moving() bool {
	for _, pr := range p.Reassignments {
		if pr.Moving > 0 {
			return true
		}
	}
	return false
}

// settleMoves polls the metadata until every moved partition lists its
// new replicas, in order.
func settleMoves(ctx context.Context, adm *kadm.Client, moves []pendingMove) error {
	var topics []string
	for _, pm := range moves {
		if !slices.Contains(topics, pm.change.Name) {
			topics = append(topics, pm.change.Name)
		}
	}
	for {
		td, err := adm.ListTopics(ctx, topics...)
		if err == nil {
			settled := true
			for _, pm := range moves {
				p, ok := td[pm.change.Name].Partitions[pm.move.Partition]
				settled = settled && ok && slices.Equal(p.Replicas, pm.move.To)
			}
			if settled {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the moves are done, but the brokers' metadata does not show them yet: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
