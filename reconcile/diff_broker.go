package reconcile

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// What a plan shows for a sensitive value: never the value.
const (
	secretNotByKgitops   = "(not set by kgitops)"
	secretAppliedEarlier = "(applied earlier)"
	secretHidden         = "(sensitive: Kafka never returns it)"
)

// diffBrokerConfigs brings each declared level's overrides to its
// document: declared keys that differ are set, overrides the document
// does not declare are removed, ignored keys are left alone. A sensitive
// value cannot be read back, so it is compared with the salted hash the
// inventory keeps of what kgitops applied. A level the repo no longer
// declares loses its overrides only when kgitops applied it (the
// inventory holds it, not as external), and only with AllowDelete.
func diffBrokerConfigs(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	levels := brokerLevels(live)
	if levels == nil {
		if len(desired.BrokerConfigs) > 0 {
			p.refuse(KindBrokerConfig, "*", "the cluster's broker configs were not read")
		}
		return
	}
	// A Live made by LiveFrom knows no brokers: the offline diff compares
	// documents, and cannot tell which broker ids exist.
	offline := max(live.RegisteredBrokers, live.Brokers) == 0
	base := map[string]bool{}
	if opts.Baseline != nil {
		for _, b := range opts.Baseline.BrokerConfigs {
			base[b.Broker] = true
		}
	}
	declared := map[string]bool{}
	for _, b := range desired.BrokerConfigs {
		declared[b.Broker] = true
		lc, known := levels[b.Broker]
		switch {
		case !known && !offline:
			p.refuseOrBlock(KindBrokerConfig, b.Broker, fmt.Sprintf("broker %s is not registered with the cluster, whose brokers are %s: in BrokerConfig %s, set broker to the node.id of one of them, or remove the document",
				b.Broker, brokerIDs(levels), b.Name), base[b.Broker])
			continue
		case lc.Down:
			p.block(KindBrokerConfig, b.Broker, fmt.Sprintf("broker %s is down: its configs are read, and changed, once it is back", b.Broker))
			continue
		case spec.MarkedForDeletion(b.Annotations):
			// A deletion written in git: every override of the level
			// goes but the ignored ones, whoever set it.
			if c, ok := deleteBrokerConfig(b.Broker, lc, b.IgnoreConfigs, opts); ok {
				c.Requested = true
				c.Sources = []string{"BrokerConfig " + b.Name + " at " + b.Pos.String() + " (" + spec.AnnotationDelete + ")"}
				p.Changes = append(p.Changes, c)
			}
			continue
		}
		if c, ok := p.updateBrokerConfig(b, lc, live.Inventory, opts, offline); ok {
			p.Changes = append(p.Changes, c)
		}
	}
	for _, name := range live.Inventory.created(KindBrokerConfig) {
		lc, ok := levels[name]
		if declared[name] || !ok || lc.Down {
			continue
		}
		if c, ok := deleteBrokerConfig(name, lc, nil, opts); ok {
			p.Changes = append(p.Changes, c)
		}
	}
}

// updateBrokerConfig compares a BrokerConfig with the overrides of its
// level.
func (p *Plan) updateBrokerConfig(b spec.BrokerConfig, lc LiveBrokerConfig, inv Inventory, opts DiffOptions, offline bool) (Change, bool) {
	key := ResourceKey{KindBrokerConfig, b.Broker}
	entry, held := inv.Entries[key]
	hashes := valueHashes(entry.ValueHashes)
	bc := &BrokerConfigChange{Broker: b.Broker, Set: map[string]string{}, Secrets: map[string]Secret{}}
	isDeclared := func(k string) bool {
		_, plain := b.Configs[k]
		_, secret := b.Secrets[k]
		return plain || secret
	}
	keys := slices.Concat(sortedKeys(b.Configs), sortedKeys(b.Secrets), sortedKeys(lc.Configs), sortedKeys(lc.Secrets))
	sort.Strings(keys)
	keys = slices.Compact(keys)

	var fields []Field
	existed := false // the level has overrides this document does not leave alone
	for _, k := range keys {
		if ignored(k, b.IgnoreConfigs) || !isDeclared(k) && spec.BrokerConfigIgnoredByDefault(b.Broker, k) {
			continue
		}
		have, set := lc.Configs[k]
		origin, setSecret := lc.Secrets[k]
		existed = existed || set || setSecret
		path := "configs." + k
		want, plain := b.Configs[k]
		src, secret := b.Secrets[k]
		switch {
		case plain && !set:
			bc.Set[k] = want
			fields = append(fields, Field{Path: path, New: want})
		case plain && !spec.BrokerConfigEqual(k, want, have):
			bc.Set[k] = want
			fields = append(fields, Field{Path: path, Old: have, New: want})
		case secret:
			bc.Sensitive = append(bc.Sensitive, k)
			from := secretOrigin(src)
			if offline { // compared by where each comes from
				switch {
				case !setSecret:
					fields = append(fields, Field{Path: path, New: "(set from " + from + ")"})
				case origin != from:
					fields = append(fields, Field{Path: path, Old: "(from " + origin + ")", New: "(changed, from " + from + ")"})
				}
				continue
			}
			value, ok := opts.BrokerSecrets[BrokerSecretKey(b.Broker, k)]
			if !ok || value.IsZero() {
				p.refuse(KindBrokerConfig, b.Broker, fmt.Sprintf("no value was given for %s to compare with: read it from its valueFrom before planning", k))
				return Change{}, false
			}
			var f Field
			switch h, recorded := hashes[k]; {
			case !setSecret && !set:
				f = Field{Path: path, New: "(set from " + from + ")"}
			case !recorded:
				f = Field{Path: path, Old: secretNotByKgitops, New: "(set from " + from + ")"}
			case !credentialMatches(h, k, 0, value):
				f = Field{Path: path, Old: secretAppliedEarlier, New: "(changed, from " + from + ")"}
			default:
				continue
			}
			bc.Secrets[k] = value
			fields = append(fields, f)
		case !plain && !secret && (set || setSecret):
			bc.Delete = append(bc.Delete, k)
			old := any(have)
			if setSecret {
				old = secretHidden
			}
			fields = append(fields, Field{Path: path, Old: old})
		}
	}
	bc.Existed = existed && !inv.has(KindBrokerConfig, b.Broker)
	// The inventory holds the level once kgitops changes it.
	if want := spec.PreventDestroy(b.Annotations); (len(fields) > 0 || held) && want != entry.PreventDestroy {
		bc.Protect = &want
		var old any
		if held {
			old = entry.PreventDestroy
		}
		fields = append(fields, protectField(old, want))
	}
	if len(fields) == 0 {
		return Change{}, false
	}
	action := ActionUpdate
	if !existed {
		action = ActionCreate
	}
	return Change{Action: action, Kind: KindBrokerConfig, Name: b.Broker, Fields: fields, Payload: bc,
		Sources: []string{"BrokerConfig " + b.Name + " at " + b.Pos.String()}}, true
}

// deleteBrokerConfig removes every override of a level but those ignore
// and the defaults leave alone (the replication throttles; the
// cluster-wide min.insync.replicas, which Kafka 4 refuses to remove). It
// is false when there is none to remove.
func deleteBrokerConfig(broker string, lc LiveBrokerConfig, ignore []string, opts DiffOptions) (Change, bool) {
	bc := &BrokerConfigChange{Broker: broker}
	var fields []Field
	keys := slices.Concat(sortedKeys(lc.Configs), sortedKeys(lc.Secrets))
	sort.Strings(keys)
	for _, k := range keys {
		if ignored(k, ignore) || spec.BrokerConfigIgnoredByDefault(broker, k) {
			continue
		}
		bc.Delete = append(bc.Delete, k)
		old := any(lc.Configs[k])
		if _, secret := lc.Secrets[k]; secret {
			old = secretHidden
		}
		fields = append(fields, Field{Path: "configs." + k, Old: old})
	}
	if len(fields) == 0 {
		return Change{}, false
	}
	return Change{Action: ActionDelete, Kind: KindBrokerConfig, Name: broker, Fields: fields, Payload: bc, Pending: !opts.AllowDelete}, true
}

// brokerIDs lists the registered brokers' ids, for messages.
func brokerIDs(levels map[string]LiveBrokerConfig) string {
	var ids []string
	for name := range levels {
		if name != spec.DefaultBroker {
			ids = append(ids, name)
		}
	}
	slices.SortFunc(ids, spec.CompareBrokers)
	if len(ids) == 0 {
		return "unknown"
	}
	return strings.Join(ids, ", ")
}
