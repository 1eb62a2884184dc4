package spec

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KindTopicProfile is a named bundle of topic settings that topics use
// with spec.profile.
const KindTopicProfile = "TopicProfile"

// TopicProfile is a named bundle of partitions, replication factor and
// configs. A Topic that names it takes each value it does not set itself.
type TopicProfile struct {
	Name string
	// Description says what the profile is for and why its values are
	// what they are.
	Description       string
	Partitions        int32 // 0: not set
	ReplicationFactor int16 // 0: not set
	Configs           map[string]string
	Labels            map[string]string

	// BuiltIn is set on kgitops' own profiles (BuiltinProfiles).
	BuiltIn bool
	Pos     Pos // the document's "kind:" line; zero for a built-in
}

// Origin names the profile for people: "profile durable (built-in)" or
// "profile durable at profiles.yaml:3".
func (p TopicProfile) Origin() string {
	if p.BuiltIn {
		return "profile " + p.Name + " (built-in)"
	}
	return "profile " + p.Name + " at " + p.Pos.String()
}

// decodeTopicProfile reads a TopicProfile document.
func decodeTopicProfile(d *decoder, doc document, st *State) {
	p := TopicProfile{Name: doc.Name, Labels: doc.Labels, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {replicationFactor: ..., configs: {...}}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "description", "partitions", "replicationFactor", "configs")
	if !ok {
		return
	}
	if f, ok := fs["description"]; ok {
		p.Description, _ = d.text(f, "a string")
	}
	if f, ok := fs["partitions"]; ok {
		if n, ok := d.integer(f, intRange{lo: 1, hi: maxInt, bits: 32}); ok {
			p.Partitions = int32(n)
		}
	}
	if f, ok := fs["replicationFactor"]; ok {
		if n, ok := d.integer(f, intRange{lo: 1, hi: 1<<15 - 1, bits: 16}); ok {
			p.ReplicationFactor = int16(n)
		}
	}
	if f, ok := fs["configs"]; ok {
		p.Configs, _ = d.configs(f, nil)
	}
	_, hasP := fs["partitions"]
	_, hasR := fs["replicationFactor"]
	_, hasC := fs["configs"]
	if !hasP && !hasR && !hasC {
		d.errorf(doc.SpecAt, "add partitions, replicationFactor or configs under spec", "the profile sets nothing")
	}
	if doc.Name != "" {
		st.Profiles = append(st.Profiles, p)
	}
}

// checkProfiles reports a profile declared twice.
func checkProfiles(l *loader, st *State) {
	declaredOnce(l, "profile", st.Profiles, func(p TopicProfile) (string, Pos) { return p.Name, p.Pos })
}

// Profile returns the profile a topic names: the repo's, else the
// built-in one of that name.
func (s *State) Profile(name string) (TopicProfile, bool) {
	for _, p := range s.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return BuiltinProfile(name)
}

// ProfileOverrides lists the repo's profiles that replace a built-in one
// of the same name, in name order.
func (s *State) ProfileOverrides() []TopicProfile {
	var out []TopicProfile
	for _, p := range s.Profiles {
		if _, ok := BuiltinProfile(p.Name); ok {
			out = append(out, p)
		}
	}
	return out
}

// profileNames lists every profile a topic may name.
func (s *State) profileNames() []string {
	names := map[string]bool{}
	for _, p := range builtinProfiles {
		names[p.Name] = true
	}
	for _, p := range s.Profiles {
		names[p.Name] = true
	}
	return slices.Sorted(maps.Keys(names))
}

// useProfile fills in, once every document is read, what the topic at
// st.Topics[i] (or t, a topic left out of the State) takes from the
// profile it names at node: partitions, replication factor and each
// config key it neither sets nor ignores. It reports an unknown profile,
// and partitions or a replication factor that neither sets.
func (d *decoder) useProfile(t *Topic, node *yaml.Node, spec *yaml.Node, st *State) {
	p, ok := st.Profile(t.Profile)
	if !ok {
		names := st.profileNames()
		d.errorf(node, suggestHint(t.Profile, names, "profiles: "+strings.Join(names, ", ")), "unknown profile %q", t.Profile)
		return
	}
	t.ProfileOrigin = p.Origin()
	t.FromProfile = map[string]bool{}
	from := d.pos(node) // a built-in profile's values were written where the topic names it
	if !p.BuiltIn {
		from = p.Pos
	}
	if t.At == nil {
		t.At = map[string]Pos{}
	}
	if t.Partitions == 0 {
		if p.Partitions == 0 {
			d.errorf(spec, "add partitions: <count> under spec, at least 1", "partitions is missing, and %s does not set it", p.Origin())
		}
		t.Partitions = p.Partitions
		t.FromProfile["partitions"] = true
		t.At["partitions"] = from
	}
	if t.ReplicationFactor == 0 {
		if p.ReplicationFactor == 0 {
			d.errorf(spec, "add replicationFactor: <count> under spec, at least 1", "replicationFactor is missing, and %s does not set it", p.Origin())
		}
		t.ReplicationFactor = p.ReplicationFactor
		t.FromProfile["replicationFactor"] = true
		t.At["replicationFactor"] = from
	}
	for _, k := range slices.Sorted(maps.Keys(p.Configs)) {
		if _, own := t.Configs[k]; own {
			continue
		}
		if _, ignored := IgnoreMatch(t.IgnoreConfigs, k); ignored {
			continue
		}
		if _, ignored := IgnoreMatch(st.Settings.IgnoreConfigs, k); ignored {
			continue
		}
		if t.Configs == nil {
			t.Configs = map[string]string{}
		}
		t.Configs[k] = p.Configs[k]
		t.FromProfile["configs."+k] = true
		t.At["configs."+k] = from
	}
}

// SetBy says who set a topic's value at path ("partitions",
// "replicationFactor" or "configs.KEY"): "topic" or its profile's
// Origin; "" for a topic without a profile.
func (t Topic) SetBy(path string) string {
	switch {
	case t.Profile == "":
		return ""
	case t.FromProfile[path]:
		return t.ProfileOrigin
	}
	return "topic"
}

// sortProfiles keeps profiles in name order.
func (s *State) sortProfiles() {
	slices.SortStableFunc(s.Profiles, func(a, b TopicProfile) int { return cmp.Compare(a.Name, b.Name) })
}
