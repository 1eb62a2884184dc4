package spec

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

const extraKeyHint = "if your Kafka really has this key, list it in extraConfigKeys of the Settings document"

// IgnoreMatch returns the first pattern that matches the config key: equal
// to it, or ending in '*' and a prefix of it.
func IgnoreMatch(patterns []string, key string) (pattern string, ok bool) {
	for _, p := range patterns {
		if prefix, wild := strings.CutSuffix(p, "*"); (wild && strings.HasPrefix(key, prefix)) || p == key {
			return p, true
		}
	}
	return "", false
}

// configs reads a topic's config overrides. Values of keys in the table are
// checked and normalized now; other keys are kept as written and checked
// against Settings once every document is read. It returns the keys too,
// for later checks that report at them. scope is the topic the configs
// are for (nil for a profile's): a Policy in scope may turn the checks of
// keys and values off (see ruleOff).
func (d *decoder) configs(f field, scope *Topic) (map[string]string, []field) {
	if isNull(f.Value) {
		return nil, nil
	}
	ps, ok := d.pairs(f.Value, "configs")
	if !ok || len(ps) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		c, known := topicConfigs[p.Name]
		known = known && c.removed == ""
		if !known {
			d.checkKeyLater(p.Key, p.Name, scope)
		}
		raw, ok := d.configText(p, known && c.typ == typeList)
		if !ok {
			continue
		}
		if known {
			v, err := NormalizeConfig(p.Name, raw)
			if ve := (*valueError)(nil); errors.As(err, &ve) {
				// Reported once the policies are known; passed through
				// as written where one turns config-value off.
				d.l.after(func(st *State) {
					if !st.ruleOff(scope, RuleConfigValue) {
						d.errorf(p.Value, cmp.Or(ve.hint, decimalHint(p.Value)), "%s", ve.msg)
					}
				})
				out[p.Name] = raw
				continue
			}
			raw = v
		}
		out[p.Name] = raw
	}
	return out, ps
}

// configText returns a config value as Kafka's string: a scalar as written,
// a list (only for list keys) joined with ",".
func (d *decoder) configText(p field, list bool) (string, bool) {
	v := p.Value
	switch {
	case isNull(v):
		d.errorf(v, "remove the key to drop the override", "%s has no value", p.Name)
	case v.Kind == yaml.ScalarNode:
		return v.Value, true
	case v.Kind == yaml.SequenceNode && list:
		items := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			s, ok := d.text(field{Name: "an item of " + p.Name, Value: resolve(it)}, "a string")
			if !ok {
				return "", false
			}
			items = append(items, s)
		}
		return strings.Join(items, ","), true
	case v.Kind == yaml.SequenceNode:
		d.errorf(v, `write the items as one string: "a,b"`, "%s takes one value, not a list", p.Name)
	default:
		d.errorf(v, "", "%s must be a value, got %s", p.Name, describe(v))
	}
	return "", false
}

// ruleOff says whether a Policy turns a built-in rule off for scope: a
// topic's policies, or for a profile (nil) the policies of every topic.
func (st *State) ruleOff(scope *Topic, rule string) bool {
	return disabled(st.scopePolicies(scope), rule)
}

// prefixAllowed says whether a Policy for scope lets key through by one
// of its allowConfigPrefixes.
func (st *State) prefixAllowed(scope *Topic, key string) bool {
	for _, p := range st.scopePolicies(scope) {
		for _, prefix := range p.AllowConfigPrefixes {
			if strings.HasPrefix(key, prefix) {
				return true
			}
		}
	}
	return false
}

func (st *State) scopePolicies(scope *Topic) []Policy {
	if scope != nil {
		return st.policiesFor(*scope)
	}
	var out []Policy
	for _, p := range st.Policies {
		if p.Match.NamePattern == nil && len(p.Match.Labels) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// checkKeyLater reports, once Settings is known, a config key that is
// neither in the table nor in extraConfigKeys.
func (d *decoder) checkKeyLater(at *yaml.Node, key string, scope *Topic) {
	d.l.after(func(st *State) {
		extra := st.Settings.ExtraConfigKeys
		if KnownConfigKey(key) || slices.Contains(extra, key) || st.prefixAllowed(scope, key) {
			return
		}
		if _, removed := topicConfigs[key]; !removed && st.ruleOff(scope, RuleUnknownConfig) {
			return
		}
		if c, ok := topicConfigs[key]; ok {
			d.errorf(at, c.removed, "%s was removed in Kafka 4.0", key)
			return
		}
		hint := extraKeyHint
		if s := suggestHint(key, slices.Concat(topicConfigNames, extra), ""); s != "" {
			hint = s + " " + extraKeyHint
		}
		d.errorf(at, hint, "unknown topic config %q", key)
	})
}

// ignoreConfigs reads a list of config keys and key prefixes ending in
// '*'. It returns the entries and the line of each.
func (d *decoder) ignoreConfigs(f field) ([]string, map[string]int) {
	entries, nodes := d.stringList(f)
	var out []string
	lines := map[string]int{}
	for i, e := range entries {
		prefix, wild := strings.CutSuffix(e, "*")
		if bad, ok := badKeyChar(prefix); !ok {
			hint := "write a config key, or a key prefix ending in '*'"
			d.errorf(nodes[i], hint, "ignoreConfigs entry %q contains %q", e, bad)
			continue
		}
		if !wild {
			d.checkKeyLater(nodes[i], e, nil)
		}
		out = append(out, e)
		lines[e] = nodes[i].Line
	}
	return out, lines
}

// extraConfigKeys reads Settings' list of topic config keys that the
// table lacks.
func (d *decoder) extraConfigKeys(f field) []string {
	entries, nodes := d.stringList(f)
	var out []string
	for i, e := range entries {
		if bad, ok := badKeyChar(e); !ok {
			d.errorf(nodes[i], "write the exact key, such as confluent.placement.constraints", "extraConfigKeys entry %q contains %q", e, bad)
			continue
		}
		if KnownConfigKey(e) {
			d.errorf(nodes[i], "remove it from extraConfigKeys", "%s is already known to kgitops", e)
			continue
		}
		out = append(out, e)
	}
	return out
}

// badKeyChar returns the first character of a config key that is not a
// letter, digit, '.', '_' or '-'.
func badKeyChar(key string) (rune, bool) {
	for _, r := range key {
		if !topicNameChar(r) {
			return r, false
		}
	}
	return 0, true
}
