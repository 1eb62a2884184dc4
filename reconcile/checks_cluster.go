package reconcile

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// DefaultMaxPartitionsPerBroker is the partition replicas per broker
// above which a plan is refused unless DiffOptions says otherwise.
const DefaultMaxPartitionsPerBroker = 4000

// clusterFinding is a finding of a check against the live cluster, with
// the topics it comes from: when the accepted revision asked for each of
// them as it is, the cluster changed, not the repo, and they are blocked
// instead of the plan being refused.
type clusterFinding struct {
	Finding
	topics []string
}

// checkCluster checks the topics the plan creates or grows against the
// live cluster: replication factors against racks, partition replicas
// per broker against a limit, worst-case disk use against the brokers'
// usable bytes, and the cluster's auto topic creation. It is pure: live
// holds what Observe read (Live.Cluster). Rules a Policy disables are
// skipped.
func (p *Plan) checkCluster(desired *spec.State, live *Live, opts DiffOptions) {
	c := live.Cluster
	if c == nil {
		return
	}
	var fs []clusterFinding
	off := func(t *spec.Topic, rule string) bool { return desired.RuleOff(t, rule) }

	// The topics the plan creates, and those whose partitions it adds.
	type grown struct {
		t     spec.Topic
		added int64 // partition replicas added
	}
	var topics []grown
	byName := make(map[string]spec.Topic, len(desired.Topics))
	for _, t := range desired.Topics {
		byName[t.Name] = t
	}
	for _, ch := range p.Changes {
		if ch.Kind != KindTopic || ch.Action == ActionDelete {
			continue
		}
		t, ok := byName[ch.Name]
		if !ok {
			continue
		}
		tc := topicPayload(ch)
		switch {
		case ch.Action == ActionCreate:
			topics = append(topics, grown{t, int64(t.Partitions) * int64(t.ReplicationFactor)})
		case tc.Partitions > 0:
			topics = append(topics, grown{t, int64(tc.Partitions-live.Topics[ch.Name].Partitions) * int64(t.ReplicationFactor)})
		default:
			topics = append(topics, grown{t, 0})
		}
	}

	// Replication factor against racks.
	racks := map[string]bool{}
	for _, r := range c.Racks {
		if r != "" {
			racks[r] = true
		}
	}
	if len(racks) > 1 { // one rack for all: rack awareness is moot

		names := strings.Join(slices.Sorted(maps.Keys(racks)), ", ")
		for _, g := range topics {
			if g.added == 0 || int(g.t.ReplicationFactor) <= len(racks) || off(&g.t, spec.RuleRFAboveRacks) {
				continue
			}
			at := g.t.PosOf("replicationFactor")
			fs = append(fs, clusterFinding{Finding{Rule: spec.RuleRFAboveRacks, Severity: spec.SeverityWarn, Kind: KindTopic, Name: g.t.Name, File: at.File, Line: at.Line,
				Message: fmt.Sprintf("replication factor %d is more than the %d racks (%s): some partitions keep two replicas in one rack, and losing that rack loses both; spread the brokers over %d racks",
					g.t.ReplicationFactor, len(racks), names, g.t.ReplicationFactor)}, []string{g.t.Name}})
		}
	}

	// Partition replicas per broker, the added ones spread evenly.
	var added int64
	var growers []string
	for _, g := range topics {
		if g.added > 0 {
			added += g.added
			growers = append(growers, g.t.Name)
		}
	}
	limit := int64(opts.MaxPartitionsPerBroker)
	if limit <= 0 {
		limit = DefaultMaxPartitionsPerBroker
	}
	if n := int64(len(c.Replicas)); added > 0 && n > 0 && !off(nil, spec.RulePartitionsPerBroker) {
		brokers := slices.Sorted(maps.Keys(c.Replicas))
		most, busiest := int64(-1), brokers[0]
		for _, b := range brokers {
			if r := int64(c.Replicas[b]); r > most {
				most, busiest = r, b
			}
		}
		after := most + (added+n-1)/n
		sev := ""
		switch {
		case after > limit:
			sev = spec.SeverityError
		case after*5 > limit*4:
			sev = spec.SeverityWarn
		}
		if sev != "" {
			fs = append(fs, clusterFinding{Finding{Rule: spec.RulePartitionsPerBroker, Severity: sev, Kind: "Cluster", Name: "partitions-per-broker",
				Message: fmt.Sprintf("after this plan the busiest broker (%d) holds about %d partition replicas, %d now plus its share of the %d this plan adds, against a limit of %d: "+
					"more replicas per broker slow controller failover and recovery; spread topics over more brokers, use fewer partitions, or raise --max-partitions-per-broker",
					busiest, after, most, added, limit)}, growers})
		}
	}

	// Worst-case disk: retention.bytes × partitions × RF of each topic.
	if len(c.DisksUnread) > 0 && !off(nil, spec.RuleDiskWorstCase) && slices.ContainsFunc(topics, func(g grown) bool { return g.added > 0 }) {
		var ids []int32
		for id := range c.DisksUnread {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var which []string
		for _, id := range ids {
			which = append(which, fmt.Sprintf("broker %d (%s)", id, c.DisksUnread[id]))
		}
		p.Notes = append(p.Notes, Refusal{Kind: "Cluster", Name: "disk", Message: fmt.Sprintf(
			"the log dirs of %s could not be read: the disk check counts the other brokers' space only", strings.Join(which, ", "))})
	}
	if c.UsableBytes != nil && !off(nil, spec.RuleDiskWorstCase) {
		var usable int64
		for _, u := range c.UsableBytes {
			usable += u
		}
		bounded := new(big.Int)
		var unbounded, contributors []string
		for _, g := range topics {
			if g.added == 0 && g.t.Configs["retention.bytes"] == live.Topics[g.t.Name].Configs["retention.bytes"] {
				continue // neither new, nor grown, nor given more room
			}
			rb := g.t.Configs["retention.bytes"]
			if rb == "" {
				rb = c.Broker["log.retention.bytes"]
			}
			n, ok := new(big.Int).SetString(rb, 10)
			if !ok || n.Sign() < 0 {
				rm := g.t.Configs["retention.ms"]
				if rm == "" {
					rm = c.Broker["log.retention.ms"]
				}
				bound := "retention.ms " + cmpOr(spec.ShowValue("retention.ms", rm), "unknown")
				if rm == "-1" {
					bound = "no time bound either"
				}
				unbounded = append(unbounded, g.t.Name+" ("+bound+")")
				continue
			}
			n.Mul(n, big.NewInt(int64(g.t.Partitions)*int64(g.t.ReplicationFactor)))
			bounded.Add(bounded, n)
			contributors = append(contributors, g.t.Name)
		}
		sev := ""
		switch u := big.NewInt(usable); {
		case bounded.Cmp(u) > 0:
			sev = spec.SeverityError
		case new(big.Int).Mul(bounded, big.NewInt(5)).Cmp(new(big.Int).Mul(u, big.NewInt(4))) > 0:
			sev = spec.SeverityWarn
		}
		if sev != "" {
			msg := fmt.Sprintf("the topics this plan creates or grows may hold %s at their retention.bytes (× partitions × replication factor), against %s usable on the brokers' log dirs",
				bytesText(bounded), bytesText(big.NewInt(usable)))
			if len(unbounded) > 0 {
				msg += fmt.Sprintf("; %d more are bounded by time only: %s", len(unbounded), strings.Join(unbounded, ", "))
			}
			msg += "; lower retention.bytes or partitions, or add disk"
			fs = append(fs, clusterFinding{Finding{Rule: spec.RuleDiskWorstCase, Severity: sev, Kind: "Cluster", Name: "disk", Message: msg}, contributors})
		}
	}

	// Auto topic creation.
	if on, known := c.brokerBool("auto.create.topics.enable"); known && on && !off(nil, spec.RuleAutoCreateTopics) {
		fs = append(fs, clusterFinding{Finding: Finding{Rule: spec.RuleAutoCreateTopics, Severity: spec.SeverityWarn, Kind: "Cluster", Name: "auto.create.topics.enable",
			Message: "the cluster creates a topic when a client first uses its name (auto.create.topics.enable=true): a typo in a client's configuration creates a topic no one declared; set auto.create.topics.enable=false in server.properties"}})
	}
	p.addClusterFindings(fs, opts.Baseline, live)
}

// addClusterFindings adds the findings to the plan. An error blocks the
// topics it comes from when the baseline asked for each of them as it is
// (the cluster changed under the repo); otherwise it refuses the plan.
func (p *Plan) addClusterFindings(fs []clusterFinding, base *spec.State, live *Live) {
	blocked := map[string]bool{}
	for _, f := range fs {
		p.Findings = append(p.Findings, f.Finding)
		if f.Severity != spec.SeverityError {
			continue
		}
		msg := findingText(f.Finding)
		if len(f.topics) > 0 && base != nil && !slices.ContainsFunc(f.topics, func(name string) bool { return !sameInBase(base, p, name) }) {
			for _, name := range f.topics {
				p.block(KindTopic, name, msg)
				blocked[name] = true
			}
			continue
		}
		p.refuse(f.Kind, f.Name, msg)
	}
	if len(blocked) > 0 {
		p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return c.Kind == KindTopic && blocked[c.Name] })
	}
}

// sameInBase says whether the baseline declares the topic with the
// partitions, replication factor and retention.bytes the plan applies.
func sameInBase(base *spec.State, p *Plan, name string) bool {
	b, ok := base.Topic(name)
	if !ok {
		return false
	}
	for _, c := range p.Changes {
		if c.Kind != KindTopic || c.Name != name {
			continue
		}
		tc := topicPayload(c)
		if tc.Partitions != 0 && tc.Partitions != b.Partitions {
			return false
		}
		if c.Action == ActionCreate && tc.ReplicationFactor != b.ReplicationFactor {
			return false
		}
		if v, set := tc.SetConfigs["retention.bytes"]; set && v != b.Configs["retention.bytes"] {
			return false
		}
	}
	return true
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// bytesText shows a byte count for people: "1.5 TiB (1649267441664 bytes)".
func bytesText(n *big.Int) string {
	units := []string{"TiB", "GiB", "MiB", "KiB"}
	f, _ := new(big.Float).SetInt(n).Float64()
	for i, u := range units {
		scale := float64(int64(1) << (10 * (len(units) - i)))
		if f >= scale {
			return fmt.Sprintf("%.1f %s (%s bytes)", f/scale, u, n)
		}
	}
	return n.String() + " bytes"
}
