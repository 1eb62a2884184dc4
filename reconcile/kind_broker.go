package reconcile

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kgitops/kgitops/export"
	"github.com/kgitops/kgitops/spec"
)

// KindBrokerConfig is the dynamic configs of one broker, or the
// cluster-wide defaults (the BROKER resource ""): diff_broker.go,
// apply_broker.go, observe_broker.go. Only overrides set at the document's
// level are compared (source DYNAMIC_BROKER_CONFIG, or
// DYNAMIC_DEFAULT_BROKER_CONFIG for the defaults), never static or
// default values.
const KindBrokerConfig = spec.KindBrokerConfig

func init() {
	register(&kind{
		name: KindBrokerConfig,
		// Before topics: a cluster-wide default (message.max.bytes, say)
		// is in place before the topics that rely on it.
		order: 5,
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.BrokerConfigs) > 0 || len(inv.created(KindBrokerConfig)) > 0
		},
		observe:  observeBrokerConfigs,
		diff:     diffBrokerConfigs,
		apply:    func(ctx context.Context, a *applier, cs []Change) { a.applyBrokerConfigs(ctx, cs) },
		settle:   settleBrokerConfigs,
		record:   recordBrokerConfigs,
		own:      ownBrokerConfig,
		risks:    brokerConfigRisks,
		export:   exportBrokerConfigs,
		adopt:    adoptBrokerConfigs,
		liveFrom: brokerConfigsFrom,
		declared: func(st *spec.State) []string {
			names := make([]string, len(st.BrokerConfigs))
			for i, b := range st.BrokerConfigs {
				names[i] = b.Broker
			}
			return names
		},
		compare: func(a, b Change) int { return spec.CompareBrokers(a.Name, b.Name) },
		removed: " (override removed: server.properties or Kafka's default applies)",
	})
}

// BrokerConfigChange is the executable part of a BrokerConfig change. Its
// Secrets never print (Secret).
type BrokerConfigChange struct {
	// Broker is spec.DefaultBroker or a broker id.
	Broker string
	// Set holds the values to set, as Kafka's strings; Secrets the
	// sensitive ones, read from their valueFrom.
	Set     map[string]string
	Secrets map[string]Secret
	// Delete lists the overrides to remove, sorted.
	Delete []string
	// Sensitive lists the sensitive keys the document declares, sorted:
	// the inventory keeps a salted hash of each one's applied value.
	Sensitive []string
	// Existed is set when the level had overrides before kgitops first
	// applied a document to it: it is then recorded as external, managed
	// but never deleted, as a topic that existed is.
	Existed bool
	// Protect is kgitops.io/prevent-destroy to record in the inventory,
	// when it changes.
	Protect *bool
}

func (c *BrokerConfigChange) protection() *bool { return c.Protect }

// resource is the BROKER config resource the change alters: "" for the
// cluster-wide defaults.
func (c *BrokerConfigChange) resource() string { return brokerResource(c.Broker) }

func brokerResource(broker string) string {
	if broker == spec.DefaultBroker {
		return ""
	}
	return broker
}

func brokerOf(resource string) string {
	if resource == "" {
		return spec.DefaultBroker
	}
	return resource
}

// BrokerSecretKey is the key of a BrokerConfig's sensitive value in
// DiffOptions.BrokerSecrets: the broker ("default" or an id), then the
// config key. Neither holds a space.
func BrokerSecretKey(broker, key string) string { return broker + " " + key }

// valueHashes reads InventoryEntry.ValueHashes: one "key hash" pair per
// line.
func valueHashes(s string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(s) {
		if k, h, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " "); ok {
			out[k] = h
		}
	}
	return out
}

// encodeValueHashes writes hashes for InventoryEntry.ValueHashes, sorted.
func encodeValueHashes(hashes map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(hashes) {
		b.WriteString(k + " " + hashes[k] + "\n")
	}
	return b.String()
}

// recordBrokerConfigs records a level kgitops applied a BrokerConfig to,
// with a salted hash of each sensitive value it set (Kafka never returns
// them); a level that had overrides of its own is recorded as external.
// A deleted level is removed.
func recordBrokerConfigs(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{KindBrokerConfig, c.Name}
		bc := c.Payload.(*BrokerConfigChange)
		switch {
		case c.Action == ActionDelete && !c.Drift:
			r.drop(key)
		case c.Action != ActionDelete:
			e := r.entry(bc.Existed)
			prev, had := r.prior(key)
			if had {
				e.External = prev.External
			}
			// An intent records no hash: until the apply is done, the
			// secret in Kafka is not the one to hash.
			if !r.intent {
				hashes := map[string]string{}
				old := valueHashes(prev.ValueHashes)
				for _, k := range bc.Sensitive {
					s, set := bc.Secrets[k]
					if !set {
						if h, ok := old[k]; ok {
							hashes[k] = h
						}
						continue
					}
					h, err := hashCredential(k, 0, s)
					if err != nil {
						r.fail(fmt.Errorf("record BrokerConfig %s: %w", c.Name, err))
						return
					}
					hashes[k] = h
				}
				e.ValueHashes = encodeValueHashes(hashes)
			}
			e.PreventDestroy = r.protected(key, c)
			r.put(key, e)
		}
	}
}

// ownBrokerConfig: a level is there as long as its broker is registered,
// and the cluster-wide defaults always.
func ownBrokerConfig(live *Live, name string, e InventoryEntry) (InventoryEntry, ownership) {
	levels := brokerLevels(live)
	if levels == nil {
		return e, ownUnknown
	}
	lc, there := levels[name]
	switch {
	case !there:
		return e, ownMissing
	case lc.Down:
		return e, ownUnknown
	}
	return e, ownSame
}

// exportBrokerConfigs writes a BrokerConfig for each level that has
// overrides. A sensitive override is written commented out, since Kafka
// never returns its value, and ignored until someone gives its valueFrom;
// a key kgitops does not know is ignored too, so that the export plans
// empty. The replication throttles a reassignment sets are left out.
func exportBrokerConfigs(live *Live, opts ExportOptions) []ExportedFile {
	levels := brokerLevels(live)
	var bs []spec.BrokerConfig
	for _, name := range exportedLevels(live, opts) {
		lc := levels[name]
		b := spec.BrokerConfig{Name: "broker-" + name, Broker: name, Configs: map[string]string{}}
		if name == spec.DefaultBroker {
			b.Name = "cluster-defaults"
		}
		for k, v := range lc.Configs {
			switch {
			case !exportedKey(name, k):
			case !spec.KnownBrokerConfigKey(k):
				b.IgnoreConfigs = append(b.IgnoreConfigs, k)
			default:
				b.Configs[k] = v
			}
		}
		for k := range lc.Secrets {
			if b.Secrets == nil {
				b.Secrets = map[string]spec.PasswordSource{}
			}
			b.Secrets[k] = spec.PasswordSource{}
			b.IgnoreConfigs = append(b.IgnoreConfigs, k)
		}
		sort.Strings(b.IgnoreConfigs)
		bs = append(bs, b)
	}
	return export.BrokerConfigs(bs, opts.Units)
}

// exportedKey says whether an export writes the override key of the
// level broker: not the replication throttles a reassignment sets.
func exportedKey(broker, key string) bool {
	return !spec.BrokerConfigIgnoredByDefault(broker, key) || spec.BrokerConfigKept(broker, key)
}

// exportedLevels lists the levels an export writes, and adopt records:
// those with overrides kgitops would not leave alone, on brokers that are
// up, sorted as plans list them.
func exportedLevels(live *Live, opts ExportOptions) []string {
	var names []string
	for name, lc := range brokerLevels(live) {
		if lc.Down || opts.Filter != nil && !opts.Filter.MatchString(name) {
			continue
		}
		n := len(lc.Secrets)
		for k := range lc.Configs {
			if exportedKey(name, k) {
				n++
			}
		}
		if n > 0 {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, spec.CompareBrokers)
	return names
}

func adoptBrokerConfigs(live *Live, opts ExportOptions) []ResourceKey {
	var keys []ResourceKey
	for _, name := range exportedLevels(live, opts) {
		keys = append(keys, ResourceKey{KindBrokerConfig, name})
	}
	return keys
}

// brokerConfigsFrom is the levels base declares, as if applied. A
// sensitive value stands as where it comes from: an offline diff compares
// that instead.
func brokerConfigsFrom(base *spec.State, live *Live) {
	levels := map[string]LiveBrokerConfig{}
	for _, b := range base.BrokerConfigs {
		if spec.MarkedForDeletion(b.Annotations) {
			continue
		}
		lc := LiveBrokerConfig{Configs: map[string]string{}, Secrets: map[string]string{}}
		for k, v := range b.Configs {
			lc.Configs[k] = v
		}
		for k, src := range b.Secrets {
			lc.Secrets[k] = secretOrigin(src)
		}
		levels[b.Broker] = lc
		live.own(KindBrokerConfig, b.Broker, b.Annotations)
	}
	setBrokerLevels(live, levels)
}

// secretOrigin says where a sensitive value comes from, never what it is.
func secretOrigin(src spec.PasswordSource) string {
	if src.Env != "" {
		return "env " + src.Env
	}
	return "file " + src.File
}

// Risk codes of BrokerConfig changes, one per rule, as the topic rules'
// (risk.go). The rules that a topic key has too speak of the broker key,
// and of every topic that sets none of its own.
const (
	RiskBrokerConfigDelete            = "broker-config-delete"              // risky
	RiskBrokerRetentionDecrease       = "broker-retention-decrease"         // destructive
	RiskBrokerLocalRetentionDecrease  = "broker-local-retention-decrease"   // risky
	RiskBrokerRetentionUnknown        = "broker-retention-unknown"          // risky
	RiskBrokerCleanupPolicyLoss       = "broker-cleanup-policy-loss"        // destructive
	RiskBrokerCleanupPolicyChange     = "broker-cleanup-policy-change"      // risky
	RiskBrokerMinInsyncReplicas       = "broker-min-insync-replicas"        // risky
	RiskBrokerUncleanLeaderElection   = "broker-unclean-leader-election"    // risky
	RiskBrokerMaxMessageBytesDecrease = "broker-message-max-bytes-decrease" // risky
	RiskBrokerOverrideRemoved         = "broker-override-removed"           // risky
	RiskBrokerSecretChange            = "broker-secret-change"              // risky
)

var brokerConfigRisks = []riskRule{
	{code: RiskBrokerConfigDelete, onDelete: brokerConfigRemoval},
	{code: RiskBrokerRetentionDecrease, destructive: true, match: is("configs.log.retention.ms", "configs.log.retention.bytes"), onField: asBrokerKey(retentionDecrease)},
	{code: RiskBrokerLocalRetentionDecrease, match: is("configs.log.local.retention.ms", "configs.log.local.retention.bytes"), onField: asBrokerKey(retentionDecrease)},
	{code: RiskBrokerRetentionUnknown, match: is("configs.log.retention.ms", "configs.log.retention.bytes", "configs.log.local.retention.ms", "configs.log.local.retention.bytes"), onField: brokerRetentionUnknown},
	{code: RiskBrokerCleanupPolicyLoss, destructive: true, match: is("configs.log.cleanup.policy"), onField: asBrokerKey(cleanupPolicy(true))},
	{code: RiskBrokerCleanupPolicyChange, match: is("configs.log.cleanup.policy"), onField: asBrokerKey(cleanupPolicy(false))},
	{code: RiskBrokerMinInsyncReplicas, match: is("configs.min.insync.replicas"), onField: asBrokerKey(minInsyncReplicas)},
	{code: RiskBrokerUncleanLeaderElection, match: is("configs.unclean.leader.election.enable"), onField: asBrokerKey(uncleanLeaderElection)},
	{code: RiskBrokerMaxMessageBytesDecrease, match: is("configs.message.max.bytes"), onField: asBrokerKey(maxMessageBytesDecrease)},
	{code: RiskBrokerOverrideRemoved, match: brokerOtherKey, onField: brokerOverrideRemoved},
	{code: RiskBrokerSecretChange, match: hasPrefix("configs."), onField: brokerSecretChange},
}

// topicKeyOf is the topic key whose default a broker key holds, for the
// topic rules' messages: log.retention.ms holds retention.ms.
var topicKeyOf = map[string]string{
	"log.retention.ms": "retention.ms", "log.retention.bytes": "retention.bytes",
	"log.local.retention.ms": "local.retention.ms", "log.local.retention.bytes": "local.retention.bytes",
	"log.cleanup.policy": "cleanup.policy", "message.max.bytes": "max.message.bytes",
	"min.insync.replicas": "min.insync.replicas", "unclean.leader.election.enable": "unclean.leader.election.enable",
}

// asBrokerKey runs a topic rule on the topic key a broker key holds the
// default of, and says what that means for the topics that set none.
func asBrokerKey(rule func(Field) string) func(Field) string {
	return func(f Field) string {
		key := configKey(f.Path)
		topicKey := topicKeyOf[key]
		f.Path = "configs." + topicKey
		msg := rule(f)
		if msg == "" {
			return ""
		}
		msg = strings.Replace(msg, topicKey, key, 1)
		msg = strings.ReplaceAll(msg, "the broker default (delete unless the broker sets log.cleanup.policy)", "server.properties or Kafka's default (delete)")
		msg = strings.ReplaceAll(msg, "the broker default", "server.properties or Kafka's default")
		return msg + " (on every topic that sets no " + topicKey + " of its own)"
	}
}

// brokerRetentionUnknown fires when a default retention may shrink but the
// plan cannot tell: one side is server.properties or Kafka's default.
func brokerRetentionUnknown(f Field) string {
	key := configKey(f.Path)
	from, okFrom := number(f.Old)
	to, okTo := number(f.New)
	switch {
	case f.New == nil:
		return fmt.Sprintf("%s override %v removed: server.properties or Kafka's default applies to every topic that sets no %s, and it may be shorter", key, f.Old, topicKeyOf[key])
	case f.Old == nil:
		if okTo && to == unlimited {
			return ""
		}
		return fmt.Sprintf("%s set to %v where server.properties or Kafka's default applied: messages of topics that set no %s are deleted past it if that was longer", key, f.New, topicKeyOf[key])
	case okFrom && okTo:
		if _, ok := smaller(to, from); ok {
			return ""
		}
	}
	return fmt.Sprintf("%s changes from %v to %v, which kgitops cannot compare", key, f.Old, f.New)
}

// brokerRuled are the keys other BrokerConfig rules speak for.
var brokerRuled = regexp.MustCompile(`^configs\.(log\.(local\.)?retention\.(ms|bytes)|log\.cleanup\.policy|min\.insync\.replicas|unclean\.leader\.election\.enable|message\.max\.bytes)$`)

func brokerOtherKey(path string) bool {
	return strings.HasPrefix(path, "configs.") && !brokerRuled.MatchString(path)
}

func brokerOverrideRemoved(f Field) string {
	if f.New != nil {
		return ""
	}
	return fmt.Sprintf("%s override removed: server.properties or Kafka's default applies", configKey(f.Path))
}

// brokerSecretChange fires when a sensitive value kgitops applied before
// is replaced.
func brokerSecretChange(f Field) string {
	old, _ := f.Old.(string)
	if old != secretAppliedEarlier || f.New == nil {
		return ""
	}
	return fmt.Sprintf("%s is replaced: the broker reloads the listener or login that uses it as soon as this is applied", configKey(f.Path))
}

func brokerConfigRemoval(c Change) string {
	var keys []string
	for _, f := range c.Fields {
		keys = append(keys, configKey(f.Path))
	}
	return fmt.Sprintf("removes the overrides of %s (%s): server.properties or Kafka's defaults apply again", spec.BrokerLevel(c.Name), strings.Join(keys, ", "))
}
