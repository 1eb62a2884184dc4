package doctor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// DefaultMaxPartitionsPerBroker is Options.MaxPartitionsPerBroker's
// default: the partition replicas one broker should hold at most. It is a
// rule of thumb for KRaft clusters on common hardware; raise it for big
// brokers.
const DefaultMaxPartitionsPerBroker = 4000

// Options tunes Check.
type Options struct {
	// MaxPartitionsPerBroker is the partition replicas one broker may
	// hold: above it is an error, from 80% of it a warning. Zero means
	// DefaultMaxPartitionsPerBroker.
	MaxPartitionsPerBroker int
}

// Thresholds of the checks, named here so the README can cite them.
const (
	// capacityWarnRatio is the share of --max-partitions-per-broker
	// from which a broker is warned about.
	capacityWarnRatio = 0.8
	// diskWarnPercent and diskErrorPercent are the used share of a log
	// dir's volume above which it is a warning and an error.
	diskWarnPercent  = 80
	diskErrorPercent = 90
	// skewTolerance is how far above or below the mean a broker's
	// replica or leader count may be; skewMinMean is the mean per broker
	// below which skew is not judged (a few partitions never spread
	// evenly).
	skewTolerance = 0.20
	skewMinMean   = 10
	// preferredLeaderWarnRatio is the share of partitions led off their
	// preferred replica above which it is a warning (Kafka's
	// leader.imbalance.per.broker.percentage defaults to 10).
	preferredLeaderWarnRatio = 0.10
	// internalTopicMinRF is the replication factor Kafka's internal
	// topics should have on a cluster of at least that many brokers.
	internalTopicMinRF = 3
	// shownMax is how many partitions or topics a finding's evidence
	// names before it says "and N more".
	shownMax = 5
)

// checks are the checks Check runs, each a pure function of the cluster.
var checks = []func(c *Cluster, o Options) []Finding{
	checkCoverage,
	checkFencedBrokers,
	checkControllers,
	checkPartitions,
	checkPreferredLeaders,
	checkSkew,
	checkCapacity,
	checkInternalTopics,
	checkBrokerConfigs,
	checkTopicUnclean,
	checkDisk,
	checkSingleReplica,
	checkRetention,
}

// Check runs every check on c and returns the findings, sorted (see
// SortFindings). It is pure: the same Cluster always gives the same
// findings.
func Check(c *Cluster, o Options) []Finding {
	if o.MaxPartitionsPerBroker <= 0 {
		o.MaxPartitionsPerBroker = DefaultMaxPartitionsPerBroker
	}
	var out []Finding
	for _, check := range checks {
		out = append(out, check(c, o)...)
	}
	SortFindings(out)
	return out
}

// checkCoverage reports what Observe could not read: the checks that
// need it did not run.
func checkCoverage(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, u := range c.Unread {
		f := Finding{Check: "coverage", Severity: Warn, Resource: u.What,
			Evidence: "could not read it: " + u.Err,
			Why:      "the checks that need it did not run, so this report may miss problems",
			Fix:      "give kgitops' principal DESCRIBE and DESCRIBE_CONFIGS on the cluster and the topics, or check the broker named in the error",
		}
		if u.Unsupported {
			f.Severity = Info
			f.Why = "the cluster does not answer this request (an older Kafka, or a test double such as kfake), so the checks that need it did not run"
			f.Fix = "nothing to fix; upgrade to Kafka 3.7 or newer to get these checks"
		}
		out = append(out, f)
	}
	return out
}

// liveBrokers counts the unfenced brokers.
func liveBrokers(c *Cluster) int {
	n := 0
	for _, b := range c.Brokers {
		if !b.Fenced {
			n++
		}
	}
	return n
}

// ids formats broker ids as "1, 2, 3".
func ids(xs []int32) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ", ")
}

// brokersNamed says "broker 1" or "brokers 1, 2, 3".
func brokersNamed(xs []int32) string {
	if len(xs) == 1 {
		return "broker " + ids(xs)
	}
	return "brokers " + ids(xs)
}

// someOf joins the first shownMax items and says how many more there are.
func someOf(items []string) string {
	if len(items) <= shownMax {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:shownMax], "; ") + fmt.Sprintf("; and %d more", len(items)-shownMax)
}

// configValue is a config's value, and whether it is known.
func configValue(cfgs map[string]Config, key string) (string, bool) {
	c, ok := cfgs[key]
	if !ok || c.Value == nil {
		return "", false
	}
	return *c.Value, true
}

// configInt is a config's integer value, and whether it is known.
func configInt(cfgs map[string]Config, key string) (int64, bool) {
	v, ok := configValue(cfgs, key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil
}

// isInternal says whether t is one of Kafka's internal topics.
func isInternal(t Topic) bool { return t.Internal || internalTopics[t.Name] }

// contains says whether xs holds x.
func contains(xs []int32, x int32) bool { return slices.Contains(xs, x) }

// plural is "1 partition" or "3 partitions".
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// verb is one when n is 1, else many.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
