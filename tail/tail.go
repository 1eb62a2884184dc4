package tail

import (
	"context"
	"io"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/payload"
)

// Options say what to tail and how to show it.
type Options struct {
	Topic      string
	Partitions []int32 // empty: all
	From       From
	Follow     bool // keep waiting for new records; else stop at the end seen at the start
	Limit      int  // stop after this many records printed; 0: no limit
	Filter     *Filter
	Decoder    *payload.Decoder
	Write      func(io.Writer, Record) error // WriteText or WriteJSON
	// Committed reads as a read_committed consumer does: records of
	// aborted and open transactions are not shown, and without Follow tail
	// stops at the last stable offset. The client must have CommittedOpt.
	Committed bool
}

// Run tails o.Topic through cl, which must consume nothing else, and writes
// the records that pass the filter to w. It returns how many it wrote.
func Run(ctx context.Context, cl *kgo.Client, o Options, w io.Writer) (int, error) {
	pos, err := seek(ctx, kadm.NewClient(cl), o.Topic, o.Partitions, o.From, o.Committed)
	if err != nil {
		return 0, err
	}
	dec := o.Decoder
	if dec == nil {
		dec = payload.NewDecoder(nil)
	}
	write := o.Write
	if write == nil {
		write = WriteText
	}
	n := 0
	err = Consume(ctx, cl, o.Topic, pos, o.Follow, func(kr *kgo.Record) error {
		r := Decode(ctx, dec, kr)
		if o.Filter != nil && !o.Filter.Match(r) {
			return nil
		}
		if err := write(w, r); err != nil {
			return err
		}
		n++
		if o.Limit > 0 && n >= o.Limit {
			return ErrStop
		}
		return nil
	})
	return n, err
}
