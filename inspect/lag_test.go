package inspect_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/inspect"
	"github.com/kgitops/kgitops/inspect/inspecttest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

func TestLags(t *testing.T) {
	b := inspect.Bounds{"t": {0: {Start: 0, End: 10}, 1: {Start: 2, End: 5}, 2: {Start: 0, End: 7}}, "u": {0: {Start: 0, End: 3}}}
	tests := []struct {
		name string
		g    inspect.Group
		want inspect.GroupLag
	}{
		{
			name: "empty group with commits on some partitions",
			g:    inspect.Group{Name: "g", State: "Empty", Committed: map[string]map[int32]int64{"t": {0: 4, 1: 5}}},
			want: inspect.GroupLag{Group: "g", State: "Empty", Lag: 6, Topics: []inspect.TopicLag{{Topic: "t", Lag: 6, Partitions: []inspect.PartitionLag{
				{Partition: 0, Committed: 4, End: 10, Lag: 6},
				{Partition: 1, Committed: 5, End: 5, Lag: 0},
				{Partition: 2, Committed: -1, End: 7, Lag: -1}, // no commit: no lag to tell, out of the total
			}}}},
		},
		{
			name: "partitions without a commit have no lag",
			g: inspect.Group{Name: "g", State: "Stable",
				Members:   []inspect.Member{{ClientID: "c1", Assigned: map[string][]int32{"t": {1, 2}}}, {ClientID: "c2", Assigned: map[string][]int32{"u": {0}}}},
				Committed: map[string]map[int32]int64{"t": {1: 3}, "u": {0: 9}}},
			want: inspect.GroupLag{Group: "g", State: "Stable", Members: 2, Lag: 2, Topics: []inspect.TopicLag{
				{Topic: "t", Lag: 2, Partitions: []inspect.PartitionLag{
					{Partition: 0, Committed: -1, End: 10, Lag: -1},
					{Partition: 1, Committed: 3, End: 5, Lag: 2, Member: "c1"},
					{Partition: 2, Committed: -1, End: 7, Lag: -1, Member: "c1"},
				}},
				// A commit past the end (the log was truncated) is no lag.
				{Topic: "u", Lag: 0, Partitions: []inspect.PartitionLag{{Partition: 0, Committed: 9, End: 3, Lag: 0, Member: "c2"}}},
			}},
		},
		{
			name: "unknown end offset",
			g:    inspect.Group{Name: "g", State: "Empty", Committed: map[string]map[int32]int64{"gone": {0: 1}}},
			want: inspect.GroupLag{Group: "g", State: "Empty", Topics: []inspect.TopicLag{{Topic: "gone", Partitions: []inspect.PartitionLag{{Partition: 0, Committed: 1, End: -1, Lag: -1}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, inspect.Lags(tt.g, b)); d != "" {
				t.Errorf("Lags (-want +got):\n%s", d)
			}
		})
	}
}

func TestMinLag(t *testing.T) {
	lags := []inspect.GroupLag{
		{Group: "a", Lag: 12, Topics: []inspect.TopicLag{{Topic: "t", Lag: 10}, {Topic: "u", Lag: 2}}},
		{Group: "b", Lag: 3, Topics: []inspect.TopicLag{{Topic: "t", Lag: 3}}},
	}
	tests := []struct {
		min  int64
		want []string
	}{
		{0, []string{"a/t", "a/u", "b/t"}},
		{3, []string{"a/t", "b/t"}},
		{5, []string{"a/t"}},
		{11, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, g := range inspect.MinLag(lags, tt.min) {
			var sum int64
			for _, tl := range g.Topics {
				got = append(got, g.Group+"/"+tl.Topic)
				sum += tl.Lag
			}
			if sum != g.Lag {
				t.Errorf("--min-lag %d: group %s total %d, want the sum of its topics %d", tt.min, g.Group, g.Lag, sum)
			}
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("--min-lag %d (-want +got):\n%s", tt.min, d)
		}
	}
}

// After a consumer reads N records and commits k of them, the lag is N-k,
// by partition.
func TestLagAfterCommit(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := inspecttest.Topic(t, c, "lag", 3)
		group := kafkatest.Unique("lag-group")
		cl := c.Client(t)
		adm := kadm.NewClient(cl)
		inspecttest.Produce(t, c, topic, map[int32]int{0: 5, 1: 3, 2: 2}) // N = 10
		inspecttest.DeleteGroupAfter(t, adm, group)
		con := inspecttest.Join(t, c, group, topic, "lagger", false)
		con.Consume(t, 10)
		con.Commit(t, topic, map[int32]int64{0: 4, 1: 1, 2: 0}) // k = 5
		con.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		gs, err := inspect.ObserveGroups(ctx, cl, group)
		if err != nil {
			t.Fatal(err)
		}
		b, err := inspect.ObserveBounds(ctx, adm, gs[0].Topics()...)
		if err != nil {
			t.Fatal(err)
		}
		got := inspect.Lags(gs[0], b)
		want := inspect.GroupLag{Group: group, State: "Empty", Lag: 5, Topics: []inspect.TopicLag{{Topic: topic, Lag: 5, Partitions: []inspect.PartitionLag{
			{Partition: 0, Committed: 4, End: 5, Lag: 1},
			{Partition: 1, Committed: 1, End: 3, Lag: 2},
			{Partition: 2, Committed: 0, End: 2, Lag: 2},
		}}}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("lag (-want +got):\n%s", d)
		}

		// All groups: this one is among them.
		all, err := inspect.ObserveGroups(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range all {
			found = found || g.Name == group
		}
		if !found {
			t.Errorf("ObserveGroups() without names misses %s", group)
		}
		if _, err := inspect.ObserveGroups(ctx, cl, kafkatest.Unique("nogroup")); !errors.Is(err, inspect.ErrNoGroup) {
			t.Errorf("an unknown group: got %v, want ErrNoGroup", err)
		}
	})
}
