package reconcile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Risk is one way a change can hurt: what a reviewer must look at twice
// before approving it. A destructive risk loses data or access for good
// once applied; any other risk can break clients or weaken guarantees but
// can be undone by a later commit.
type Risk struct {
	// Code names the rule that found the risk, such as "retention-decrease".
	// Codes are stable: policies refer to rules by them.
	Code        string `json:"code"`
	Message     string `json:"message"`
	Destructive bool   `json:"destructive"`
}

// Risk codes, one per rule. A code always has the same severity.
const (
	RiskTopicDelete             = "topic-delete"               // destructive
	RiskUserDelete              = "user-delete"                // destructive
	RiskACLDelete               = "acl-delete"                 // destructive
	RiskQuotaDelete             = "quota-delete"               // risky
	RiskPartitionsIncrease      = "partitions-increase"        // risky
	RiskRetentionDecrease       = "retention-decrease"         // destructive
	RiskRetentionUnknown        = "retention-unknown"          // risky
	RiskLocalRetentionDecrease  = "local-retention-decrease"   // risky
	RiskCleanupPolicyLoss       = "cleanup-policy-loss"        // destructive
	RiskCleanupPolicyChange     = "cleanup-policy-change"      // risky
	RiskMinInsyncReplicas       = "min-insync-replicas"        // risky
	RiskUncleanLeaderElection   = "unclean-leader-election"    // risky
	RiskMaxMessageBytesDecrease = "max-message-bytes-decrease" // risky
	RiskQuotaRemoved            = "quota-removed"              // risky
	RiskCredentialRemoved       = "credential-removed"         // destructive
	RiskPasswordChange          = "password-change"            // risky
)

// riskRule flags one kind of dangerous change. A deletion rule looks at a
// whole deletion; a field rule looks at each field of an update whose path
// it matches. Creations carry no risk: nothing existed to lose. onDelete
// and onField return the message, or "" when the rule does not fire. Each
// kind lists its rules in its registry entry.
type riskRule struct {
	code        string
	destructive bool
	// onDelete makes a deletion rule.
	onDelete func(c Change) string
	// match and onField make a field rule.
	match   func(path string) bool
	onField func(f Field) string
}

// The built-in kinds' rules, one line each, so that policies can refer to
// them by code.
var (
	topicRisks = []riskRule{
		{code: RiskTopicDelete, destructive: true, onDelete: says("deletes the topic and every message in it")},
		{code: RiskPartitionsIncrease, match: is("partitions"), onField: partitionsIncrease},
		{code: RiskReplicationDecrease, match: is("replicationFactor"), onField: replicationDecrease},
		{code: RiskReassignment, match: is("reassignment"), onField: movesData},
		{code: RiskRetentionDecrease, destructive: true, match: is("configs.retention.ms", "configs.retention.bytes"), onField: retentionDecrease},
		{code: RiskLocalRetentionDecrease, match: is("configs.local.retention.ms", "configs.local.retention.bytes"), onField: retentionDecrease},
		{code: RiskRetentionUnknown, match: is("configs.retention.ms", "configs.retention.bytes", "configs.local.retention.ms", "configs.local.retention.bytes"), onField: retentionUnknown},
		{code: RiskCleanupPolicyLoss, destructive: true, match: is("configs.cleanup.policy"), onField: cleanupPolicy(true)},
		{code: RiskCleanupPolicyChange, match: is("configs.cleanup.policy"), onField: cleanupPolicy(false)},
		{code: RiskMinInsyncReplicas, match: is("configs.min.insync.replicas"), onField: minInsyncReplicas},
		{code: RiskUncleanLeaderElection, match: is("configs.unclean.leader.election.enable"), onField: uncleanLeaderElection},
		{code: RiskMaxMessageBytesDecrease, match: is("configs.max.message.bytes"), onField: maxMessageBytesDecrease},
	}
	userRisks = []riskRule{
		{code: RiskUserDelete, destructive: true, onDelete: says("deletes the user: its clients can no longer log in")},
		{code: RiskCredentialRemoved, destructive: true, match: hasPrefix("scram.SCRAM-"), onField: credentialRemoved},
		{code: RiskPasswordChange, match: is("scram.password"), onField: passwordChange},
	}
	quotaRisks = []riskRule{
		{code: RiskQuotaDelete, onDelete: says("removes every quota of the entity: its clients are no longer throttled by them")},
		{code: RiskQuotaRemoved, match: hasPrefix("values."), onField: quotaRemoved},
	}
	aclRisks = []riskRule{
		{code: RiskACLDelete, destructive: true, onDelete: aclRemoval},
	}
)

// Risks lists what is dangerous about a change, in the order of its
// fields, by its kind's rules. A pending deletion is flagged too, since
// approving the change and applying with --allow-delete runs it; its
// message says so.
func Risks(c Change) []Risk {
	k := kindOf(c.Kind)
	if k == nil {
		return nil
	}
	var risks []Risk
	add := func(r riskRule, msg string) {
		if msg != "" {
			risks = append(risks, Risk{Code: r.code, Message: msg, Destructive: r.destructive})
		}
	}
	switch c.Action {
	case ActionDelete:
		for _, r := range k.risks {
			if r.onDelete != nil {
				add(r, r.onDelete(c)+deletionNote(c))
			}
		}
	case ActionUpdate:
		for _, f := range c.Fields {
			for _, r := range k.risks {
				if r.onField != nil && r.match(f.Path) {
					add(r, r.onField(f))
				}
			}
		}
	}
	return risks
}

// Destructive says whether any change in the plan has a destructive risk,
// pending deletions included.
func (p *Plan) Destructive() bool {
	for _, c := range p.Changes {
		if slices.ContainsFunc(Risks(c), func(r Risk) bool { return r.Destructive }) {
			return true
		}
	}
	return false
}

func deletionNote(c Change) string {
	switch {
	case c.Held != "":
		return " (held: " + c.Held + ")"
	case c.Pending:
		return " (pending: runs once applied with --allow-delete)"
	case c.Drift:
		return " (drift: runs without --allow-delete)"
	}
	return ""
}

func says(msg string) func(Change) string { return func(Change) string { return msg } }

func is(paths ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(paths, p) }
}

func hasPrefix(prefix string) func(string) bool {
	return func(p string) bool { return strings.HasPrefix(p, prefix) }
}

func aclRemoval(c Change) string {
	for _, f := range c.Fields {
		if f.Path == "permission" && fmt.Sprint(f.Old) == "DENY" {
			return "removes a DENY: access it blocked may be allowed"
		}
	}
	return "removes access: the principal loses this permission"
}

func partitionsIncrease(f Field) string {
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	if !okFrom || !okTo || to <= from {
		return ""
	}
	return fmt.Sprintf("partitions grow from %d to %d: if the topic is keyed, keys map to other partitions and per-key order breaks", from, to)
}

func replicationDecrease(f Field) string {
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	if !okFrom || !okTo || to >= from {
		return ""
	}
	return fmt.Sprintf("replication factor falls from %d to %d: fewer copies of the data, and fewer brokers that may fail without loss", from, to)
}

// movesData flags a reassignment that copies data between brokers.
func movesData(f Field) string {
	s, _ := f.New.(string)
	if s == "" || strings.Contains(s, "nothing to copy") {
		return ""
	}
	return "moves data between brokers: " + s
}

// unlimited is how Kafka writes "no limit" for retention and sizes.
const unlimited = -1

// smaller compares two limits where -1 is unlimited. ok is false when
// either is another negative value, such as local.retention's -2 ("as
// retention.*"), which does not compare.
func smaller(a, b int64) (less, ok bool) {
	switch {
	case a < unlimited || b < unlimited:
		return false, false
	case a == unlimited:
		return false, true
	case b == unlimited:
		return true, true
	}
	return a < b, true
}

// retentionDecrease fires when both values are known and the new one is
// smaller, an unlimited old value included.
func retentionDecrease(f Field) string {
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	if !okFrom || !okTo {
		return ""
	}
	if less, ok := smaller(to, from); !ok || !less {
		return ""
	}
	key := configKey(f.Path)
	what := "older messages are deleted"
	switch {
	case strings.HasPrefix(key, "local."):
		what = "segments leave local disk sooner and tiered reads go to remote storage"
	case strings.HasSuffix(key, ".bytes"):
		what = "the oldest messages past the new size are deleted"
	}
	return fmt.Sprintf("%s decreases from %s to %s: %s", key, limitText(from), limitText(to), what)
}

// retentionUnknown fires when a retention may shrink but kgitops cannot
// tell: one side is the broker default, which the plan does not know, or
// the values do not compare.
func retentionUnknown(f Field) string {
	key := configKey(f.Path)
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	switch {
	case f.New == nil:
		if okFrom {
			return fmt.Sprintf("%s override %s removed: the broker default applies, and it may be shorter", key, limitText(from))
		}
		return fmt.Sprintf("%s override removed: the broker default applies, and it may be shorter", key)
	case f.Old == nil:
		if okTo && to == unlimited {
			return ""
		}
		return fmt.Sprintf("%s set to %v where the broker default applied: messages past it are deleted if the default was longer", key, f.New)
	case okFrom && okTo:
		if _, ok := smaller(to, from); ok {
			return "" // retentionDecrease has it, or it is an increase
		}
	}
	return fmt.Sprintf("%s changes from %v to %v, which kgitops cannot compare", key, f.Old, f.New)
}

// cleanupPolicy returns the rule for destructive policy changes (compact
// removed or delete added) or for the others. An absent value is Kafka's
// default, delete, unless the broker sets log.cleanup.policy.
func cleanupPolicy(destructive bool) func(Field) string {
	return func(f Field) string {
		was, now := policySet(f.Old), policySet(f.New)
		var why []string
		if was["compact"] && !now["compact"] {
			why = append(why, "compaction stops: the latest value of each key is no longer kept for good")
		}
		if !was["delete"] && now["delete"] {
			why = append(why, "retention now deletes old messages, latest values of keys included")
		}
		if destructive != (len(why) > 0) {
			return ""
		}
		if !destructive && now["compact"] && !was["compact"] {
			why = append(why, "older messages of each key are compacted away and messages without a key are rejected")
		}
		if !destructive && was["delete"] && !now["delete"] {
			why = append(why, "time and size retention stop, so the topic keeps growing")
		}
		msg := fmt.Sprintf("cleanup.policy changes from %s to %s", policyText(f.Old), policyText(f.New))
		if len(why) > 0 {
			msg += ": " + strings.Join(why, "; ")
		}
		return msg
	}
}

func policySet(v any) map[string]bool {
	if v == nil {
		return map[string]bool{"delete": true}
	}
	set := map[string]bool{}
	for p := range strings.SplitSeq(fmt.Sprint(v), ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			set[p] = true
		}
	}
	return set
}

func policyText(v any) string {
	if v == nil {
		return "the broker default (delete unless the broker sets log.cleanup.policy)"
	}
	return fmt.Sprint(v)
}

func minInsyncReplicas(f Field) string {
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	switch {
	case okFrom && okTo && to > from:
		return fmt.Sprintf("min.insync.replicas rises from %d to %d: acks=all producers fail while fewer replicas are in sync", from, to)
	case okFrom && okTo && to < from:
		return fmt.Sprintf("min.insync.replicas drops from %d to %d: acks=all writes survive fewer broker failures", from, to)
	}
	return fmt.Sprintf("min.insync.replicas changes from %s to %s: acks=all producers may fail, or writes survive fewer broker failures", configText(f.Old), configText(f.New))
}

func uncleanLeaderElection(f Field) string {
	if !isTrue(f.New) || isTrue(f.Old) {
		return ""
	}
	return "unclean.leader.election.enable turns on: an out-of-sync replica can become leader and acknowledged messages can be lost"
}

func maxMessageBytesDecrease(f Field) string {
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	if !okFrom || !okTo {
		return ""
	}
	if less, ok := smaller(to, from); !ok || !less {
		return ""
	}
	return fmt.Sprintf("max.message.bytes decreases from %d to %d: producers of larger messages get RecordTooLarge errors", from, to)
}

func quotaRemoved(f Field) string {
	if f.New != nil {
		return ""
	}
	return fmt.Sprintf("quota %s (%v) removed: the entity's clients are no longer throttled by it", strings.TrimPrefix(f.Path, "values."), f.Old)
}

func credentialRemoved(f Field) string {
	if f.New != nil {
		return ""
	}
	return fmt.Sprintf("%s credential removed: clients that log in with it are refused", strings.TrimPrefix(f.Path, "scram."))
}

// passwordChange fires when a credential's password is replaced; a new
// credential (no old value) sets a first password and breaks nobody.
func passwordChange(f Field) string {
	if f.Old == nil || f.New == nil {
		return ""
	}
	return "password is replaced: clients must use the new one as soon as this is applied"
}

// number reads a field value as an integer: topic configs are strings,
// partitions are int32.
func number(v any) (int64, bool) {
	switch v := v.(type) {
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	case int:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	}
	return 0, false
}

func isTrue(v any) bool {
	if v == nil {
		return false
	}
	b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(fmt.Sprint(v))))
	return err == nil && b
}

func limitText(n int64) string {
	if n == unlimited {
		return "-1 (unlimited)"
	}
	return strconv.FormatInt(n, 10)
}

func configKey(path string) string { return strings.TrimPrefix(path, "configs.") }

func configText(v any) string {
	if v == nil {
		return "the broker default"
	}
	return fmt.Sprint(v)
}
