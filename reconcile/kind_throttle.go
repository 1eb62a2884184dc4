package reconcile

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/spec"
)

// The ReplicationThrottle kind: the broker-level replication throttle
// rates a reassignment set (apply_reassign.go). No document declares it:
// once nothing moves in the cluster and the plan starts no move, the
// plan removes the rates kgitops set (the inventory records which
// brokers), and forgets its records of finished reassignments. The
// topic-level throttled-replicas lists go with the topic's config diff.
func init() {
	register(&kind{
		name:   KindThrottle,
		order:  11, // after the topics' moves are planned
		after:  []string{KindTopic},
		wanted: func(*spec.State, Inventory) bool { return false }, // read with the cluster
		diff:   diffThrottles,
		apply: func(ctx context.Context, a *applier, cs []Change) {
			for _, c := range cs {
				if a.opts.DryRun {
					continue
				}
				tc := c.Payload.(*ThrottleChange)
				if err := unthrottle(ctx, a.cl, kadm.NewClient(a.cl), tc.Brokers, nil); err != nil {
					a.fail(c.Kind, c.Name, err)
				}
			}
		},
		record: func(r *recorder, cs []Change) {
			for _, c := range cs {
				if r.ok(c) {
					for _, k := range c.Payload.(*ThrottleChange).Records {
						r.drop(k)
					}
				}
			}
		},
	})
}

// ThrottleChange is the executable part of a throttle removal.
type ThrottleChange struct {
	Brokers []int32       // whose rates go
	Records []ResourceKey // the inventory records to forget
}

// throttleName is the one ReplicationThrottle change's name.
const throttleName = "replication"

// diffThrottles removes the throttles kgitops set, once they throttle
// nothing: no reassignment in progress in the cluster, none started by
// this plan.
func diffThrottles(p *Plan, _ *spec.State, live *Live, _ DiffOptions) {
	info := live.Cluster
	for k := range live.Inventory.Entries {
		if k.Kind != KindThrottle {
			continue
		}
		id, err := strconv.ParseInt(k.Name, 10, 32)
		if info == nil || err != nil || len(info.Throttles[int32(id)]) > 0 {
			p.Throttled = true
		}
	}
	if info == nil || info.MovingErr != nil || len(info.Moving) > 0 {
		return
	}
	for _, c := range p.Changes {
		if tc, ok := c.Payload.(*TopicChange); ok && tc.Reassign != nil {
			return
		}
	}
	tc := &ThrottleChange{}
	var fields []Field
	for k, e := range live.Inventory.Entries {
		switch k.Kind {
		case KindReassignment:
			if e.Target == heldTarget {
				continue // held until kgitops reassign resume
			}
			tc.Records = append(tc.Records, k)
		case KindThrottle:
			tc.Records = append(tc.Records, k)
			id, err := strconv.ParseInt(k.Name, 10, 32)
			if err != nil {
				continue
			}
			tc.Brokers = append(tc.Brokers, int32(id))
		}
	}
	if len(tc.Records) == 0 {
		return
	}
	sort.Slice(tc.Brokers, func(i, j int) bool { return tc.Brokers[i] < tc.Brokers[j] })
	sort.Slice(tc.Records, func(i, j int) bool {
		return tc.Records[i].Kind < tc.Records[j].Kind || tc.Records[i].Kind == tc.Records[j].Kind && tc.Records[i].Name < tc.Records[j].Name
	})
	for _, b := range tc.Brokers {
		for _, key := range []string{leaderThrottleRate, followerThrottleRate} {
			if v, ok := info.Throttles[b][key]; ok {
				fields = append(fields, Field{Path: "broker " + strconv.Itoa(int(b)) + " " + key, Old: v})
			}
		}
	}
	if len(fields) == 0 {
		var names []string
		for _, k := range tc.Records {
			names = append(names, k.Kind+" "+k.Name)
		}
		fields = append(fields, Field{Path: "records", Old: strings.Join(names, ", ")})
	}
	p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindThrottle, Name: throttleName, Fields: fields, Payload: tc,
		Sources: []string{"kgitops, once the replica moves it started are done"}})
}
