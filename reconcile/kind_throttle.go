package reconcile

import (
	"context"
	"slices"
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
				adm := kadm.NewClient(a.cl)
				var err error
				if tc.Rate != nil && *tc.Rate > 0 {
					brokers := map[int32]bool{}
					for _, b := range tc.Brokers {
						brokers[b] = true
					}
					err = setBrokerThrottles(ctx, adm, brokers, *tc.Rate)
				} else {
					// The rates, and the throttled-replicas lists of the
					// topics whose reassignments are done (the config
					// diff removes them too, for the repo's topics).
					var topics []string
					for _, k := range tc.Records {
						if k.Kind == KindReassignment {
							topics = append(topics, k.Name)
						}
					}
					err = unthrottle(ctx, a.cl, adm, tc.Brokers, topics)
				}
				if err != nil {
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

// ThrottleChange is the executable part of a throttle change: the rates
// of Brokers go (Rate nil, or 0), or are set to *Rate while moves go on.
type ThrottleChange struct {
	Brokers []int32
	Rate    *int64
	Records []ResourceKey // the inventory records to forget
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// throttleName is the one ReplicationThrottle change's name.
const throttleName = "replication"

// diffThrottles removes the throttles kgitops set, once they throttle
// nothing: no reassignment in progress in the cluster, none started by
// this plan.
//
// While moves go on, a throttle rate that differs from the one the repo's
// Settings (or --throttle) asks for now is set to it on the brokers
// kgitops throttled: raising the rate in git speeds up a slow move.
func diffThrottles(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	info := live.Cluster
	var throttled []int32
	for k := range live.Inventory.Entries {
		if k.Kind != KindThrottle {
			continue
		}
		id, err := strconv.ParseInt(k.Name, 10, 32)
		if info == nil || err != nil || len(info.Throttles[int32(id)]) > 0 {
			p.Throttled = true
		}
		if err == nil {
			throttled = append(throttled, int32(id))
		}
	}
	sort.Slice(throttled, func(i, j int) bool { return throttled[i] < throttled[j] })
	if info == nil || info.MovingErr != nil {
		return
	}
	if len(info.Moving) > 0 {
		// Only a rate asked for (in Settings, or with --throttle) is
		// enforced on moves in progress: a plan without one leaves the
		// rate an earlier apply --throttle set.
		if desired.Settings.Reassignment.ThrottleSet || opts.Throttle != nil {
			p.syncThrottle(desired, opts, info, throttled)
		}
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

// syncThrottle sets the rate the repo (or --throttle) asks for on the
// brokers kgitops throttled, while moves go on.
func (p *Plan) syncThrottle(desired *spec.State, opts DiffOptions, info *ClusterInfo, throttled []int32) {
	rate, _, _ := reassignSettings(desired, opts)
	want := strconv.FormatInt(rate, 10)
	tc := &ThrottleChange{Rate: &rate}
	var fields []Field
	for _, b := range throttled {
		for _, key := range []string{leaderThrottleRate, followerThrottleRate} {
			have, set := info.Throttles[b][key]
			switch {
			case rate == 0 && set:
				fields = append(fields, Field{Path: "broker " + strconv.Itoa(int(b)) + " " + key, Old: have})
			case rate > 0 && have != want:
				fields = append(fields, Field{Path: "broker " + strconv.Itoa(int(b)) + " " + key, Old: nilIfEmpty(have), New: want})
			default:
				continue
			}
			if !slices.Contains(tc.Brokers, b) {
				tc.Brokers = append(tc.Brokers, b)
			}
		}
	}
	if len(fields) > 0 {
		p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindThrottle, Name: throttleName, Fields: fields, Payload: tc,
			Sources: []string{"the replication throttle the repo (or --throttle) asks for, while replicas move"}})
	}
}
