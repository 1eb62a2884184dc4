package doctor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// observedAt is the fixed "now" of hand-built clusters.
var observedAt = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// brokers returns brokers 1..n, unfenced, without configs.
func brokers(n int) []Broker {
	out := make([]Broker, n)
	for i := range out {
		out[i] = Broker{ID: int32(i + 1)}
	}
	return out
}

// part is a partition; isr nil means "every replica".
func part(id, leader int32, replicas []int32, isr ...int32) Partition {
	if isr == nil {
		isr = replicas
	}
	return Partition{ID: id, Leader: leader, Replicas: replicas, ISR: isr}
}

func r(ids ...int32) []int32 { return ids }

// spread returns n partitions with rf replicas each, placed round-robin
// over brokers 1..nb and led by their first replica.
func spread(n, rf, nb int) []Partition {
	out := make([]Partition, n)
	for i := range out {
		var reps []int32
		for j := 0; j < rf; j++ {
			reps = append(reps, int32((i+j)%nb+1))
		}
		out[i] = part(int32(i), reps[0], reps)
	}
	return out
}

func val(v string, src kmsg.ConfigSource) Config { return Config{Value: &v, Source: src} }

func hidden(src kmsg.ConfigSource) Config { return Config{Source: src} }

// topicConfigs are a topic's configs, every value from Kafka's defaults
// unless overridden by kv (key, value pairs set as topic overrides).
func topicConfigs(kv ...string) map[string]Config {
	m := map[string]Config{
		keyMinInsyncReplicas:     val("1", kmsg.ConfigSourceDefaultConfig),
		keyRetentionMs:           val("604800000", kmsg.ConfigSourceDefaultConfig),
		keyRetentionBytes:        val("-1", kmsg.ConfigSourceDefaultConfig),
		keyCleanupPolicy:         val("delete", kmsg.ConfigSourceDefaultConfig),
		keyUncleanLeaderElection: val("false", kmsg.ConfigSourceDefaultConfig),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = val(kv[i+1], kmsg.ConfigSourceDynamicTopicConfig)
	}
	return m
}

// brief is a finding in one line: "warn under-replicated topic orders".
func brief(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s", f.Severity, f.Check, f.Resource))
	}
	return out
}

// only keeps the findings of the named checks.
func only(fs []Finding, checks ...string) []Finding {
	var out []Finding
	for _, f := range fs {
		for _, c := range checks {
			if f.Check == c {
				out = append(out, f)
			}
		}
	}
	return out
}

// checkCase is one table test of a check: the cluster and the findings
// (in brief form) the named checks give for it.
type checkCase struct {
	name    string
	cluster Cluster
	opts    Options
	want    []string
	// evidence, when set, must appear in the first finding's evidence.
	evidence string
}

func runCases(t *testing.T, checks []string, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cluster.ObservedAt.IsZero() {
				tc.cluster.ObservedAt = observedAt
			}
			got := only(Check(&tc.cluster, tc.opts), checks...)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if d := cmp.Diff(want, brief(got)); d != "" {
				t.Fatalf("findings (-want +got):\n%s\n%v", d, got)
			}
			if tc.evidence != "" && !strings.Contains(got[0].Evidence, tc.evidence) {
				t.Errorf("evidence %q does not contain %q", got[0].Evidence, tc.evidence)
			}
		})
	}
}
