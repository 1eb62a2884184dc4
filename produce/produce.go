package produce

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Result is the outcome of one input line.
type Result struct {
	Line      int   `json:"line"`
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"` // -1 with acks=0: the broker does not say
	Err       error `json:"-"`
}

// pinKey marks, in a record's context, that its input named the partition.
type pinKey struct{}

// Partitioner sends records whose input names a partition there, and the
// others where kgo's sticky key partitioner would (by key hash, or sticky
// for null keys).
func Partitioner() kgo.Partitioner { return partitioner{kgo.StickyKeyPartitioner(nil)} }

type partitioner struct{ base kgo.Partitioner }

func (p partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return topicPartitioner{p.base.ForTopic(t)}
}

type topicPartitioner struct{ base kgo.TopicPartitioner }

func pinned(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(pinKey{}) != nil
}

func (t topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return pinned(r) || t.base.RequiresConsistency(r)
}

func (t topicPartitioner) Partition(r *kgo.Record, n int) int {
	if pinned(r) {
		return int(r.Partition)
	}
	return t.base.Partition(r, n)
}

func (t topicPartitioner) OnNewBatch() {
	if o, ok := t.base.(kgo.TopicPartitionerOnNewBatch); ok {
		o.OnNewBatch()
	}
}

// MaxLine is the longest input line Lines reads.
const MaxLine = 16 << 20

// Lines produces each line of in (empty lines skipped) to topic through cl,
// which must use Partitioner, and calls done with each record's result, in
// the order the brokers acknowledge them. It stops at the first line that
// cannot become a record, after the records before it are acknowledged,
// and returns that *InputError; a record the brokers refuse is in its
// Result and the error returned at the end.
func Lines(ctx context.Context, cl *kgo.Client, topic string, c Codec, in io.Reader, done func(Result)) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	var inputErr error
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			continue
		}
		r, pin, err := c.Record(n, line)
		if err != nil {
			inputErr = err
			break
		}
		if err := ProduceOne(ctx, cl, topic, r, pin, n, &wg, func(res Result) {
			mu.Lock()
			defer mu.Unlock()
			if res.Err != nil && first == nil {
				first = res.Err
			}
			done(res)
		}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && inputErr == nil {
		inputErr = fmt.Errorf("read input: %w", err)
		if errors.Is(err, bufio.ErrTooLong) {
			inputErr = &InputError{Line: n + 1, Err: fmt.Errorf("longer than %d bytes", MaxLine)}
		}
	}
	wg.Wait()
	if inputErr != nil {
		return inputErr
	}
	return first
}

// ProduceOne sends r, the record of input line n, and calls done when the
// brokers acknowledge it; wg counts it until then.
func ProduceOne(ctx context.Context, cl *kgo.Client, topic string, r *kgo.Record, pin bool, n int, wg *sync.WaitGroup, done func(Result)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.Topic = topic
	r.Context = ctx
	if pin {
		r.Context = context.WithValue(ctx, pinKey{}, true)
	}
	wg.Add(1)
	cl.Produce(r.Context, r, func(r *kgo.Record, err error) {
		defer wg.Done()
		res := Result{Line: n, Partition: r.Partition, Offset: r.Offset}
		if err != nil {
			res.Err = fmt.Errorf("line %d: produce to %q partition %d: %w", n, topic, r.Partition, err)
		}
		done(res)
	})
	return nil
}
