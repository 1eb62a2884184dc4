package soak

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The soak reads the cluster with its own requests, never through the
// daemon, to judge whether the daemon did its job.

// topicsMismatch returns the topics of want whose dynamic overrides differ
// from want, or that do not exist, in one DescribeConfigs request.
func topicsMismatch(ctx context.Context, adm *kadm.Client, want map[string]map[string]string) ([]string, error) {
	names := slices.Sorted(maps.Keys(want))
	rcs, err := adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var bad []string
	for _, rc := range rcs {
		seen[rc.Name] = true
		if rc.Err != nil || !maps.Equal(overrides(rc), want[rc.Name]) {
			bad = append(bad, rc.Name)
		}
	}
	for _, n := range names {
		if !seen[n] {
			bad = append(bad, n)
		}
	}
	slices.Sort(bad)
	return bad, nil
}

func overrides(rc kadm.ResourceConfig) map[string]string {
	out := map[string]string{}
	for _, c := range rc.Configs {
		if c.Source == kmsg.ConfigSourceDynamicTopicConfig && c.Value != nil {
			out[c.Key] = *c.Value
		}
	}
	return out
}

// topicID returns a topic's id by a Metadata request of its own (kadm's
// metadata helpers may answer from the client's cache, which lags behind a
// deletion), or ok false when the topic does not exist.
func topicID(ctx context.Context, cl *kgo.Client, name string) (id [16]byte, ok bool, err error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(name)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return id, false, err
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && *t.Topic == name && t.ErrorCode == 0 && len(t.Partitions) > 0 {
			return t.TopicID, true, nil
		}
	}
	return id, false, nil
}

// aclsOf returns a principal's ALLOW bindings on topics.
func aclsOf(ctx context.Context, adm *kadm.Client, principal string) ([]aclRule, error) {
	b := kadm.NewACLs().Allow(principal).AllowHosts().Topics().ResourcePatternType(kadm.ACLPatternAny).Operations(kadm.OpAny)
	res, err := adm.DescribeACLs(ctx, b)
	if err != nil {
		return nil, err
	}
	var out []aclRule
	for _, r := range res {
		if r.Err != nil {
			return nil, r.Err
		}
		for _, d := range r.Described {
			if d.Host != "*" {
				return nil, fmt.Errorf("acl of %s from host %s", principal, d.Host)
			}
			out = append(out, aclRule{d.Name, d.Pattern, d.Operation})
		}
	}
	return out, nil
}

func sameRules(a, b []aclRule) bool {
	key := func(r aclRule) string { return fmt.Sprint(r.topic, "|", r.pattern, "|", r.op) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, r := range a {
		ka[i] = key(r)
	}
	for i, r := range b {
		kb[i] = key(r)
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

// quotaOf returns a user's quota values.
func quotaOf(ctx context.Context, adm *kadm.Client, user string) (map[string]float64, error) {
	qs, err := adm.DescribeClientQuotas(ctx, true, []kadm.DescribeClientQuotaComponent{{Type: "user", MatchName: &user}})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, q := range qs {
		for _, v := range q.Values {
			out[v.Key] = v.Value
		}
	}
	return out, nil
}

// alterTopic sets (value non-nil) or removes a topic override.
func alterTopic(ctx context.Context, adm *kadm.Client, topic, key string, value *string) error {
	op := kadm.AlterConfig{Op: kadm.DeleteConfig, Name: key}
	if value != nil {
		op = kadm.AlterConfig{Op: kadm.SetConfig, Name: key, Value: value}
	}
	rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{op}, topic)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Err != nil {
			return fmt.Errorf("alter %s of %s: %w", key, topic, r.Err)
		}
	}
	return nil
}

// deleteAll removes what the soak made, in batches the controller takes.
func deleteAll(ctx context.Context, adm *kadm.Client, m *model) error {
	names := slices.Sorted(maps.Keys(m.allTopics()))
	for len(names) > 0 {
		n := min(len(names), 1000)
		if _, err := adm.DeleteTopics(ctx, names[:n]...); err != nil {
			return err
		}
		names = names[n:]
	}
	if _, err := adm.DeleteACLs(ctx, kadm.NewACLs().Allow(m.principals()...).AllowHosts().Topics().ResourcePatternType(kadm.ACLPatternAny).Operations(kadm.OpAny)); err != nil {
		return err
	}
	var entries []kadm.AlterClientQuotaEntry
	for _, u := range m.quotaUsers() {
		e := kadm.AlterClientQuotaEntry{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: &u}}}
		for k := range m.quotas[u] {
			e.Ops = append(e.Ops, kadm.AlterClientQuotaOp{Key: k, Remove: true})
		}
		entries = append(entries, e)
	}
	_, err := adm.AlterClientQuotas(ctx, entries)
	return err
}

// finalMismatch compares every resource of the repo with the cluster.
func finalMismatch(adm *kadm.Client, m *model) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bad, err := topicsMismatch(ctx, adm, m.allTopics())
	if err != nil {
		return err
	}
	var problems []string
	if len(bad) > 0 {
		problems = append(problems, fmt.Sprintf("%d topics differ: %s", len(bad), strings.Join(bad[:min(len(bad), 5)], ", ")))
	}
	for _, p := range m.principals() {
		got, err := aclsOf(ctx, adm, p)
		if err != nil {
			return err
		}
		if !sameRules(got, m.acls[p]) {
			problems = append(problems, fmt.Sprintf("ACLs of %s: %v, want %v", p, got, m.acls[p]))
		}
	}
	for _, u := range m.quotaUsers() {
		got, err := quotaOf(ctx, adm, u)
		if err != nil {
			return err
		}
		if !maps.Equal(got, m.quotas[u]) {
			problems = append(problems, fmt.Sprintf("quotas of %s: %v, want %v", u, got, m.quotas[u]))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
