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

// RecordsError says that the brokers refused some records; each is in
// its Result, already reported through done.
type RecordsError struct{ First error }

func (e *RecordsError) Error() string { return "some records were not written: " + e.First.Error() }
func (e *RecordsError) Unwrap() error { return e.First }

// MaxLine is the longest input line Lines reads.
const MaxLine = 16 << 20

// Lines produces each line of in (empty lines skipped) to topic through cl,
// which must use Partitioner, and calls done with each record's result, in
// the order the brokers acknowledge them. It stops at the first line that
// cannot become a record, after the records before it are acknowledged,
// and returns that *InputError; a record the brokers refuse is in its
// Result, and Lines then returns a *RecordsError.
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
			inputErr = err // stopped (Ctrl-C): the records sent are still waited for
			break
		}
	}
	if err := sc.Err(); err != nil && inputErr == nil {
		inputErr = fmt.Errorf("read input: %w", err)
		if errors.Is(err, bufio.ErrTooLong) {
			inputErr = &InputError{Line: n + 1, Err: fmt.Errorf("longer than %d bytes", MaxLine)}
		}
	}
	wg.Wait() // on every path: no callback runs after Lines returns
	if inputErr != nil {
		return inputErr
	}
	if first != nil {
		return &RecordsError{First: first}
	}
	return nil
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
		var avail int
		switch {
		case err == nil:
		case pin && fmtScan(err.Error(), &avail):
			// kgo's own wording ("invalid record partitioning choice of 5
			// from 3 available") says less than this.
			res.Err = &InputError{Line: n, Err: fmt.Errorf("partition %d: topic %q has partitions 0 to %d", r.Partition, topic, avail-1)}
		default:
			res.Err = fmt.Errorf("line %d: produce to %q partition %d: %w", n, topic, r.Partition, err)
		}
		done(res)
	})
	return nil
}

// fmtScan reads the partition count out of kgo's error for a record sent
// to a partition the topic does not have.
func fmtScan(msg string, avail *int) bool {
	var pick int
	n, _ := fmt.Sscanf(msg, "invalid record partitioning choice of %d from %d available", &pick, avail)
	return n == 2
}
