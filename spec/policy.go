package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindPolicy holds an organisation's rules for topics.
const KindPolicy = "Policy"

// Severities of a finding.
const (
	SeverityError = "error" // blocks apply and the daemon
	SeverityWarn  = "warn"  // printed and counted
)

// Policy is one Policy document: rules for the topics in its scope.
type Policy struct {
	Name     string
	Severity string // the default of its rules: error unless given
	Match    PolicyMatch

	NamePattern      *PatternRule
	Partitions       *RangeRule
	Replication      *RangeRule // replicationFactor
	RequiredConfigs  *KeysRule
	ForbiddenConfigs *KeysRule
	Configs          []ConfigRule // by key, in the order written
	Profiles         *KeysRule    // allowed profile names; "none" allows a topic without one
	MaxTopicsPerTeam *RangeRule   // Max only, counted by the label team
	// AllowConfigPrefixes lets topics in scope (and profiles) carry config
	// keys kgitops does not know that start with one of these, such as a
	// vendor's "confluent.": their values are passed through unchecked.
	AllowConfigPrefixes []string
	// Disable turns built-in rules off, by name, for the topics in scope.
	Disable []string

	Pos Pos // the document's "kind:" line
}

// PolicyMatch is a policy's scope: topics whose name matches the pattern
// and that carry every label. An empty match is every topic.
type PolicyMatch struct {
	NamePattern *regexp.Regexp
	Labels      map[string]string
}

// Matches says whether a topic is in the scope.
func (m PolicyMatch) Matches(t Topic) bool {
	if m.NamePattern != nil && !m.NamePattern.MatchString(t.Name) {
		return false
	}
	for k, v := range m.Labels {
		if t.Labels[k] != v {
			return false
		}
	}
	return true
}

// ruleBase is what every rule has: its severity and where it is written.
type ruleBase struct {
	Severity string
	Pos      Pos
}

// PatternRule is a regular expression names must match.
type PatternRule struct {
	ruleBase
	Pattern *regexp.Regexp
}

// RangeRule bounds a whole number; nil bounds are open.
type RangeRule struct {
	ruleBase
	Min, Max *int64
}

// KeysRule is a list of names: config keys or profiles.
type KeysRule struct {
	ruleBase
	Keys []string
}

// ConfigRule bounds one config key's value: Min and Max (Kafka's numbers,
// units resolved) for whole-number keys, OneOf for any key.
type ConfigRule struct {
	ruleBase
	Key      string
	Min, Max *string
	OneOf    []string
}

// decodePolicy reads a Policy document.
func decodePolicy(d *decoder, doc document, st *State) {
	p := Policy{Name: doc.Name, Severity: SeverityError, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {topics: {...}}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "severity", "match", "topics", "disable")
	if !ok {
		return
	}
	if f, ok := fs["severity"]; ok {
		p.Severity = d.severity(f, SeverityError)
	}
	if f, ok := fs["match"]; ok {
		p.Match = d.policyMatch(f)
	}
	if f, ok := fs["topics"]; ok {
		d.topicRules(f, &p)
	}
	if f, ok := fs["disable"]; ok {
		names, nodes := d.stringList(f)
		for i, n := range names {
			if !slices.Contains(BuiltinRules(), n) {
				d.errorf(nodes[i], suggestHint(n, BuiltinRules(), "built-in rules: "+strings.Join(BuiltinRules(), ", ")), "unknown built-in rule %q", n)
				continue
			}
			p.Disable = append(p.Disable, n)
		}
	}
	if _, ok := fs["topics"]; !ok && len(p.Disable) == 0 {
		d.errorf(doc.SpecAt, "add topics: {...} with rules, or disable: [...]", "the policy has no rules")
	}
	if doc.Name != "" {
		st.Policies = append(st.Policies, p)
	}
}

// checkPolicies reports a policy declared twice.
func checkPolicies(l *loader, st *State) {
	declaredOnce(l, "policy", st.Policies, func(p Policy) (string, Pos) { return p.Name, p.Pos })
}

// declaredOnce reports each document of a list whose name an earlier one
// (in load order) has, naming the earlier one.
func declaredOnce[T any](l *loader, noun string, docs []T, id func(T) (string, Pos)) {
	seen := map[string]Pos{}
	for _, doc := range docs {
		name, pos := id(doc)
		if first, ok := seen[name]; ok {
			l.add(Error{Pos: pos, Msg: fmt.Sprintf("%s %q is declared twice: also at %s", noun, name, first), Hint: "remove one of them"})
			continue
		}
		seen[name] = pos
	}
}

func (d *decoder) severity(f field, def string) string {
	s, ok := d.text(f, "error or warn")
	if !ok {
		return def
	}
	if s != SeverityError && s != SeverityWarn {
		d.errorf(f.Value, "write error or warn", "%s must be error or warn, got %q", f.Name, s)
		return def
	}
	return s
}

func (d *decoder) pattern(f field) *regexp.Regexp {
	s, ok := d.name(f)
	if !ok {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		d.errorf(f.Value, "write a Go (RE2) regular expression", "%s is not a regular expression: %v", f.Name, err)
		return nil
	}
	return re
}

func (d *decoder) policyMatch(f field) PolicyMatch {
	var m PolicyMatch
	fs, ok := d.fields(f.Value, "match", "namePattern", "labels")
	if !ok {
		return m
	}
	if f, ok := fs["namePattern"]; ok {
		f.Name = "match.namePattern"
		m.NamePattern = d.pattern(f)
	}
	if f, ok := fs["labels"]; ok {
		f.Name = "match.labels"
		m.Labels = d.stringMap(f)
	}
	return m
}

// ruleFields reads a rule written as a mapping with an optional severity,
// or in its short form (a scalar or a list) when short names the field
// the short form stands for.
func (d *decoder) ruleFields(f field, p *Policy, short string, known ...string) (map[string]field, ruleBase, bool) {
	base := ruleBase{Severity: p.Severity, Pos: d.pos(f.Key)}
	if short != "" && f.Value.Kind != yaml.MappingNode {
		return map[string]field{short: {Name: f.Name, Key: f.Key, Value: f.Value}}, base, true
	}
	fs, ok := d.fields(f.Value, f.Name, append(known, "severity")...)
	if !ok {
		return nil, base, false
	}
	if s, ok := fs["severity"]; ok {
		s.Name = f.Name + ".severity"
		base.Severity = d.severity(s, p.Severity)
	}
	return fs, base, true
}

func (d *decoder) rangeRule(f field, p *Policy, r intRange, bounds ...string) *RangeRule {
	short := ""
	if len(bounds) == 1 {
		short = bounds[0]
	}
	fs, base, ok := d.ruleFields(f, p, short, bounds...)
	if !ok {
		return nil
	}
	rule := &RangeRule{ruleBase: base}
	for _, b := range bounds {
		bf, ok := fs[b]
		if !ok {
			continue
		}
		bf.Name = f.Name + "." + b
		if n, ok := d.integer(bf, r); ok {
			switch b {
			case "min":
				rule.Min = &n
			default:
				rule.Max = &n
			}
		}
	}
	if rule.Min == nil && rule.Max == nil {
		d.errorf(f.Key, "give "+strings.Join(bounds, " and/or "), "%s sets no bound", f.Name)
		return nil
	}
	if rule.Min != nil && rule.Max != nil && *rule.Min > *rule.Max {
		d.errorf(f.Key, "make min at most max", "%s: min %d is above max %d", f.Name, *rule.Min, *rule.Max)
	}
	return rule
}

func (d *decoder) keysRule(f field, p *Policy, list string) *KeysRule {
	fs, base, ok := d.ruleFields(f, p, list, list)
	if !ok {
		return nil
	}
	lf, ok := fs[list]
	if !ok {
		d.errorf(f.Key, "add "+list+": [...]", "%s lists nothing", f.Name)
		return nil
	}
	keys, _ := d.stringList(lf)
	return &KeysRule{ruleBase: base, Keys: keys}
}

// topicRules reads spec.topics.
func (d *decoder) topicRules(f field, p *Policy) {
	fs, ok := d.fields(f.Value, "topics", "namePattern", "partitions", "replicationFactor", "requiredConfigs",
		"forbiddenConfigs", "configs", "profiles", "maxTopicsPerTeam", "allowConfigPrefixes")
	if !ok {
		return
	}
	if f, ok := fs["namePattern"]; ok {
		if rfs, base, ok := d.ruleFields(f, p, "pattern", "pattern"); ok {
			if pf, ok := rfs["pattern"]; ok {
				pf.Name = "namePattern"
				if re := d.pattern(pf); re != nil {
					p.NamePattern = &PatternRule{ruleBase: base, Pattern: re}
				}
			}
		}
	}
	if f, ok := fs["partitions"]; ok {
		p.Partitions = d.rangeRule(f, p, intRange{lo: 1, hi: maxInt, bits: 32}, "min", "max")
	}
	if f, ok := fs["replicationFactor"]; ok {
		p.Replication = d.rangeRule(f, p, intRange{lo: 1, hi: 1<<15 - 1, bits: 16}, "min", "max")
	}
	if f, ok := fs["maxTopicsPerTeam"]; ok {
		p.MaxTopicsPerTeam = d.rangeRule(f, p, intRange{lo: 0, hi: maxInt, bits: 32}, "max")
	}
	if f, ok := fs["requiredConfigs"]; ok {
		p.RequiredConfigs = d.keysRule(f, p, "keys")
	}
	if f, ok := fs["forbiddenConfigs"]; ok {
		p.ForbiddenConfigs = d.keysRule(f, p, "keys")
	}
	if f, ok := fs["profiles"]; ok {
		p.Profiles = d.keysRule(f, p, "allowed")
	}
	if f, ok := fs["allowConfigPrefixes"]; ok {
		p.AllowConfigPrefixes, _ = d.stringList(f)
	}
	if f, ok := fs["configs"]; ok {
		d.configRules(f, p)
	}
}

// configRules reads spec.topics.configs: per key, min, max and oneOf.
func (d *decoder) configRules(f field, p *Policy) {
	ps, ok := d.pairs(f.Value, "configs")
	if !ok {
		return
	}
	for _, kf := range ps {
		kf.Name = "configs." + kf.Name
		key := kf.Key.Value
		fs, base, ok := d.ruleFields(kf, p, "", "min", "max", "oneOf")
		if !ok {
			continue
		}
		rule := ConfigRule{ruleBase: base, Key: key}
		c, known := topicConfigs[key]
		whole := known && (c.typ == typeInt || c.typ == typeLong)
		for _, b := range []string{"min", "max"} {
			bf, ok := fs[b]
			if !ok {
				continue
			}
			if !whole {
				d.errorf(bf.Key, "use oneOf for this key", "%s: %s bounds whole-number keys only", kf.Name, b)
				continue
			}
			s, ok := d.text(bf, "a number")
			if !ok {
				continue
			}
			v, err := NormalizeConfig(key, s)
			if err != nil {
				d.errorf(bf.Value, "", "%s.%s: %v", kf.Name, b, err)
				continue
			}
			if b == "min" {
				rule.Min = &v
			} else {
				rule.Max = &v
			}
		}
		if of, ok := fs["oneOf"]; ok {
			vals, nodes := d.stringList(of)
			for i, v := range vals {
				if known {
					if _, err := NormalizeConfig(key, v); err != nil {
						d.errorf(nodes[i], "", "%s.oneOf: %v", kf.Name, err)
						continue
					}
				}
				rule.OneOf = append(rule.OneOf, v)
			}
		}
		_, hasMin := fs["min"]
		_, hasMax := fs["max"]
		_, hasOneOf := fs["oneOf"]
		if !hasMin && !hasMax && !hasOneOf {
			d.errorf(kf.Key, "give min, max or oneOf", "%s sets no rule", kf.Name)
			continue
		}
		if rule.Min != nil || rule.Max != nil || rule.OneOf != nil {
			p.Configs = append(p.Configs, rule)
		}
	}
}
