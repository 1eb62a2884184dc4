package spec

import (
	"cmp"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// Finding is one rule a resource breaks: a Policy's rule, a built-in rule,
// or a check against the live cluster. An error blocks apply and the
// daemon; a warning is printed and counted.
type Finding struct {
	Rule     string `json:"rule"`     // such as "house-rules/partitions" or "min-isr-above-rf"
	Severity string `json:"severity"` // error or warn
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Message  string `json:"message"` // what is wrong, and what to change
}

// At returns where the finding is, as file:line.
func (f Finding) At() Pos { return Pos{File: f.File, Line: f.Line} }

// The built-in rules. Each is on unless a Policy in scope disables it.
const (
	RuleMinISRAboveRF     = "min-isr-above-rf"         // error
	RuleMinISREqualsRF    = "min-isr-equals-rf"        // warn
	RuleRFOneNotEphemeral = "rf-one-outside-ephemeral" // warn
	RuleUnknownConfig     = "unknown-config"           // error, at load
	RuleConfigValue       = "config-value"             // error, at load

	// Checks against the live cluster, at plan time (reconcile).
	RuleRFAboveBrokers      = "rf-above-brokers"      // error; cannot be disabled: Kafka refuses such a topic
	RuleRFAboveRacks        = "rf-above-racks"        // warn
	RulePartitionsPerBroker = "partitions-per-broker" // error above the limit, warn above 80% of it
	RuleDiskWorstCase       = "disk-worst-case"       // error above the usable bytes, warn above 80% of them
	RuleAutoCreateTopics    = "auto-create-topics"    // warn
)

// BuiltinRules lists the names of the built-in rules.
func BuiltinRules() []string {
	return []string{RuleAutoCreateTopics, RuleConfigValue, RuleDiskWorstCase, RuleMinISRAboveRF, RuleMinISREqualsRF,
		RulePartitionsPerBroker, RuleRFAboveRacks, RuleRFOneNotEphemeral, RuleUnknownConfig}
}

// RuleOff says whether a Policy turns a built-in rule off for a topic, or,
// for a nil topic (a rule about the whole cluster), a Policy that holds
// every topic.
func (s *State) RuleOff(t *Topic, rule string) bool { return s.ruleOff(t, rule) }

// policiesFor returns the policies whose scope holds the topic.
func (s *State) policiesFor(t Topic) []Policy {
	var out []Policy
	for _, p := range s.Policies {
		if p.Match.Matches(t) {
			out = append(out, p)
		}
	}
	return out
}

// disabled says whether a policy in ps turns the built-in rule off.
func disabled(ps []Policy, rule string) bool {
	for _, p := range ps {
		if slices.Contains(p.Disable, rule) {
			return true
		}
	}
	return false
}

// Findings checks every topic against the built-in rules and the repo's
// policies. It is pure: the cluster's checks are the plan's (reconcile).
// Findings are sorted by file, line, rule and name.
func (s *State) Findings() []Finding {
	var out []Finding
	for _, t := range s.Topics {
		ps := s.policiesFor(t)
		out = append(out, builtinFindings(t, ps)...)
		for _, p := range ps {
			out = append(out, p.topicFindings(t)...)
		}
	}
	for _, p := range s.Policies {
		out = append(out, p.teamFindings(s.Topics)...)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Message, b.Message))
	})
	return out
}

func topicFinding(rule, severity string, t Topic, path, format string, args ...any) Finding {
	at := t.PosOf(path)
	return Finding{Rule: rule, Severity: severity, Kind: KindTopic, Name: t.Name, File: at.File, Line: at.Line, Message: fmt.Sprintf(format, args...)}
}

// PosOf is where a topic's value at path was written: its own line, the
// profile that set it, or else the topic's "kind:" line.
func (t Topic) PosOf(path string) Pos {
	if p, ok := t.At[path]; ok {
		return p
	}
	return t.Pos
}

// builtinFindings applies the built-in rules that ps leaves on.
func builtinFindings(t Topic, ps []Policy) []Finding {
	var out []Finding
	rf := int64(t.ReplicationFactor)
	if v, ok := t.Configs["min.insync.replicas"]; ok {
		if isr, ok := parseDecimal(v); ok && isr.IsInt64() {
			n := isr.Int64()
			switch {
			case n > rf && !disabled(ps, RuleMinISRAboveRF):
				out = append(out, topicFinding(RuleMinISRAboveRF, SeverityError, t, "configs.min.insync.replicas",
					"min.insync.replicas %d is above the replication factor %d: writes with acks=all can never succeed; set min.insync.replicas to at most %d", n, rf, rf))
			case n == rf && rf > 1 && !disabled(ps, RuleMinISREqualsRF):
				out = append(out, topicFinding(RuleMinISREqualsRF, SeverityWarn, t, "configs.min.insync.replicas",
					"min.insync.replicas %d equals the replication factor: one broker down stops writes with acks=all; set it to %d, or raise the replication factor", n, rf-1))
			}
		}
	}
	if rf == 1 && t.Profile != "ephemeral" && !disabled(ps, RuleRFOneNotEphemeral) {
		out = append(out, topicFinding(RuleRFOneNotEphemeral, SeverityWarn, t, "replicationFactor",
			"replication factor 1: losing one broker loses the topic's data; set replicationFactor: 3, or use profile ephemeral for data that may be lost"))
	}
	return out
}

// topicFindings applies the policy's topic rules to t.
func (p Policy) topicFindings(t Topic) []Finding {
	var out []Finding
	rule := func(name string) string { return p.Name + "/" + name }
	add := func(r ruleBase, name, path, format string, args ...any) {
		f := topicFinding(rule(name), r.Severity, t, path, format+" (policy %s at %s)", append(args, p.Name, r.Pos)...)
		out = append(out, f)
	}
	if r := p.NamePattern; r != nil && !r.Pattern.MatchString(t.Name) {
		add(r.ruleBase, "namePattern", "name", "name %q does not match %s; rename the topic to match it", t.Name, r.Pattern)
	}
	bound := func(r *RangeRule, name, path string, v int64) {
		switch {
		case r == nil:
		case r.Min != nil && v < *r.Min:
			add(r.ruleBase, name, path, "%s %d is below the minimum %d; set %s: %d or more", name, v, *r.Min, name, *r.Min)
		case r.Max != nil && v > *r.Max:
			add(r.ruleBase, name, path, "%s %d is above the maximum %d; set %s: %d or less", name, v, *r.Max, name, *r.Max)
		}
	}
	bound(p.Partitions, "partitions", "partitions", int64(t.Partitions))
	bound(p.Replication, "replicationFactor", "replicationFactor", int64(t.ReplicationFactor))
	if r := p.RequiredConfigs; r != nil {
		for _, k := range r.Keys {
			if _, ok := t.Configs[k]; !ok {
				add(r.ruleBase, "requiredConfigs", "configs", "configs.%s is required; set it under configs, or use a profile that sets it", k)
			}
		}
	}
	if r := p.ForbiddenConfigs; r != nil {
		for _, k := range r.Keys {
			if _, ok := t.Configs[k]; ok {
				add(r.ruleBase, "forbiddenConfigs", "configs."+k, "configs.%s is forbidden; remove it (from the topic, or from its profile)", k)
			}
		}
	}
	for _, r := range p.Configs {
		v, ok := t.Configs[r.Key]
		if !ok {
			continue
		}
		path := "configs." + r.Key
		if r.OneOf != nil && !slices.ContainsFunc(r.OneOf, func(o string) bool { return ConfigEqual(r.Key, o, v) }) {
			add(r.ruleBase, "configs."+r.Key, path, "%s %s is not one of %s; set one of them", path, ShowValue(r.Key, v), strings.Join(r.OneOf, ", "))
		}
		n, ok := parseDecimal(v)
		if !ok {
			continue
		}
		if r.Min != nil && n.Cmp(mustDecimal(*r.Min)) < 0 && !unlimited(r.Key, n) {
			add(r.ruleBase, "configs."+r.Key, path, "%s %s is below the minimum %s; raise it", path, ShowValue(r.Key, v), ShowValue(r.Key, *r.Min))
		}
		if r.Max != nil && (n.Cmp(mustDecimal(*r.Max)) > 0 || unlimited(r.Key, n)) {
			add(r.ruleBase, "configs."+r.Key, path, "%s %s is above the maximum %s; lower it", path, ShowValue(r.Key, v), ShowValue(r.Key, *r.Max))
		}
	}
	if r := p.Profiles; r != nil {
		allowed := slices.Contains(r.Keys, t.Profile) || (t.Profile == "" && slices.Contains(r.Keys, "none"))
		if !allowed {
			what := "no profile"
			if t.Profile != "" {
				what = "profile " + t.Profile
			}
			add(r.ruleBase, "profiles", "profile", "%s is not allowed; use one of %s", what, strings.Join(r.Keys, ", "))
		}
	}
	return out
}

// unlimited says whether n is a key's "no limit" value (-1, or a negative
// retention.bytes): above any maximum, never below a minimum.
func unlimited(key string, n *big.Int) bool {
	return n.Sign() < 0 && (UnitOf(key) != NoUnit)
}

func mustDecimal(s string) *big.Int {
	n, _ := parseDecimal(s)
	return n
}

// teamFindings counts the topics in the policy's scope by their label
// team, against maxTopicsPerTeam.
func (p Policy) teamFindings(topics []Topic) []Finding {
	r := p.MaxTopicsPerTeam
	if r == nil || r.Max == nil {
		return nil
	}
	count := map[string]int{}
	for _, t := range topics {
		if team := t.Labels["team"]; team != "" && p.Match.Matches(t) {
			count[team]++
		}
	}
	var out []Finding
	for _, team := range slices.Sorted(maps.Keys(count)) {
		if n := int64(count[team]); n > *r.Max {
			out = append(out, Finding{Rule: p.Name + "/maxTopicsPerTeam", Severity: r.Severity, Kind: KindPolicy, Name: p.Name,
				File: r.Pos.File, Line: r.Pos.Line,
				Message: fmt.Sprintf("team %s declares %d topics, more than the %d maxTopicsPerTeam allows; remove %d, or raise the limit", team, n, *r.Max, n-*r.Max)})
		}
	}
	return out
}
