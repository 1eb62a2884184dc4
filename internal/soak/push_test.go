package soak

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// pushResult is one commit pushed during the soak and how it ended.
type pushResult struct {
	sha      string
	latency  time.Duration // push done → /status lastAppliedRevision is the commit
	applied  bool          // within the bound, and the cluster shows it
	late     bool          // applied after the bound
	err      string
	mismatch []string // topics of the commit the cluster does not show
}

// pusher pushes a commit every interval, as a team would: new retention
// for some topics and a few new topics, followed by the git host's push
// webhook.
type pusher struct {
	m     *model
	g     *gitRepo
	p     *daemonProc
	adm   *kadm.Client
	every time.Duration
	bound time.Duration

	mu      sync.Mutex
	results []pushResult
	head    string // the last commit pushed
}

func (ps *pusher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(ps.every):
		}
		r := ps.one(ctx)
		ps.mu.Lock()
		ps.results = append(ps.results, r)
		ps.mu.Unlock()
	}
}

func (ps *pusher) one(ctx context.Context) pushResult {
	changed, added := ps.m.push()
	sha, err := ps.g.commit(ps.m, fmt.Sprintf("soak: push %d: retention.ms of %d topics, %d new topics", ps.m.pushes, len(changed), len(added)))
	if err != nil {
		return pushResult{err: err.Error()}
	}
	ps.mu.Lock()
	ps.head = sha
	ps.mu.Unlock()
	r := pushResult{sha: sha}
	at := time.Now()
	if err := ps.p.webhook(ctx, sha); err != nil {
		r.err = err.Error() // the interval still brings the commit in
	}
	for time.Since(at) < ps.bound+time.Minute {
		st, err := ps.p.status(ctx)
		if err == nil && st.LastAppliedRevision == sha {
			r.latency = time.Since(at)
			r.applied, r.late = r.latency <= ps.bound, r.latency > ps.bound
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r.latency == 0 {
		r.err = "never applied"
		return r
	}
	want := map[string]map[string]string{}
	for _, n := range append(changed, added...) {
		want[n] = ps.m.topic(n)
	}
	bad, err := topicsMismatch(ctx, ps.adm, want)
	if err != nil {
		r.err = "check the cluster: " + err.Error()
	}
	r.mismatch = bad
	r.applied = r.applied && len(bad) == 0 && err == nil
	return r
}

func (ps *pusher) all() ([]pushResult, string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]pushResult(nil), ps.results...), ps.head
}
