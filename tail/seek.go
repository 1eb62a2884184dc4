package tail

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
)

// ErrNoTopic is a topic the cluster does not have.
var ErrNoTopic = errors.New("no such topic")

// Position is where tailing a partition starts, and where its log ended
// when tailing began.
type Position struct {
	Partition int32
	Start     int64 // the first offset to read
	End       int64 // the end offset (high watermark) when Seek ran
}

// Seek lists the offsets of the topic's partitions (all of them when
// partitions is empty) and works out where From starts in each. It reads
// no record: only ListOffsets requests (by timestamp for a time).
func Seek(ctx context.Context, adm *kadm.Client, topic string, partitions []int32, from From) ([]Position, error) {
	return seek(ctx, adm, topic, partitions, from, false)
}

// seek is Seek; with committed, the end of each partition is its last
// stable offset, where a read_committed consumer stops.
func seek(ctx context.Context, adm *kadm.Client, topic string, partitions []int32, from From, committed bool) ([]Position, error) {
	tds, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("metadata of %q: %w", topic, err)
	}
	td, ok := tds[topic]
	if !ok || td.Err != nil {
		return nil, fmt.Errorf("topic %q: %w", topic, ErrNoTopic)
	}
	all := td.Partitions.Numbers()
	slices.Sort(all)
	parts := all
	if len(partitions) > 0 {
		parts = slices.Clone(partitions)
		slices.Sort(parts)
		parts = slices.Compact(parts)
		for _, p := range parts {
			if !slices.Contains(all, p) {
				n := fmt.Sprintf("%d partitions", len(all))
				if len(all) == 1 {
					n = "1 partition"
				}
				return nil, fmt.Errorf("topic %q has no partition %d (it has %s)", topic, p, n)
			}
		}
	}

	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("start offsets of %q: %w", topic, err)
	}
	listEnds := adm.ListEndOffsets
	if committed {
		listEnds = adm.ListCommittedOffsets
	}
	ends, err := listEnds(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %q: %w", topic, err)
	}
	var at kadm.ListedOffsets
	if from.kind == fromTime {
		at, err = adm.ListOffsetsAfterMilli(ctx, from.at.UnixMilli(), topic)
		if err == nil {
			err = at.Error()
		}
		if err != nil {
			return nil, fmt.Errorf("offsets of %q at %s: %w", topic, from, err)
		}
	}

	out := make([]Position, 0, len(parts))
	for _, p := range parts {
		s, ok1 := starts.Lookup(topic, p)
		e, ok2 := ends.Lookup(topic, p)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("no offsets listed for %q partition %d", topic, p)
		}
		a := e.Offset
		if o, ok := at.Lookup(topic, p); ok {
			a = o.Offset
		}
		out = append(out, Position{Partition: p, Start: from.startIn(s.Offset, e.Offset, a), End: e.Offset})
	}
	return out, nil
}
