package spec

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindBrokerConfig is the kind of BrokerConfig documents.
const KindBrokerConfig = "BrokerConfig"

// DefaultBroker is what BrokerConfig.Broker holds for the cluster-wide
// defaults, which Kafka keeps as the BROKER resource "".
const DefaultBroker = "default"

// BrokerConfig is a BrokerConfig document: the dynamic config overrides of
// one broker, or the cluster-wide defaults every broker falls back on
// (keys from brokerconfigs_table.go). Only keys Kafka can change while
// the brokers run are accepted; static ones belong in server.properties.
type BrokerConfig struct {
	Name        string
	Labels      map[string]string
	Annotations map[string]string // see AnnotationPreventDestroy and AnnotationDelete
	// Broker is DefaultBroker, or a broker id in decimal.
	Broker string
	// Configs holds the values written in the repo, as Kafka's strings
	// (units resolved, lists joined by ",").
	Configs map[string]string
	// Secrets says where the value of each sensitive key is (valueFrom):
	// passwords and keystores are never written in the repo.
	Secrets map[string]PasswordSource
	// IgnoreConfigs lists config keys (a trailing '*' matches a prefix)
	// that kgitops neither sets nor removes at this level.
	IgnoreConfigs []string

	Pos Pos // the document's "kind:" line
}

// Level names the level the document sets, for messages: "the
// cluster-wide defaults" or "broker 1".
func (b BrokerConfig) Level() string { return BrokerLevel(b.Broker) }

// BrokerLevel names a BrokerConfig's broker, for messages.
func BrokerLevel(broker string) string {
	if broker == DefaultBroker {
		return "the cluster-wide defaults"
	}
	return "broker " + broker
}

// ReadSecret reads the value of the sensitive key from where Secrets says,
// as User.ReadPassword reads a password: errors name the document, the key
// and the variable or file, never the content.
func (b BrokerConfig) ReadSecret(key string, getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	src, ok := b.Secrets[key]
	if !ok {
		return "", fmt.Errorf("%s of BrokerConfig %s: it is not a secret of the document", key, b.Name)
	}
	return src.read(fmt.Sprintf("%s of BrokerConfig %s", key, b.Name), "valueFrom", getenv, readFile)
}

// BrokerConfigIgnoredByDefault says whether kgitops leaves key alone at
// the level broker when a BrokerConfig does not declare it: the
// replication throttles a reassignment sets, and at the cluster-wide
// defaults min.insync.replicas, which Kafka 4 keeps there from the start.
func BrokerConfigIgnoredByDefault(broker, key string) bool {
	return slices.Contains(brokerIgnoredByDefault, key) || broker == DefaultBroker && slices.Contains(clusterKeptKeys, key)
}

// BrokerConfigKept says whether kgitops never removes key at the level
// broker, not even when a BrokerConfig is deleted: Kafka refuses it.
func BrokerConfigKept(broker, key string) bool {
	return broker == DefaultBroker && slices.Contains(clusterKeptKeys, key)
}

// BrokerConfigSensitive says whether Kafka types the broker key as a
// password: its value is never returned by Kafka, never printed by
// kgitops, and comes from valueFrom.
func BrokerConfigSensitive(key string) bool {
	k, _, ok := lookupBrokerKey(key)
	return ok && k.sensitive
}

// KnownBrokerConfigKey says whether key is a dynamic broker key of Kafka
// 4.1 that kgitops knows, plain or for one listener.
func KnownBrokerConfigKey(key string) bool {
	_, _, ok := lookupBrokerKey(key)
	return ok
}

var (
	listenerPrefix = "listener.name."
	// listenerName is how Kafka writes a listener in a config key: its
	// name in lower case (ListenerName.configPrefix).
	listenerName  = regexp.MustCompile(`^[a-z0-9_-]+$`)
	mechanismName = regexp.MustCompile(`^[a-z0-9-]+$`)
)

// lookupBrokerKey returns what Kafka accepts for a dynamic broker key:
// one of the table, or one of its listener keys with the prefix
// listener.name.<listener>. (and for SASL mechanism keys, then
// <mechanism>.). listener is the listener's name when there is a prefix.
func lookupBrokerKey(key string) (k brokerKey, listener string, ok bool) {
	if k, ok := brokerConfigs[key]; ok {
		return k, "", true
	}
	rest, prefixed := strings.CutPrefix(key, listenerPrefix)
	if !prefixed {
		return brokerKey{}, "", false
	}
	listener, base, _ := strings.Cut(rest, ".")
	if !listenerName.MatchString(listener) {
		return brokerKey{}, "", false
	}
	if k, ok := brokerConfigs[base]; ok && k.listener {
		if k.scope == perListener {
			k.scope = perBroker
		}
		return k, listener, true
	}
	mechanism, mbase, _ := strings.Cut(base, ".")
	if k, ok := listenerMechanismConfigs[mbase]; ok && mechanismName.MatchString(mechanism) {
		k.scope = perBroker
		return k, listener, true
	}
	return brokerKey{}, "", false
}

// brokerConfigNames lists the table's keys, sorted, for suggestions.
var brokerConfigNames = slices.Sorted(maps.Keys(brokerConfigs))

// decodeBrokerConfig reads a BrokerConfig document. Its messages never
// quote the value of a sensitive key.
func decodeBrokerConfig(d *decoder, doc document, st *State) {
	b := BrokerConfig{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {broker: default, configs: {...}}, or a broker id instead of default", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "broker", "configs", "ignoreConfigs")
	if !ok {
		return
	}
	keep := doc.Name != ""
	if f, ok := fs["broker"]; !ok {
		d.errorf(doc.SpecAt, "add broker: default under spec for the cluster-wide defaults, or broker: <id> for one broker", "broker is missing")
		keep = false
	} else if broker, ok := d.brokerName(f); ok {
		b.Broker = broker
	} else {
		keep = false
	}
	var ignored map[string]int
	if f, ok := fs["ignoreConfigs"]; ok {
		b.IgnoreConfigs, ignored = d.brokerIgnoreConfigs(f)
	}
	if f, ok := fs["configs"]; ok {
		d.brokerConfigValues(f, &b, ignored)
	}
	if keep {
		st.BrokerConfigs = append(st.BrokerConfigs, b)
	}
}

// brokerName reads spec.broker: "default" or a broker id.
func (d *decoder) brokerName(f field) (string, bool) {
	s, ok := d.text(f, `"default" or a broker id`)
	if !ok {
		return "", false
	}
	if s == DefaultBroker {
		return s, true
	}
	n, ok := parseDecimal(s)
	if !ok || n.Sign() < 0 || !n.IsInt64() || n.Int64() > maxInt {
		d.errorf(f.Value, "write broker: default for the cluster-wide defaults, or the node.id of one broker, such as broker: 1",
			"broker must be %q or a broker id, got %q", DefaultBroker, s)
		return "", false
	}
	return n.String(), true
}

// brokerConfigValues reads the configs of a BrokerConfig: a value for a
// key of the table is checked and normalized, a sensitive key's
// valueFrom is read, and other keys are checked against Settings once
// every document is read.
func (d *decoder) brokerConfigValues(f field, b *BrokerConfig, ignored map[string]int) {
	if isNull(f.Value) {
		return
	}
	ps, ok := d.pairs(f.Value, "configs")
	if !ok {
		return
	}
	for _, p := range ps {
		if pat, ok := IgnoreMatch(b.IgnoreConfigs, p.Name); ok {
			d.errorf(p.Key, "remove one of them", "%s is set in configs but ignored by ignoreConfigs entry %q at line %d", p.Name, pat, ignored[pat])
			continue
		}
		k, known := d.checkBrokerKey(p, b.Broker)
		secret := p.Value.Kind == yaml.MappingNode
		switch {
		case secret && known && !k.sensitive:
			d.errorf(p.Value, fmt.Sprintf("write the value itself: %s: <value>", p.Name),
				"%s is not sensitive: valueFrom is only for passwords and keys", p.Name)
			continue
		case secret:
			fs, inline, ok := d.secretFields(p.Value, p.Name, "valueFrom")
			if !ok {
				continue
			}
			vf, given := fs["valueFrom"]
			if !given {
				if !inline { // else it is said already
					d.errorf(p.Key, secretHint(p.Name), "%s has no valueFrom", p.Name)
				}
				continue
			}
			src := d.secretSource(vf, "valueFrom", secretHint(p.Name))
			if src == (PasswordSource{}) {
				continue
			}
			if b.Secrets == nil {
				b.Secrets = map[string]PasswordSource{}
			}
			b.Secrets[p.Name] = src
		case k.sensitive: // known, or set where Kafka does not take it
			d.errorf(p.Value, secretHint(p.Name)+", and change the secret: it is in the Git history",
				"%s is sensitive: its value is never written in the repo", p.Name)
		default:
			raw, ok := d.configText(p, k.typ == typeList)
			if !ok {
				continue
			}
			if known {
				v, err := normalizeBrokerValue(p.Name, k, raw)
				if err != nil {
					d.errorf(p.Value, cmp.Or(err.hint, decimalHint(p.Value)), "%s", err.msg)
					continue
				}
				raw = v
			}
			if b.Configs == nil {
				b.Configs = map[string]string{}
			}
			b.Configs[p.Name] = raw
		}
	}
}

func secretHint(key string) string {
	return fmt.Sprintf("give %s: {valueFrom: {env: NAME}} or {valueFrom: {file: PATH}}", key)
}

// checkBrokerKey reports a key Kafka cannot change dynamically, or not at
// the document's level, and checks an unknown one once Settings is known.
// It returns the key's entry, and whether the table knows it; an unknown
// key reported later counts as not known.
func (d *decoder) checkBrokerKey(p field, broker string) (brokerKey, bool) {
	key := p.Name
	k, listener, ok := lookupBrokerKey(key)
	switch {
	case ok && k.scope == perListener && listener == "":
		d.errorf(p.Key, fmt.Sprintf("write listener.name.<listener>.%s, for the listener whose keystore or truststore it is (the listener's name in lower case)", key),
			"%s is set per listener only", key)
		return k, false
	case ok && broker == DefaultBroker && k.scope != clusterOrBroker:
		d.errorf(p.Key, "set it in a BrokerConfig with broker: <id>, one for each broker",
			"%s cannot be a cluster-wide default: Kafka takes it for one broker only", key)
		return k, false
	case ok:
		return k, true
	}
	if slices.Contains(staticBrokerConfigs, key) {
		d.errorf(p.Key, cmp.Or(staticHints[key], "set it in server.properties on every broker, then restart them one at a time"),
			"%s cannot change while the brokers run: Kafka reads it from server.properties at startup", key)
		return brokerKey{}, false
	}
	if hint, ok := removedBrokerConfigs[key]; ok {
		d.errorf(p.Key, hint, "%s was removed in Kafka 4.0", key)
		return brokerKey{}, false
	}
	if rest, ok := strings.CutPrefix(key, listenerPrefix); ok {
		if l, _, _ := strings.Cut(rest, "."); l != strings.ToLower(l) {
			d.errorf(p.Key, "write the listener's name in lower case: "+listenerPrefix+strings.ToLower(l)+strings.TrimPrefix(rest, l),
				"listener %q in %s is not in lower case: Kafka never reads the key", l, key)
			return brokerKey{}, false
		}
	}
	d.checkBrokerKeyLater(p.Key, key)
	return brokerKey{}, false
}

const extraBrokerKeyHint = "if your Kafka really has this key and changes it while running, list it in extraBrokerConfigKeys of the Settings document"

// checkBrokerKeyLater reports, once Settings is known, a broker key that is
// neither in the table nor in extraBrokerConfigKeys.
func (d *decoder) checkBrokerKeyLater(at *yaml.Node, key string) {
	d.l.after(func(st *State) {
		extra := st.Settings.ExtraBrokerConfigKeys
		if slices.Contains(extra, key) {
			return
		}
		hint := extraBrokerKeyHint
		if s, ok := brokerSynonyms[key]; ok {
			hint = fmt.Sprintf("did you mean %s? %s is a topic key; the brokers' default for it is %s", s, key, s)
		} else if s := suggestHint(key, slices.Concat(brokerConfigNames, extra), ""); s != "" {
			hint = s + " " + extraBrokerKeyHint
		}
		d.errorf(at, hint, "unknown broker config %q", key)
	})
}

// checkIgnoredKeyLater reports, once Settings is known, an ignoreConfigs
// entry that kgitops does not know and that looks like a typo of a key it
// knows: the key meant would otherwise be removed as drift. Another
// unknown key (a vendor's) may be ignored as it is written, so that an
// export of a cluster that has one plans empty.
func (d *decoder) checkIgnoredKeyLater(at *yaml.Node, key string) {
	d.l.after(func(st *State) {
		extra := st.Settings.ExtraBrokerConfigKeys
		if slices.Contains(extra, key) {
			return
		}
		if s := suggestHint(key, brokerConfigNames, ""); s != "" {
			d.errorf(at, s+" a key kgitops does not know is ignored as written, but this one looks like a typo", "unknown broker config %q in ignoreConfigs", key)
		}
	})
}

// brokerIgnoreConfigs reads a BrokerConfig's list of keys and key prefixes
// ending in '*' to leave alone, and the line of each.
func (d *decoder) brokerIgnoreConfigs(f field) ([]string, map[string]int) {
	entries, nodes := d.stringList(f)
	var out []string
	lines := map[string]int{}
	for i, e := range entries {
		prefix, wild := strings.CutSuffix(e, "*")
		if bad, ok := badKeyChar(prefix); !ok {
			d.errorf(nodes[i], "write a config key, or a key prefix ending in '*'", "ignoreConfigs entry %q contains %q", e, bad)
			continue
		}
		switch {
		case wild || KnownBrokerConfigKey(e):
		case slices.Contains(staticBrokerConfigs, e):
			d.errorf(nodes[i], "remove it: only dynamic overrides are compared",
				"ignoreConfigs entry %s is read from server.properties at startup, never set while the brokers run", e)
			continue
		default:
			d.checkIgnoredKeyLater(nodes[i], e)
		}
		out = append(out, e)
		lines[e] = nodes[i].Line
	}
	return out, lines
}

// extraBrokerConfigKeys reads Settings' list of broker keys the table
// lacks.
func (d *decoder) extraBrokerConfigKeys(f field) []string {
	entries, nodes := d.stringList(f)
	var out []string
	for i, e := range entries {
		switch bad, ok := badKeyChar(e); {
		case !ok:
			d.errorf(nodes[i], "write the exact key", "extraBrokerConfigKeys entry %q contains %q", e, bad)
		case KnownBrokerConfigKey(e):
			d.errorf(nodes[i], "remove it from extraBrokerConfigKeys", "%s is already known to kgitops", e)
		case slices.Contains(staticBrokerConfigs, e):
			d.errorf(nodes[i], "remove it from extraBrokerConfigKeys, and set it in server.properties",
				"%s cannot change while the brokers run: Kafka reads it from server.properties at startup", e)
		default:
			out = append(out, e)
		}
	}
	return out
}

// normalizeBrokerValue checks value against what Kafka accepts for the
// broker key and returns it in canonical form, as NormalizeConfig does
// for topic keys: units resolved on .ms and .bytes keys, whole numbers
// in decimal, booleans in lower case, list items joined by ",". Free
// text is kept as written, without the space around it.
func normalizeBrokerValue(key string, k brokerKey, value string) (string, *valueError) {
	switch {
	case k.typ == typeString && k.enum == nil:
		return strings.TrimSpace(value), nil
	case k.typ == typeList && k.enum == nil:
		return strings.Join(splitList(value), ","), nil
	}
	plain, err := ApplyUnits(key, value)
	if err != nil {
		return "", err.(*valueError)
	}
	s, msg, hint := k.normalize(plain)
	if msg == "" {
		return s, nil
	}
	if plain != strings.TrimSpace(value) {
		msg += " (from " + strings.TrimSpace(value) + ")"
	}
	return "", &valueError{msg: key + " " + msg, hint: hint}
}

// BrokerConfigEqual reports whether a and b mean the same value of the
// broker key, as ConfigEqual does for topic keys: by the key's type, units
// resolved. Free lists (cipher suites, principal mapping rules) keep
// their order; keys outside the table compare as exact strings.
func BrokerConfigEqual(key, a, b string) bool {
	if a == b {
		return true
	}
	k, _, ok := lookupBrokerKey(key)
	switch {
	case !ok || k.sensitive:
		return false
	case k.typ == typeString && k.enum == nil:
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	case k.typ == typeList && k.enum == nil:
		return slices.Equal(splitList(a), splitList(b))
	}
	if ua, err := ApplyUnits(key, a); err == nil {
		a = ua
	}
	if ub, err := ApplyUnits(key, b); err == nil {
		b = ub
	}
	canon := canonicalizers[k.typ]
	ca, okA := canon(a)
	cb, okB := canon(b)
	return okA && okB && ca == cb
}

// checkBrokerConfigs reports two documents for the same broker, or two for
// the cluster-wide defaults, naming the first, and sorts the documents:
// the defaults first, then by broker id.
func checkBrokerConfigs(l *loader, st *State) {
	bs := slices.Clone(st.BrokerConfigs)
	slices.SortStableFunc(bs, func(a, b BrokerConfig) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line))
	})
	first := map[string]BrokerConfig{}
	for _, b := range bs {
		if f, ok := first[b.Broker]; ok {
			what := "broker " + b.Broker
			if b.Broker == DefaultBroker {
				what = "the cluster-wide defaults (broker: default)"
			}
			l.add(Error{Pos: b.Pos, Msg: fmt.Sprintf("BrokerConfig for %s is declared twice: also at %s", what, f.Pos),
				Hint: "keep one document per broker: move these configs into the other one"})
			continue
		}
		first[b.Broker] = b
	}
	slices.SortStableFunc(st.BrokerConfigs, func(a, b BrokerConfig) int { return CompareBrokers(a.Broker, b.Broker) })
}

// CompareBrokers orders BrokerConfig brokers as plans list them: the
// cluster-wide defaults first, then broker ids by number.
func CompareBrokers(a, b string) int {
	if a == DefaultBroker || b == DefaultBroker {
		return cmp.Compare(boolInt(b == DefaultBroker), boolInt(a == DefaultBroker))
	}
	x, _ := strconv.ParseInt(a, 10, 64)
	y, _ := strconv.ParseInt(b, 10, 64)
	return cmp.Compare(x, y)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
