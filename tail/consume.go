package tail

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ClientOpts are the options a client that Consume reads with needs.
func ClientOpts() []kgo.Opt { return []kgo.Opt{kgo.KeepControlRecords()} }

// CommittedOpt makes the client read as a read_committed consumer (see
// Options.Committed).
func CommittedOpt() kgo.Opt { return kgo.FetchIsolationLevel(kgo.ReadCommitted()) }

// ErrStop, returned by a Consume callback, ends Consume without an error.
var ErrStop = errors.New("stop tailing")

// Consume reads the topic's partitions from their Start offsets, directly
// (it joins no group and commits nothing), and calls each for every record
// in offset order per partition. Without follow it returns once every
// partition has reached the End it had when Seek ran; with follow it runs
// until ctx ends (which is no error) or each returns an error (ErrStop:
// none).
//
// cl must not consume anything else, and should be made with
// kgo.KeepControlRecords (ClientOpts): a transaction's commit or abort
// marker takes an offset too, often the last one, and only a delivered
// marker tells Consume that a partition is done. Consume never passes
// markers to each.
func Consume(ctx context.Context, cl *kgo.Client, topic string, pos []Position, follow bool, each func(*kgo.Record) error) error {
	offsets := make(map[int32]kgo.Offset, len(pos))
	ends := make(map[int32]int64, len(pos)) // partitions still to finish, without follow
	for _, p := range pos {
		offsets[p.Partition] = kgo.NewOffset().At(p.Start)
		if !follow && p.Start < p.End {
			ends[p.Partition] = p.End
		}
	}
	if !follow && len(ends) == 0 {
		return nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets})
	defer cl.PurgeTopicsFromConsuming(topic)

	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			if follow {
				return nil
			}
			return ctx.Err()
		}
		for _, fe := range fs.Errors() {
			if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
				continue
			}
			return fmt.Errorf("fetch %q partition %d: %w", fe.Topic, fe.Partition, fe.Err)
		}
		var err error
		fs.EachRecord(func(r *kgo.Record) {
			if err != nil {
				return
			}
			if !follow {
				end, ok := ends[r.Partition]
				if !ok {
					return // finished: a later record than the end seen at the start
				}
				if r.Offset+1 >= end {
					delete(ends, r.Partition)
				}
				if r.Offset >= end {
					return
				}
			}
			if r.Attrs.IsControl() {
				return
			}
			err = each(r)
		})
		if errors.Is(err, ErrStop) {
			return nil
		}
		if err != nil {
			return err
		}
		if !follow && len(ends) == 0 {
			return nil
		}
	}
}
