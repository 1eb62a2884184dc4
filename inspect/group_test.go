package inspect_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/inspect"
	"github.com/kgitops/kgitops/inspect/inspecttest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A group's members show with their client id, host and assignment, and
// its committed offsets with the lag, for a classic group and a KIP-848
// one alike.
func TestDescribeGroupMembers(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		for _, tt := range []struct {
			name    string
			nextGen bool
			typ     string
		}{
			{"classic", false, inspect.TypeClassic},
			{"kip848", true, inspect.TypeConsumer},
		} {
			t.Run(tt.name, func(t *testing.T) {
				topic := inspecttest.Topic(t, c, "members", 2)
				group := kafkatest.Unique("members-" + tt.name)
				cl := c.Client(t)
				adm := kadm.NewClient(cl)
				inspecttest.Produce(t, c, topic, map[int32]int{0: 3, 1: 4})
				inspecttest.DeleteGroupAfter(t, adm, group) // after the member left: cleanups run last first
				con := inspecttest.Join(t, c, group, topic, "reader-"+tt.name, tt.nextGen)
				con.Consume(t, 7)
				con.Commit(t, topic, map[int32]int64{0: 3, 1: 1})
				con.KeepPolling()

				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				var g inspect.Group
				// The assignment shows once the member has it (KIP-848:
				// once its heartbeat acknowledged it).
				for {
					gs, err := inspect.ObserveGroups(ctx, cl, group)
					if err != nil {
						t.Fatal(err)
					}
					g = gs[0]
					if len(g.Members) == 1 && len(g.Members[0].Assigned[topic]) == 2 {
						break
					}
					if ctx.Err() != nil {
						t.Fatalf("the member never showed its assignment: %+v", g)
					}
					time.Sleep(200 * time.Millisecond)
				}
				if g.Type != tt.typ || g.State != "Stable" || len(g.Members) != 1 {
					t.Fatalf("group %+v: want type %s, state Stable, 1 member", g, tt.typ)
				}
				m := g.Members[0]
				if m.ClientID != "reader-"+tt.name || m.Host == "" || m.ID == "" {
					t.Errorf("member %+v: want client id reader-%s, a host and a member id", m, tt.name)
				}
				if d := cmp.Diff(map[string][]int32{topic: {0, 1}}, m.Assigned); d != "" {
					t.Errorf("assignment (-want +got):\n%s", d)
				}
				b, err := inspect.ObserveBounds(ctx, adm, g.Topics()...)
				if err != nil {
					t.Fatal(err)
				}
				d := inspect.DescribeGroup(g, b)
				want := []inspect.PartitionLag{
					{Partition: 0, Committed: 3, End: 3, Lag: 0, Member: "reader-" + tt.name},
					{Partition: 1, Committed: 1, End: 4, Lag: 3, Member: "reader-" + tt.name},
				}
				if len(d.Lag.Topics) != 1 || d.Lag.Lag != 3 {
					t.Fatalf("lag %+v: want 3 on one topic", d.Lag)
				}
				if diff := cmp.Diff(want, d.Lag.Topics[0].Partitions); diff != "" {
					t.Errorf("partitions (-want +got):\n%s", diff)
				}
				con.Close()
			})
		}
	})
}
