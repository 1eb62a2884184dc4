package doctor

import (
	"testing"
)

func voter(id int32, leo, fetchAgoMs, caughtAgoMs int64) QuorumReplica {
	now := observedAt.UnixMilli()
	q := QuorumReplica{ID: id, LogEndOffset: leo, LastFetchTimestamp: -1, LastCaughtUpTimestamp: -1}
	if fetchAgoMs >= 0 {
		q.LastFetchTimestamp = now - fetchAgoMs
	}
	if caughtAgoMs >= 0 {
		q.LastCaughtUpTimestamp = now - caughtAgoMs
	}
	return q
}

func TestCheckControllers(t *testing.T) {
	three := func(voters ...QuorumReplica) *Quorum {
		return &Quorum{LeaderID: 1, LeaderEpoch: 4, HighWatermark: 500, Voters: voters}
	}
	runCases(t, []string{"controller-quorum", "controller-lag", "broker-fenced", "coverage"}, []checkCase{
		{name: "healthy quorum of three", cluster: Cluster{Brokers: brokers(3),
			Quorum: three(voter(1, 500, 0, 0), voter(2, 499, 300, 300), voter(3, 500, 100, 100))}},
		{name: "single voter on a single broker is fine", cluster: Cluster{Brokers: brokers(1),
			Quorum: &Quorum{LeaderID: 1, Voters: []QuorumReplica{voter(1, 10, 0, 0)}}}},
		{name: "single voter on three brokers", cluster: Cluster{Brokers: brokers(3),
			Quorum: &Quorum{LeaderID: 1, Voters: []QuorumReplica{voter(1, 10, 0, 0)}}},
			want: []string{"warn controller-quorum controllers"}, evidence: "1 voter (node 1) for 3 brokers"},
		{name: "even number of voters", cluster: Cluster{Brokers: brokers(4),
			Quorum: &Quorum{LeaderID: 1, Voters: []QuorumReplica{voter(1, 9, 0, 0), voter(2, 9, 0, 0), voter(3, 9, 0, 0), voter(4, 9, 0, 0)}}},
			want: []string{"info controller-quorum controllers"}, evidence: "even number of voters: 4"},
		{name: "no leader", cluster: Cluster{Brokers: brokers(3),
			Quorum: &Quorum{LeaderID: -1, LeaderEpoch: 7, Voters: []QuorumReplica{voter(1, 9, -1, -1), voter(2, 9, -1, -1), voter(3, 9, -1, -1)}}},
			want: []string{"error controller-quorum controllers"}, evidence: "no leader (epoch 7)"},
		{name: "a voter stopped fetching", cluster: Cluster{Brokers: brokers(3),
			Quorum: three(voter(1, 500, 0, 0), voter(2, 500, 0, 0), voter(3, 380, 42_000, 43_000))},
			want:     []string{"warn controller-lag controller 3"},
			evidence: "voter 3: last fetched 42s ago, last caught up 43s ago, 120 records behind (log end offset 380, leader's 500)"},
		{name: "a voter fetches but does not catch up", cluster: Cluster{Brokers: brokers(3),
			Quorum: three(voter(1, 500, 0, 0), voter(2, 100, 200, 60_000), voter(3, 500, 0, 0))},
			want: []string{"warn controller-lag controller 2"}, evidence: "last caught up 1m0s ago"},
		{name: "a voter never fetched from this leader", cluster: Cluster{Brokers: brokers(3),
			Quorum: three(voter(1, 500, 0, 0), voter(2, 500, 0, 0), voter(3, -1, -1, -1))},
			want: []string{"warn controller-lag controller 3"}, evidence: "has not fetched from the leader since it was elected, never caught up"},
		{name: "the leader's clock is the reference, not ours", cluster: Cluster{Brokers: brokers(3),
			// Our clock is a minute ahead of the leader's: nothing is late.
			ObservedAt: observedAt.Add(60_000_000_000),
			Quorum:     three(voter(1, 500, 0, 0), voter(2, 500, 500, 500), voter(3, 500, 500, 500))}},
		{name: "fenced broker", cluster: Cluster{Brokers: []Broker{{ID: 1}, {ID: 2, Fenced: true}, {ID: 3}}},
			want: []string{"error broker-fenced broker 2"}},
		{name: "quorum unsupported", cluster: Cluster{Brokers: brokers(3),
			Unread: []Unread{{What: "controllers (DescribeQuorum)", Err: "broker is too old", Unsupported: true}}},
			want: []string{"info coverage controllers (DescribeQuorum)"}},
		{name: "quorum denied", cluster: Cluster{Brokers: brokers(3),
			Unread: []Unread{{What: "controllers (DescribeQuorum)", Err: "CLUSTER_AUTHORIZATION_FAILED"}}},
			want: []string{"warn coverage controllers (DescribeQuorum)"}},
	})
}

func TestControllerLagSaysHowManyFailuresAreLeft(t *testing.T) {
	c := &Cluster{ObservedAt: observedAt, Brokers: brokers(3), Quorum: &Quorum{LeaderID: 1, Voters: []QuorumReplica{
		voter(1, 500, 0, 0), voter(2, 500, 0, 0), voter(3, 100, 30_000, 30_000)}}}
	fs := only(Check(c, Options{}), "controller-lag")
	if len(fs) != 1 || fs[0].Why != "a voter that does not keep up cannot take over as controller; 2 of 3 voters keep up and 2 are needed, so the quorum has no failure to spare: one more stops every metadata change" {
		t.Fatalf("got %+v", fs)
	}
	c.Quorum.Voters = append(c.Quorum.Voters, voter(4, 500, 0, 0), voter(5, 500, 0, 0))
	fs = only(Check(c, Options{}), "controller-lag")
	if len(fs) != 1 || fs[0].Why != "a voter that does not keep up cannot take over as controller; 4 of 5 voters keep up and 3 are needed, so the quorum survives 1 more failure(s)" {
		t.Fatalf("got %+v", fs)
	}
}
