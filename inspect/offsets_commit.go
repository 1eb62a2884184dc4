package inspect

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ObserveReset reads what a reset of group on topic needs: the group, the
// topic's log offsets and, for a time, the offsets at that time (one
// ListOffsets request more). It then plans the reset; it commits nothing.
func ObserveReset(ctx context.Context, cl *kgo.Client, group, topic string, t Target, partitions []int32) (Reset, Group, error) {
	adm := kadm.NewClient(cl)
	gs, err := ObserveGroups(ctx, cl, group)
	if err != nil {
		return Reset{}, Group{}, err
	}
	g := gs[0]
	b, err := ObserveBounds(ctx, adm, topic)
	if err != nil {
		return Reset{}, g, err
	}
	if len(b[topic]) == 0 {
		return Reset{}, g, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	var atTime map[int32]int64
	if t.Kind == ToTime {
		listed, err := adm.ListOffsetsAfterMilli(ctx, t.Time.UnixMilli(), topic)
		if err != nil {
			return Reset{}, g, withNeed(fmt.Errorf("list the offsets of %q at %s: %w", topic, t, err), "DESCRIBE", "topic", topic)
		}
		atTime = map[int32]int64{}
		for p, o := range listed[topic] {
			if o.Err != nil {
				return Reset{}, g, fmt.Errorf("list the offsets of %q partition %d at %s: %w", topic, p, t, o.Err)
			}
			atTime[p] = o.Offset
		}
	}
	r, err := PlanReset(g, topic, b, atTime, t, partitions)
	return r, g, err
}

// CommitReset commits the reset's new offsets for its group, as an admin
// (OffsetCommit with generation -1 and no member), which Kafka accepts
// only from outside a group with no members. Each row gets the error of
// its partition, if any; the error returned says how many failed.
func CommitReset(ctx context.Context, adm *kadm.Client, r *Reset) error {
	os := kadm.Offsets{}
	for _, row := range r.Rows {
		os.Add(kadm.Offset{Topic: r.Topic, Partition: row.Partition, At: row.New, LeaderEpoch: -1})
	}
	resp, err := adm.CommitOffsets(ctx, r.Group, os)
	if err != nil {
		return withNeed(fmt.Errorf("commit the offsets of group %q: %w", r.Group, err), "READ", "group", r.Group)
	}
	var errs []error
	for i, row := range r.Rows {
		if o, ok := resp.Lookup(r.Topic, row.Partition); ok && o.Err != nil {
			r.Rows[i].Error = o.Err.Error()
			errs = append(errs, fmt.Errorf("partition %d: %w", row.Partition, o.Err))
		}
	}
	if len(errs) > 0 {
		return withNeed(fmt.Errorf("commit the offsets of group %q on %q: %d of %d partitions failed: %w", r.Group, r.Topic, len(errs), len(r.Rows), errors.Join(errs...)), "READ", "group", r.Group)
	}
	r.Executed = true
	return nil
}
