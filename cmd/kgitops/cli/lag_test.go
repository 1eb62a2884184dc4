package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/inspect/inspecttest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// lag shows a group's lag per topic, in total and by partition, after
// its consumer committed part of what it read; --min-lag filters, and
// --watch prints a block each interval when not on a terminal. describe
// group shows the member and its assignment.
func TestLagCommand(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		adm := c.Admin(t)
		topic := inspecttest.Topic(t, c, "lagcmd", 2)
		group := kafkatest.Unique("lag-cmd")
		inspecttest.DeleteGroupAfter(t, adm, group)
		inspecttest.Produce(t, c, topic, map[int32]int{0: 6, 1: 4}) // N = 10
		con := inspecttest.Join(t, c, group, topic, "lag-reader", false)
		con.Consume(t, 10)
		con.Commit(t, topic, map[int32]int64{0: 5, 1: 1}) // k = 6
		boot := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ",")}

		con.KeepPolling()
		r := kgitops(t, nil, append([]string{"describe", "group", group}, boot...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "Group "+group+": classic consumer group, state Stable, assignor range") ||
			!containsLine(r.stdout, "lag-reader", topic+"[0,1]") || !strings.Contains(r.stdout, "total lag 4") ||
			!containsLine(r.stdout, topic, "0", "5", "6", "1", "lag-reader") || !containsLine(r.stdout, topic, "1", "1", "4", "3", "lag-reader") {
			t.Errorf("describe group:\n%s", r)
		}
		r = kgitops(t, nil, append([]string{"describe", "group", group, "-o", "json"}, boot...)...)
		var g struct {
			Group, Type, State string
			Members            []struct {
				ClientID string
				Host     string
				Assigned map[string][]int32
			}
			Lag struct{ Lag int64 }
		}
		if err := json.Unmarshal([]byte(r.stdout), &g); err != nil || r.code != 0 || g.Type != "classic" || len(g.Members) != 1 ||
			g.Members[0].ClientID != "lag-reader" || g.Members[0].Host == "" || len(g.Members[0].Assigned[topic]) != 2 || g.Lag.Lag != 4 {
			t.Errorf("describe group -o json: %v %+v\n%s", err, g, r)
		}
		con.Close()
		if r := kgitops(t, nil, append([]string{"describe", "group", kafkatest.Unique("nogroup")}, boot...)...); r.code != 1 || !strings.Contains(r.stderr, "the cluster has no such consumer group") {
			t.Errorf("describe of an unknown group:\n%s", r)
		}

		r = kgitops(t, nil, append([]string{"lag", group}, boot...)...)
		if r.code != 0 || !containsLine(r.stdout, group, "Empty", "0", topic, "4", "0:1", "1:3") {
			t.Errorf("lag %s:\n%s", group, r)
		}
		if r := kgitops(t, nil, append([]string{"lag", group, "--min-lag", "5"}, boot...)...); r.code != 0 || r.stdout != "No consumer group to show.\n" {
			t.Errorf("lag --min-lag 5:\n%s", r)
		}
		if r := kgitops(t, nil, append([]string{"lag", "--min-lag", "4"}, boot...)...); r.code != 0 || !strings.Contains(r.stdout, group) {
			t.Errorf("lag of every group --min-lag 4:\n%s", r)
		}
		r = kgitops(t, nil, append([]string{"lag", group, "-o", "json"}, boot...)...)
		var lags []struct {
			Group  string
			Lag    int64
			Topics []struct {
				Topic      string
				Lag        int64
				Partitions []struct{ Partition, Lag int64 }
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &lags); err != nil || len(lags) != 1 || lags[0].Lag != 4 || len(lags[0].Topics) != 1 || len(lags[0].Topics[0].Partitions) != 2 {
			t.Errorf("lag -o json: %v %+v\n%s", err, lags, r)
		}
		if r := kgitops(t, nil, append([]string{"lag", kafkatest.Unique("nogroup")}, boot...)...); r.code != 1 || !strings.Contains(r.stderr, "the cluster has no such consumer group") {
			t.Errorf("lag of an unknown group:\n%s", r)
		}

		// --watch, not on a terminal: a new block each interval, no ANSI codes.
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		var out, errb bytes.Buffer
		code := Run(ctx, append([]string{"lag", group, "--watch", "--interval", "400ms"}, boot...), &out, &errb, func(string) string { return "" })
		if code != 0 || strings.Count(out.String(), "GROUP ") < 2 || strings.Contains(out.String(), "\x1b[") {
			t.Errorf("lag --watch: exit %d\n%s\n%s", code, out.String(), errb.String())
		}
	})
}
