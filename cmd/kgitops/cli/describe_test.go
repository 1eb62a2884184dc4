package cli

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/inspect/inspecttest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// describe topic shows the partitions with their offsets, a config
// changed outside kgitops as drift from the repo, and the groups reading
// the topic with their lag.
func TestDescribeTopicCommand(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("described")
		adm := c.Admin(t)
		dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 2, "retention.ms: 2d")})
		inspecttest.DeleteTopicAfter(t, adm, name)
		if r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, kafkatest.Unique("inv"))...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		kafkatest.WaitForTopics(t, adm, name)
		boot := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ",")}

		r := kgitops(t, nil, append([]string{"describe", "topic", name, "--dir", dir}, boot...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "Declared at "+dir+"/t.yaml:2, and the cluster matches it") {
			t.Fatalf("describe topic in sync with the repo:\n%s", r)
		}

		// Out of band: someone shortens the retention, and a group reads.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		hour := "3600000"
		if _, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: &hour}}, name); err != nil {
			t.Fatal(err)
		}
		// The broker shows the change a moment after the controller took it.
		for {
			rcs, err := adm.DescribeTopicConfigs(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if rc, err := rcs.On(name, nil); err == nil && slices.ContainsFunc(rc.Configs, func(c kadm.Config) bool {
				return c.Key == "retention.ms" && c.Value != nil && *c.Value == hour
			}) {
				break
			}
			if ctx.Err() != nil {
				t.Fatal("the broker never showed the out-of-band retention.ms")
			}
			time.Sleep(50 * time.Millisecond)
		}
		inspecttest.Produce(t, c, name, map[int32]int{0: 4, 1: 2})
		group := kafkatest.Unique("describe-topic")
		inspecttest.DeleteGroupAfter(t, adm, group)
		offs := kadm.Offsets{}
		offs.Add(kadm.Offset{Topic: name, Partition: 0, At: 1, LeaderEpoch: -1})
		if err := adm.CommitAllOffsets(ctx, group, offs); err != nil {
			t.Fatal(err)
		}

		r = kgitops(t, nil, append([]string{"describe", "topic", name, "--dir", dir}, boot...)...)
		for _, want := range []string{
			"Topic " + name + " (id ",
			": 2 partitions, replication factor 1",
			"drifted: apply would change",
			"configs.retention.ms: the cluster has 1h (3600000), the repo asks for 2d (172800000)",
			"retention.ms  ", // in the configs table
		} {
			if !strings.Contains(r.stdout, want) {
				t.Fatalf("describe topic after an out-of-band change: no %q in\n%s", want, r)
			}
		}
		// Leaders differ: kfake has 3 brokers numbered from 0, the real one is node 1.
		if !containsLine(r.stdout, "PARTITION", "LEADER", "REPLICAS", "ISR", "LOG", "START", "LOG", "END") {
			t.Errorf("no partition table in\n%s", r.stdout)
		}
		// Lag 3 on partition 0; partition 1 has no commit: no lag to tell,
		// as kafka-consumer-groups shows it.
		if !containsLine(r.stdout, group, "Empty", "0", "3", "0:3", "1:-") {
			t.Errorf("group %s with lag 3 (0:3 1:-): not in\n%s", group, r.stdout)
		}

		r = kgitops(t, nil, append([]string{"describe", "topic", name, "--dir", dir, "-o", "json"}, boot...)...)
		var d struct {
			Partitions []struct {
				Partition      int32
				LogStartOffset int64
				LogEndOffset   int64
			}
			Repo struct {
				Declared bool
				Drift    []struct{ Path, Live, Repo string }
			}
			Groups []struct {
				Group string
				Lag   int64
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || r.code != 0 {
			t.Fatalf("describe topic -o json: %v\n%s", err, r)
		}
		if len(d.Partitions) != 2 || d.Partitions[0].LogEndOffset != 4 || !d.Repo.Declared ||
			len(d.Repo.Drift) != 1 || d.Repo.Drift[0] != (struct{ Path, Live, Repo string }{"configs.retention.ms", "3600000", "172800000"}) ||
			len(d.Groups) != 1 || d.Groups[0].Lag != 3 {
			t.Errorf("describe topic -o json: %+v\n%s", d, r.stdout)
		}

		// Without --dir, nothing is said of a repo.
		if r := kgitops(t, nil, append([]string{"describe", "topic", name}, boot...)...); r.code != 0 || strings.Contains(r.stdout, "eclared") || !strings.Contains(r.stdout, "Configs:") {
			t.Errorf("describe topic without --dir:\n%s", r)
		}
		if r := kgitops(t, nil, append([]string{"describe", "topic", kafkatest.Unique("nope")}, boot...)...); r.code != 1 || !strings.Contains(r.stderr, "the cluster has no such topic") {
			t.Errorf("describe of an unknown topic:\n%s", r)
		}
	})
}

// containsLine reports whether some line of s holds the fields in order,
// each a whole word.
func containsLine(s string, fields ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		words := strings.Fields(line)
		i := 0
		for _, w := range words {
			if i < len(fields) && w == fields[i] {
				i++
			}
		}
		if i == len(fields) {
			return true
		}
	}
	return false
}
