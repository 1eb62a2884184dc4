package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A broker that dies while it carries a CreateTopics request leaves the
// outcome unknown: the active controller may have committed some or all
// of the topics before the connection broke or the answer timed out. The
// request is then retried (by kgo, or by the broker that forwards it to a
// newly elected controller), and the retry finds the topics the first
// attempt created: TOPIC_ALREADY_EXISTS, for topics this very apply made.
// So apply does not guess from the error. It asks again: a creation whose
// outcome is unknown is sent once more, and a topic that turns out to
// exist already is looked at, and counted as created when no other apply
// of the inventory recorded it meanwhile (that would be a race this apply
// lost) and it is exactly what the change declares (it is then owned:
// this apply's intent covers it). Found by killing the active controller mid-apply on a 3-node
// cluster (TestABrokerKilledMidApply in cmd/kgitops/cli): 1,600 topics
// created were reported as failed with TOPIC_ALREADY_EXISTS.

// recheckCreates settles the creations among creates whose outcome the
// first attempt left unknown (a.unsure) or that found their topic there
// (a.exists).
func (a *applier) recheckCreates(ctx context.Context, creates []Change) {
	if a.opts.DryRun {
		return
	}
	var again []Change
	for _, c := range creates {
		k := ResourceKey{KindTopic, c.Name}
		if a.unsure[k] {
			delete(a.unsure, k)
			a.results[c.Kind+"/"+c.Name].Err = nil
			again = append(again, c)
		}
	}
	for _, b := range batches(again, func(c Change) int { return 1 + int(topicPayload(c).Partitions) + len(topicPayload(c).SetConfigs) }) {
		if !a.fenced(ctx, b) {
			a.createTopics(ctx, b)
		}
	}
	var there []Change
	for _, c := range creates {
		if a.exists[ResourceKey{KindTopic, c.Name}] {
			there = append(there, c)
		}
	}
	if len(there) == 0 {
		return
	}
	// Another apply of this inventory that created the topic meanwhile
	// recorded it (an intent, before creating it): that apply won the
	// race, and this one reports it lost (see inventory_race.go).
	others, err := a.othersInventory(ctx)
	for wait := time.Second; err != nil && wait <= 16*time.Second && ctx.Err() == nil; wait *= 2 {
		// The inventory's leader may be the broker that died, until the
		// controller fences it (3-20 s).
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			others, err = a.othersInventory(ctx)
		}
	}
	if err != nil {
		a.unknown(there, err)
		return
	}
	there = slices.DeleteFunc(there, func(c Change) bool {
		k := ResourceKey{KindTopic, c.Name}
		if _, theirs := others.Entries[k]; theirs {
			a.raced[k] = true
			return true
		}
		return false
	})
	if len(there) == 0 {
		return
	}
	found, err := a.describeCreated(ctx, there)
	for _, c := range there {
		k := ResourceKey{KindTopic, c.Name}
		r := a.results[c.Kind+"/"+c.Name]
		switch why := found[c.Name]; {
		case err != nil:
			a.unknown([]Change{c}, err)
		case why != "":
			r.Err = fmt.Errorf("%w, and not as declared: %s", r.Err, why)
			a.raced[k] = true
		default:
			r.Err = nil // created by an attempt of this apply's request
		}
	}
}

// describeCreated waits, up to 30 s, until the brokers show the topics
// of cs, and says for each how it differs from its creation ("" when it
// does not).
func (a *applier) describeCreated(ctx context.Context, cs []Change) (map[string]string, error) {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitForTopics(wctx, a.cl, names, nil); err != nil {
		return nil, err
	}
	md, err := readMetadata(ctx, a.cl)
	if err != nil {
		return nil, err
	}
	shape := map[string][2]int{} // partitions, replicas of partition 0
	for _, t := range md.Topics {
		if t.Topic != nil && len(t.Partitions) > 0 {
			rf := 0
			for _, p := range t.Partitions {
				if p.Partition == 0 {
					rf = len(p.Replicas)
				}
			}
			shape[*t.Topic] = [2]int{len(t.Partitions), rf}
		}
	}
	rcs, err := kadm.NewClient(a.cl).DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("describe the configs of %d topics: %w", len(names), err)
	}
	overrides := map[string]map[string]string{}
	for _, rc := range rcs {
		if rc.Err != nil {
			return nil, fmt.Errorf("describe the configs of %q: %w", rc.Name, rc.Err)
		}
		m := map[string]string{}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				m[c.Key] = c.MaybeValue()
			}
		}
		overrides[rc.Name] = m
	}
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = createdDiffers(topicPayload(c), shape[c.Name], overrides[c.Name])
	}
	return out, nil
}

// createdDiffers says how a live topic (partitions and replication
// factor, its overrides) differs from the creation tc, or "".
func createdDiffers(tc *TopicChange, shape [2]int, overrides map[string]string) string {
	partitions, rf := int(tc.Partitions), int(tc.ReplicationFactor)
	if len(tc.Assignment) > 0 {
		partitions, rf = len(tc.Assignment), len(tc.Assignment[0])
	}
	var diffs []string
	if partitions > 0 && shape[0] != partitions {
		diffs = append(diffs, fmt.Sprintf("%d partition(s), not %d", shape[0], partitions))
	}
	if rf > 0 && shape[1] != rf {
		diffs = append(diffs, fmt.Sprintf("replication factor %d, not %d", shape[1], rf))
	}
	for _, k := range sortedKeys(tc.SetConfigs) {
		got, ok := overrides[k]
		if want := tc.SetConfigs[k]; !ok || strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(want, " ", "") {
			diffs = append(diffs, fmt.Sprintf("%s is %q, not %q", k, got, want))
		}
	}
	for _, k := range sortedKeys(overrides) {
		if _, ok := tc.SetConfigs[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s is set (%q)", k, overrides[k]))
		}
	}
	return strings.Join(diffs, "; ")
}

// unknown reports the creations of cs, which found their topic there, as
// not known to be this apply's: their intents are kept (a.unsure), for
// the next apply to confirm against the live state, so that a topic this
// apply did create is never left unowned.
func (a *applier) unknown(cs []Change, err error) {
	for _, c := range cs {
		a.unsure[ResourceKey{KindTopic, c.Name}] = true
		r := a.results[c.Kind+"/"+c.Name]
		r.Err = fmt.Errorf("%w (could not tell whether an earlier attempt of this apply created it: %v)%s", r.Err, err, mayExist)
	}
}
