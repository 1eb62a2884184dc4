package doctor

import (
	"fmt"
	"time"
)

// quorumStaleAfter is how long a voter may go without fetching from the
// quorum leader, or without having caught up with it, before it is
// reported. Voters fetch continuously, and one that does not fetch for
// controller.quorum.fetch.timeout.ms (2 s by default) starts an election.
const quorumStaleAfter = 10 * time.Second

// checkFencedBrokers reports brokers that are registered but fenced.
func checkFencedBrokers(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, b := range c.Brokers {
		if !b.Fenced {
			continue
		}
		out = append(out, Finding{Check: "broker-fenced", Severity: Error, Resource: fmt.Sprintf("broker %d", b.ID),
			Evidence: fmt.Sprintf("broker %d is registered with the controllers but fenced: it is down or cannot reach them", b.ID),
			Why:      "a fenced broker leads no partition and is in no ISR: its replicas are missing, and topics with few replicas lose availability",
			Fix:      fmt.Sprintf("start broker %d again, or check its logs and its network path to the controllers; if it is gone for good, unregister it (kafka-cluster.sh unregister) and reassign its replicas", b.ID),
		})
	}
	return out
}

// checkControllers looks at the KRaft quorum: how many voters, whether
// there is a leader, and whether every voter keeps up with it.
func checkControllers(c *Cluster, _ Options) []Finding {
	q := c.Quorum
	if q == nil {
		return nil // checkCoverage says why
	}
	var out []Finding
	n := len(q.Voters)
	majority := n/2 + 1
	switch {
	case q.LeaderID < 0:
		out = append(out, Finding{Check: "controller-quorum", Severity: Error, Resource: "controllers",
			Evidence: fmt.Sprintf("the KRaft quorum of %s has no leader (epoch %d)", plural(n, "voter"), q.LeaderEpoch),
			Why:      "without an active controller no metadata changes: no topic is created, no partition leader is elected when a broker fails",
			Fix:      fmt.Sprintf("bring at least %d of the %d controllers up and able to reach each other (controller.quorum.voters or controller.quorum.bootstrap.servers)", majority, n),
		})
	case n == 1 && len(c.Brokers) > 1:
		out = append(out, Finding{Check: "controller-quorum", Severity: Warn, Resource: "controllers",
			Evidence: fmt.Sprintf("the KRaft quorum has 1 voter (node %d) for %d brokers", q.LeaderID, len(c.Brokers)),
			Why:      "there is no controller failover: when that node stops, no metadata changes and no partition leader is elected until it is back",
			Fix:      "run 3 controllers (5 for large clusters): add voters with kafka-metadata-quorum.sh add-controller (Kafka 3.9+, dynamic quorum) or reformat with controller.quorum.voters listing 3 nodes",
		})
	case n > 1 && n%2 == 0:
		out = append(out, Finding{Check: "controller-quorum", Severity: Info, Resource: "controllers",
			Evidence: fmt.Sprintf("the KRaft quorum has an even number of voters: %d", n),
			Why:      fmt.Sprintf("%d voters need %d for a majority, so they survive %d failure(s), no more than %d voters would", n, majority, n-majority, n-1),
			Fix:      fmt.Sprintf("run an odd number of controllers: %d or %d", n-1, n+1),
		})
	}
	if q.LeaderID < 0 {
		return out
	}

	// Timestamps are on the leader's clock; its own entry says what
	// "now" was there, so a skewed local clock does not matter.
	now := c.ObservedAt.UnixMilli()
	leaderLEO := q.HighWatermark
	for _, v := range q.Voters {
		if v.ID == q.LeaderID {
			leaderLEO = v.LogEndOffset
			if v.LastFetchTimestamp > 0 {
				now = v.LastFetchTimestamp
			}
		}
	}
	type late struct {
		v        QuorumReplica
		evidence string
	}
	var lagging []late
	for _, v := range q.Voters {
		if v.ID == q.LeaderID {
			continue
		}
		if e := voterLate(v, now, leaderLEO); e != "" {
			lagging = append(lagging, late{v, e})
		}
	}
	keepUp := n - len(lagging)
	for _, l := range lagging {
		why := fmt.Sprintf("a voter that does not keep up cannot take over as controller; %d of %d voters keep up and %d are needed", keepUp, n, majority)
		switch spare := keepUp - majority; {
		case spare <= 0:
			why += ", so the quorum has no failure to spare: one more stops every metadata change"
		default:
			why += fmt.Sprintf(", so the quorum survives %d more failure(s)", spare)
		}
		out = append(out, Finding{Check: "controller-lag", Severity: Warn, Resource: fmt.Sprintf("controller %d", l.v.ID),
			Evidence: l.evidence,
			Why:      why,
			Fix:      fmt.Sprintf("check controller %d: is it running, what do its logs say, can it reach the leader (node %d) on the controller listener", l.v.ID, q.LeaderID),
		})
	}
	return out
}

// voterLate describes how v lags behind the leader, or returns "" when it
// keeps up.
func voterLate(v QuorumReplica, now, leaderLEO int64) string {
	stale := quorumStaleAfter.Milliseconds()
	fetchAge, caughtAge := now-v.LastFetchTimestamp, now-v.LastCaughtUpTimestamp
	if v.LastFetchTimestamp >= 0 && fetchAge <= stale && v.LastCaughtUpTimestamp >= 0 && caughtAge <= stale {
		return ""
	}
	s := fmt.Sprintf("voter %d: ", v.ID)
	if v.LastFetchTimestamp < 0 {
		s += "has not fetched from the leader since it was elected"
	} else {
		s += "last fetched " + ago(fetchAge) + " ago"
	}
	if v.LastCaughtUpTimestamp < 0 {
		s += ", never caught up with it"
	} else {
		s += ", last caught up " + ago(caughtAge) + " ago"
	}
	if v.LogEndOffset >= 0 && leaderLEO >= v.LogEndOffset {
		s += fmt.Sprintf(", %d records behind (log end offset %d, leader's %d)", leaderLEO-v.LogEndOffset, v.LogEndOffset, leaderLEO)
	}
	return s
}

// ago formats milliseconds as a duration rounded to the second.
func ago(ms int64) string {
	if ms < 0 {
		ms = 0
	}
	return (time.Duration(ms) * time.Millisecond).Round(time.Second).String()
}
