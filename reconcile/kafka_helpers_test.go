package reconcile

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// alterTopicConfig changes a topic behind kgitops' back.
func alterTopicConfig(t *testing.T, c *kafkatest.Cluster, topic, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := c.Admin(t).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: key, Value: kadm.StringPtr(value)}}, topic)
	if err == nil {
		_, err = rs.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("alter %s of %s: %v", key, topic, err)
	}
	// A real broker answers DescribeConfigs with the old value for a
	// moment: wait until it shows the new one, as the plan that follows
	// must see it.
	for {
		rcs, err := c.Admin(t).DescribeTopicConfigs(ctx, topic)
		if err == nil {
			if rc, err := rcs.On(topic, nil); err == nil && slices.ContainsFunc(rc.Configs, func(cfg kadm.Config) bool {
				return cfg.Key == key && cfg.MaybeValue() == value
			}) {
				return
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the broker never showed %s=%s on %s", key, value, topic)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createForeignTopic creates a topic behind kgitops' back.
func createForeignTopic(t *testing.T, c *kafkatest.Cluster, name string) {
	t.Helper()
	createForeignTopicWith(t, c, name, 1)
}

// createForeignTopicWith creates a topic of n partitions behind kgitops'
// back, and waits until brokers show it.
func createForeignTopicWith(t *testing.T, c *kafkatest.Cluster, name string, n int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := c.Admin(t)
	resp, err := adm.CreateTopic(ctx, n, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	kafkatest.WaitForTopics(t, adm, name)
}
