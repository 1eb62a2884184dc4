package spec

import (
	"cmp"
	"fmt"
	"slices"
)

// decodeTopic reads a Topic document. A topic whose name is invalid or
// reserved is reported and left out of the State, so that the checks across
// documents only see real names; its spec is still checked.
func decodeTopic(d *decoder, doc document, st *State) {
	t := Topic{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Pos: doc.Pos, At: map[string]Pos{}}
	if doc.NameNode != nil {
		t.At["name"] = d.pos(doc.NameNode)
	}
	keep := doc.Name != ""
	if keep {
		if msg, ok := ValidTopicName(doc.Name); !ok {
			d.errorf(doc.NameNode, topicNameHint, "%s", msg)
			keep = false
		} else if why, ok := Reserved(doc.Name); ok {
			d.errorf(doc.NameNode, "remove this document: kgitops never creates, changes, exports or deletes such topics",
				"topic %q is reserved: %s", doc.Name, why)
			keep = false
		}
	}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {partitions: ..., replicationFactor: ...}", "spec is missing")
		return
	}
	fs, ok := d.fields(doc.Spec, "spec", "profile", "partitions", "replicationFactor", "configs", "ignoreConfigs", "schemas", "placement")
	if !ok {
		return
	}
	for _, path := range []string{"profile", "partitions", "replicationFactor", "configs", "placement"} {
		if f, ok := fs[path]; ok {
			t.At[path] = d.pos(f.Key)
		}
	}
	if f, ok := fs["schemas"]; ok && !isNull(f.Value) {
		t.Schemas = d.topicSchemas(f)
	}
	var static *staticLists
	if f, ok := fs["placement"]; ok {
		t.Placement, static = d.placement(f)
	}
	pf, profiled := fs["profile"]
	if profiled {
		t.Profile, profiled = d.name(pf)
	}

	// With a profile, a missing value is the profile's (useProfile).
	bad := false
	if f, ok := fs["partitions"]; !ok && !profiled {
		d.errorf(doc.SpecAt, "add partitions: <count> under spec, at least 1, or a profile that sets it", "partitions is missing")
	} else if ok {
		if n, ok := d.integer(f, intRange{lo: 1, hi: maxInt, bits: 32}); ok {
			t.Partitions = int32(n)
		} else {
			bad = true // reported; the profile must not fill it in
		}
	}
	if f, ok := fs["replicationFactor"]; !ok && !profiled {
		d.errorf(doc.SpecAt, "add replicationFactor: <count> under spec, at least 1, or a profile that sets it", "replicationFactor is missing")
	} else if ok {
		if n, ok := d.integer(f, intRange{lo: 1, hi: 1<<15 - 1, bits: 16}); ok {
			t.ReplicationFactor = int16(n)
		} else {
			bad = true
		}
	}

	var ignored map[string]int // ignoreConfigs entry -> line
	if f, ok := fs["ignoreConfigs"]; ok {
		t.IgnoreConfigs, ignored = d.ignoreConfigs(f)
	}
	if f, ok := fs["configs"]; ok {
		var keys []field
		t.Configs, keys = d.configs(f, &Topic{Name: t.Name, Labels: t.Labels})
		for _, k := range keys {
			t.At["configs."+k.Name] = d.pos(k.Key)
		}
		for _, k := range keys {
			if p, ok := IgnoreMatch(t.IgnoreConfigs, k.Name); ok {
				d.errorf(k.Key, "remove one of them", "%s is set in configs but ignored by ignoreConfigs entry %q at line %d", k.Name, p, ignored[p])
			}
		}
		d.l.after(func(st *State) {
			for _, k := range keys {
				if p, ok := IgnoreMatch(st.Settings.IgnoreConfigs, k.Name); ok {
					d.errorf(k.Key, "remove it here or from ignoreConfigs in Settings",
						"%s is set in configs but ignored on every topic by Settings entry %q at %s", k.Name, p, st.Settings.Pos)
				}
			}
		})
	}
	profiled = profiled && !bad
	// A static placement is checked against the partitions and
	// replication factor, which may come from the profile. The check
	// holds the two nodes it reports at, not the document: every topic's
	// YAML would otherwise stay in memory until the whole repo is read.
	if !profiled && static == nil {
		if keep {
			st.Topics = append(st.Topics, t)
		}
		return
	}
	profileAt, specAt := pf.Value, doc.SpecAt
	finish := func(t *Topic, st *State) {
		if profiled {
			d.useProfile(t, profileAt, specAt, st)
		}
		d.checkStatic(t, static)
	}
	if !keep {
		d.l.after(func(st *State) { finish(&t, st) })
		return
	}
	i := len(st.Topics)
	st.Topics = append(st.Topics, t)
	d.l.after(func(st *State) { finish(&st.Topics[i], st) })
}

// checkTopics reports topics declared twice, and distinct names that
// collide in Kafka. The later declaration (by file, then line) is reported
// and names the earlier one.
func checkTopics(l *loader, st *State) {
	ts := slices.Clone(st.Topics)
	slices.SortStableFunc(ts, func(a, b Topic) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line))
	})
	byName := map[string]Topic{}
	byKey := map[string]Topic{}
	for _, t := range ts {
		if first, ok := byName[t.Name]; ok {
			l.add(Error{Pos: t.Pos, Msg: fmt.Sprintf("topic %q is declared twice: also at %s", t.Name, first.Pos), Hint: "remove one of them"})
			continue
		}
		byName[t.Name] = t
		key := CollisionKey(t.Name)
		if first, ok := byKey[key]; ok {
			l.add(Error{
				Pos:  t.Pos,
				Msg:  fmt.Sprintf("topic %q collides with topic %q at %s: Kafka treats '.' and '_' in topic names as the same", t.Name, first.Name, first.Pos),
				Hint: "rename one of them",
			})
			continue
		}
		byKey[key] = t
	}
}

// topicSchemas reads a Topic's spec.schemas; checkSchemas checks them
// against the Schema documents.
func (d *decoder) topicSchemas(f field) TopicSchemas {
	ts := TopicSchemas{At: map[string]Pos{}}
	fs, ok := d.fields(f.Value, "schemas", "key", "value", "strategy")
	if !ok {
		return ts
	}
	for _, k := range []string{"key", "value"} {
		if g, ok := fs[k]; ok {
			if s, ok := d.name(g); ok {
				ts.At[k] = d.pos(g.Value)
				if k == "key" {
					ts.Key = s
				} else {
					ts.Value = s
				}
			}
		}
	}
	if g, ok := fs["strategy"]; ok {
		if s, ok := d.text(g, "a strategy"); ok {
			switch s {
			case "topic", "record", "topic-record":
				ts.Strategy = s
			default:
				d.errorf(g.Value, "write topic (the default), record or topic-record", "unknown subject naming strategy %q", s)
			}
		}
	}
	return ts
}
