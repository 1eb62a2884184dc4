package doctor

import (
	"fmt"
	"math"
	"strconv"
)

// checkPartitions reports, per topic, the partitions that are offline
// (no leader), under their min.insync.replicas, or under-replicated. A
// partition counts only under its worst state.
func checkPartitions(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, t := range c.Topics {
		minISR, minKnown := configInt(t.Configs, keyMinInsyncReplicas)
		var offline, underMin, under []string
		for _, p := range t.Partitions {
			state := fmt.Sprintf("partition %d (ISR %s of replicas %s)", p.ID, orNone(p.ISR), orNone(p.Replicas))
			switch {
			case p.Leader < 0:
				offline = append(offline, fmt.Sprintf("partition %d (replicas %s, ISR %s)", p.ID, orNone(p.Replicas), orNone(p.ISR)))
			case minKnown && int64(len(p.ISR)) < minISR:
				underMin = append(underMin, state)
			case len(p.ISR) < len(p.Replicas):
				under = append(under, state)
			}
		}
		res := "topic " + t.Name
		total := len(t.Partitions)
		if len(offline) > 0 {
			out = append(out, Finding{Check: "offline-partitions", Severity: Error, Resource: res,
				Evidence: fmt.Sprintf("%d of %s %s no leader: %s", len(offline), plural(total, "partition"), verb(len(offline), "has", "have"), someOf(offline)),
				Why:      "nothing can be produced to or consumed from a partition without a leader",
				Fix:      "bring back the brokers that hold these replicas; if they are lost for good, an unclean election (kafka-leader-election.sh --election-type UNCLEAN) restores service at the cost of the writes they alone had",
			})
		}
		if len(underMin) > 0 {
			f := Finding{Check: "under-min-isr", Severity: Error, Resource: res,
				Evidence: fmt.Sprintf("%d of %s %s fewer in-sync replicas than min.insync.replicas %d: %s", len(underMin), plural(total, "partition"), verb(len(underMin), "has", "have"), minISR, someOf(underMin)),
				Why:      "producers with acks=all (the default since Kafka 3.0) fail with NOT_ENOUGH_REPLICAS on these partitions",
				Fix:      "bring the out-of-sync replicas' brokers back, or find why they fall behind (disk, network, replica.lag.time.max.ms)",
			}
			if rf := t.ReplicationFactor(); rf > 0 && minISR > int64(rf) {
				f.Why = fmt.Sprintf("min.insync.replicas %d is more than the replication factor %d, so no write with acks=all can ever succeed", minISR, rf)
				f.Fix = "lower the topic's min.insync.replicas to at most its replication factor (one less, to survive a broker failure)"
				f.YAML = topicYAML(t, keyMinInsyncReplicas, strconv.Itoa(max(1, rf-1)))
			}
			out = append(out, f)
		}
		if len(under) > 0 {
			out = append(out, Finding{Check: "under-replicated", Severity: Warn, Resource: res,
				Evidence: fmt.Sprintf("%d of %s %s under-replicated: %s", len(under), plural(total, "partition"), verb(len(under), "is", "are"), someOf(under)),
				Why:      "a partition with a replica out of sync has less redundancy: one more failure can make it unavailable or, with unclean election, lose data",
				Fix:      "bring the missing replicas' brokers back, or find why they fall behind (disk, network, replica.lag.time.max.ms)",
			})
		}
	}
	return out
}

func orNone(xs []int32) string {
	if len(xs) == 0 {
		return "none"
	}
	return "[" + ids(xs) + "]"
}

// checkPreferredLeaders reports partitions led by a replica other than
// their preferred (first) one while the preferred one is in sync and could
// lead. One finding for the cluster.
func checkPreferredLeaders(c *Cluster, _ Options) []Finding {
	var off []string
	led := 0
	for _, t := range c.Topics {
		for _, p := range t.Partitions {
			if p.Leader < 0 || len(p.Replicas) == 0 {
				continue
			}
			led++
			if pref := p.Replicas[0]; p.Leader != pref && contains(p.ISR, pref) {
				off = append(off, fmt.Sprintf("%s-%d led by %d, preferred %d", t.Name, p.ID, p.Leader, pref))
			}
		}
	}
	if len(off) == 0 {
		return nil
	}
	ratio := float64(len(off)) / float64(led)
	f := Finding{Check: "preferred-leader", Severity: Info, Resource: "cluster",
		Evidence: fmt.Sprintf("%d of %s (%.0f%%) %s led by a replica other than the preferred (first) one: %s", len(off), plural(led, "partition"), 100*ratio, verb(len(off), "is", "are"), someOf(off)),
		Why:      "preferred leaders spread the leaders, and so the load, evenly; after a broker restart its partitions stay led by the others until a preferred election",
		Fix:      "run kafka-leader-election.sh --election-type PREFERRED --all-topic-partitions; Kafka does it by itself every 5 minutes when auto.leader.rebalance.enable=true and a broker's imbalance exceeds leader.imbalance.per.broker.percentage (10)",
	}
	if ratio > preferredLeaderWarnRatio {
		f.Severity = Warn
	}
	return []Finding{f}
}

// checkSkew reports brokers that hold many more or fewer partition
// replicas, or lead many more or fewer partitions, than the mean.
func checkSkew(c *Cluster, _ Options) []Finding {
	replicas, leaders := map[int32]int{}, map[int32]int{}
	var all, live []int32
	for _, b := range c.Brokers {
		replicas[b.ID] = 0
		all = append(all, b.ID)
		if !b.Fenced {
			leaders[b.ID] = 0
			live = append(live, b.ID)
		}
	}
	for _, t := range c.Topics {
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				if _, ok := replicas[r]; ok {
					replicas[r]++
				}
			}
			if _, ok := leaders[p.Leader]; ok {
				leaders[p.Leader]++
			}
		}
	}
	var out []Finding
	if f, ok := skew("replica-skew", "partition replicas", all, replicas); ok {
		f.Why = "a broker with more replicas than the others takes more disk, network and requests, and fills up first"
		f.Fix = "run kgitops rebalance to see the moves that even the replicas out, and kgitops rebalance --apply to make them (batched, throttled, resumable)"
		out = append(out, f)
	}
	if f, ok := skew("leader-skew", "partition leaders", live, leaders); ok {
		f.Why = "leaders serve every produce and most fetch requests: a broker leading more than its share is the cluster's bottleneck"
		f.Fix = "run a preferred leader election (kafka-leader-election.sh --election-type PREFERRED --all-topic-partitions); if the preferred replicas themselves are uneven, kgitops rebalance --apply evens them out and elects them"
		out = append(out, f)
	}
	return out
}

// skew finds the brokers whose count is outside the mean ±skewTolerance.
func skew(check, what string, brokers []int32, count map[int32]int) (Finding, bool) {
	if len(brokers) < 2 {
		return Finding{}, false
	}
	total := 0
	for _, b := range brokers {
		total += count[b]
	}
	mean := float64(total) / float64(len(brokers))
	if mean < skewMinMean {
		return Finding{}, false
	}
	var outliers []string
	lo, hi := count[brokers[0]], count[brokers[0]]
	for _, b := range brokers {
		n := count[b]
		lo, hi = min(lo, n), max(hi, n)
		if dev := (float64(n) - mean) / mean; math.Abs(dev) > skewTolerance {
			outliers = append(outliers, fmt.Sprintf("broker %d has %d (%+.0f%%)", b, n, 100*dev))
		}
	}
	if len(outliers) == 0 {
		return Finding{}, false
	}
	return Finding{Check: check, Severity: Warn, Resource: "cluster",
		Evidence: fmt.Sprintf("%s per broker: mean %.1f, min %d, max %d; more than %.0f%% off the mean: %s", what, mean, lo, hi, 100*skewTolerance, someOf(outliers)),
	}, true
}

// checkCapacity reports brokers that hold more partition replicas than
// Options.MaxPartitionsPerBroker, or close to it.
func checkCapacity(c *Cluster, o Options) []Finding {
	count := map[int32]int{}
	for _, t := range c.Topics {
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				count[r]++
			}
		}
	}
	limit := o.MaxPartitionsPerBroker
	var out []Finding
	for _, b := range c.Brokers {
		n := count[b.ID]
		f := Finding{Check: "partitions-per-broker", Resource: fmt.Sprintf("broker %d", b.ID),
			Evidence: fmt.Sprintf("broker %d holds %s, %.0f%% of --max-partitions-per-broker %d", b.ID, plural(n, "partition replica"), 100*float64(n)/float64(limit), limit),
			Why:      "every replica costs open files, memory and replication work; past a few thousand per broker, restarts, leader elections and recovery slow down",
			Fix:      "add brokers and move replicas to them, delete unused topics, or use fewer partitions for new topics; raise --max-partitions-per-broker if these brokers are sized for more",
		}
		switch {
		case n > limit:
			f.Severity = Error
		case float64(n) >= capacityWarnRatio*float64(limit):
			f.Severity = Warn
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}
