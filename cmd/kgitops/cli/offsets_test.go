package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/inspect/inspecttest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// offsets reset is a dry run by default, commits with --execute, and is
// refused while the group has a member.
func TestOffsetsResetCommand(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		adm := c.Admin(t)
		topic := inspecttest.Topic(t, c, "reset", 2)
		group := kafkatest.Unique("reset-group")
		inspecttest.DeleteGroupAfter(t, adm, group)
		inspecttest.Produce(t, c, topic, map[int32]int{0: 5, 1: 3})
		con := inspecttest.Join(t, c, group, topic, "resetter", false)
		con.Consume(t, 8)
		con.Commit(t, topic, map[int32]int64{0: 5, 1: 3})
		con.Close()

		committed := func() map[int32]int64 {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			os, err := adm.FetchOffsets(ctx, group)
			if err != nil {
				t.Fatal(err)
			}
			out := map[int32]int64{}
			for p, o := range os[topic] {
				out[p] = o.At
			}
			return out
		}
		reset := func(args ...string) result {
			t.Helper()
			return kgitops(t, nil, append([]string{"offsets", "reset", group, "--topic", topic, "--bootstrap-servers", strings.Join(c.Bootstrap, ",")}, args...)...)
		}

		tests := []struct {
			to    []string
			lines [][]string // partition, old, new
		}{
			{[]string{"--to", "earliest"}, [][]string{{"0", "5", "0"}, {"1", "3", "0"}}},
			{[]string{"--to", "-2"}, [][]string{{"0", "5", "3"}, {"1", "3", "1"}}},
			{[]string{"--to=-4", "--partition", "1"}, [][]string{{"1", "3", "0"}}},  // not below the log start
			{[]string{"--to", "100"}, [][]string{{"0", "5", "5"}, {"1", "3", "3"}}}, // not past the end
			{[]string{"--to", "2"}, [][]string{{"0", "5", "2"}, {"1", "3", "2"}}},
			{[]string{"--to", "2001-01-01T00:00:00Z"}, [][]string{{"0", "5", "0"}, {"1", "3", "0"}}},
			{[]string{"--to", "2999-01-01T00:00:00Z"}, [][]string{{"0", "5", "5"}, {"1", "3", "3"}}},
		}
		for _, tt := range tests {
			r := reset(tt.to...)
			if r.code != 0 || !strings.Contains(r.stdout, "dry run, nothing committed") {
				t.Fatalf("offsets reset %v:\n%s", tt.to, r)
			}
			for _, l := range tt.lines {
				if !containsLine(r.stdout, l...) {
					t.Errorf("offsets reset %v: no line %v in\n%s", tt.to, l, r.stdout)
				}
			}
			if strings.Count(r.stdout, "\n") != 3+len(tt.lines) {
				t.Errorf("offsets reset %v: want %d partitions in\n%s", tt.to, len(tt.lines), r.stdout)
			}
		}
		if d := cmp.Diff(map[int32]int64{0: 5, 1: 3}, committed()); d != "" {
			t.Fatalf("a dry run committed (-want +got):\n%s", d)
		}

		r := reset("--to", "-1", "--execute")
		if r.code != 0 || !strings.Contains(r.stdout, "to -1: committed") {
			t.Fatalf("offsets reset --execute:\n%s", r)
		}
		if d := cmp.Diff(map[int32]int64{0: 4, 1: 2}, committed()); d != "" {
			t.Fatalf("after --execute (-want +got):\n%s", d)
		}

		for _, bad := range []struct {
			args []string
			want string
		}{
			{[]string{"--to", "yesterday"}, `--to "yesterday": want earliest, latest`},
			{[]string{"--to", "earliest", "--partition", "7"}, "--partition 7: topic " + `"` + topic + `"` + " has partitions 0 to 1"},
			{[]string{"--to", "earliest", "--topic", kafkatest.Unique("nope")}, "the cluster has no such topic"},
		} {
			if r := reset(bad.args...); r.code != 1 || !strings.Contains(r.stderr, bad.want) {
				t.Errorf("offsets reset %v: want exit 1 and %q\n%s", bad.args, bad.want, r)
			}
		}
		if r := kgitops(t, nil, "offsets", "reset", kafkatest.Unique("nogroup"), "--topic", topic, "--to", "earliest", "--bootstrap-servers", strings.Join(c.Bootstrap, ",")); r.code != 1 || !strings.Contains(r.stderr, "the cluster has no such consumer group") {
			t.Errorf("offsets reset of an unknown group:\n%s", r)
		}

		// A member in the group: refused, dry run or not.
		live := inspecttest.Join(t, c, group, topic, "resetter", false)
		live.Consume(t, 2) // from the committed 4 and 2: one record each
		live.KeepPolling()
		for _, args := range [][]string{{"--to", "earliest"}, {"--to", "earliest", "--execute"}} {
			r := reset(args...)
			want := "Error: group " + group + " has 1 active member (client ids resetter): stop them first; offsets of a live group are overwritten by its next commit\n"
			if r.code != 1 || r.stderr != want || r.stdout != "" {
				t.Errorf("offsets reset %v of an active group: want exit 1 and\n%s\n%s", args, want, r)
			}
		}
		live.Close()
		if d := cmp.Diff(map[int32]int64{0: 4, 1: 2}, committed()); d != "" {
			t.Fatalf("after the refusal (-want +got):\n%s", d)
		}
	})
}
