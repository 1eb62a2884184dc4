package tail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// newTopic creates a Unique topic with n partitions, deleted when the test
// ends.
func newTopic(t testing.TB, c *kafkatest.Cluster, prefix string, n int32) string {
	t.Helper()
	adm := c.Admin(t)
	name := kafkatest.Unique(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := adm.CreateTopic(ctx, n, 1, nil, name)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, name)
	})
	kafkatest.WaitForTopics(t, adm, name)
	return name
}

// produceSync writes records, stopping the test on an error.
func produceSync(t testing.TB, cl *kgo.Client, rs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// tailed is what a test reads back from -o json.
type tailed struct {
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	Timestamp string          `json:"timestamp"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Headers   map[string]any  `json:"headers"`
}

// run tails with o (WriteJSON) on a fresh client and returns the records.
func run(t testing.TB, c *kafkatest.Cluster, o Options, opts ...kgo.Opt) []tailed {
	t.Helper()
	cl := c.Client(t, append(ClientOpts(), opts...)...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o.Write = WriteJSON
	var out bytes.Buffer
	if _, err := Run(ctx, cl, o, &out); err != nil {
		t.Fatalf("tail %+v: %v", o, err)
	}
	return parse(t, out.Bytes())
}

func parse(t testing.TB, b []byte) []tailed {
	t.Helper()
	var out []tailed
	d := json.NewDecoder(bytes.NewReader(b))
	for d.More() {
		var r tailed
		if err := d.Decode(&r); err != nil {
			t.Fatalf("parse tail output: %v\n%s", err, b)
		}
		out = append(out, r)
	}
	return out
}

// offsets lists "partition:offset" of each record.
func offsets(rs []tailed) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%d:%d", r.Partition, r.Offset))
	}
	return out
}
