package spec

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Placement strategies: where a topic's replicas go when kgitops
// reassigns them, such as to change the replication factor.
const (
	// PlacementRackAware spreads each partition's replicas over as many
	// racks as possible (the default).
	PlacementRackAware = "rack-aware"
	// PlacementInRack puts every replica on brokers of one rack.
	PlacementInRack = "in-rack"
	// PlacementStatic lists each partition's replicas by broker id.
	PlacementStatic = "static"
)

// Placement is a Topic's spec.placement.
type Placement struct {
	Strategy string // PlacementRackAware, PlacementInRack or PlacementStatic
	// Rack is the rack (the brokers' broker.rack) of PlacementInRack.
	Rack string
	// Static holds, for PlacementStatic, one list of broker ids per
	// partition, partition 0 first; a list's first broker is the
	// partition's preferred leader. There are as many lists as the topic
	// has partitions, each as long as its replication factor, each broker
	// in a list once.
	Static [][]int32
	Pos    Pos // the "placement:" line
}

// inRack matches "in-rack <rack>": a rack name without control characters
// or spaces around it. The schema uses the same pattern.
var inRack = regexp.MustCompile(`^in-rack +([^ \x00-\x1f\x7f]([^\x00-\x1f\x7f]*[^ \x00-\x1f\x7f])?)$`)

// placementForms lists what placement takes, for hints.
const placementForms = "placement takes rack-aware (the default: replicas over as many racks as possible), in-rack <rack> (every replica in one rack), " +
	"or static: [[1, 2, 3], [2, 3, 1]] (broker ids, one list per partition, the preferred leader first)"

const staticHint = "write static: [[1, 2, 3], [2, 3, 1]]: one list of broker ids per partition, partition 0 first, the preferred leader first in each"

// staticLists is what the check of a static placement against the
// topic's partitions and replication factor needs: the static: key and
// each partition's list.
type staticLists struct {
	key   *yaml.Node
	lists []*yaml.Node
}

// placement reads a Topic's spec.placement; null is no placement. The
// static lists are returned for checkStatic, which needs the topic's
// effective partitions and replication factor.
func (d *decoder) placement(f field) (*Placement, *staticLists) {
	v := f.Value
	if isNull(v) {
		return nil, nil
	}
	p := &Placement{Pos: d.pos(f.Key)}
	if v.Kind == yaml.MappingNode {
		fs, ok := d.fields(v, "placement", PlacementStatic)
		if !ok {
			return p, nil
		}
		g, ok := fs[PlacementStatic]
		if !ok {
			if len(v.Content) == 0 {
				d.errorf(v, placementForms, "placement is an empty mapping")
			}
			return p, nil
		}
		p.Strategy = PlacementStatic
		sl := d.static(g, p)
		return p, sl
	}
	if v.Kind != yaml.ScalarNode {
		d.errorf(v, placementForms, "placement must be text or a mapping, got %s", describe(v))
		return p, nil
	}
	s := v.Value
	switch m := inRack.FindStringSubmatch(s); {
	case s == PlacementRackAware:
		p.Strategy = PlacementRackAware
	case m != nil:
		p.Strategy, p.Rack = PlacementInRack, m[1]
	case strings.TrimSpace(s) == PlacementInRack:
		d.errorf(v, "write in-rack <rack>, such as in-rack a: the rack (the brokers' broker.rack) of every replica", "in-rack needs a rack name")
	case strings.HasPrefix(s, PlacementInRack+" "):
		d.errorf(v, "write in-rack <rack>: in-rack, a space, then the rack name",
			"placement %q: a rack name has no control characters, nor spaces around it", s)
	case strings.TrimSpace(s) == PlacementStatic:
		d.errorf(v, staticHint, "static placement needs the replica lists")
	default:
		hint := placementForms
		word, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		if sug := suggestHint(word, []string{PlacementRackAware, PlacementInRack, PlacementStatic}, ""); sug != "" {
			hint = sug + " " + hint
		}
		d.errorf(v, hint, "unknown placement %q", s)
	}
	return p, nil
}

// static reads the replica lists of a static placement into p.
func (d *decoder) static(f field, p *Placement) *staticLists {
	v := f.Value
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, staticHint, "static must be a list of replica lists, got %s", describe(v))
		return nil
	}
	sl := &staticLists{key: f.Key}
	for i, item := range v.Content {
		list := resolve(item)
		if list == nil {
			continue
		}
		sl.lists = append(sl.lists, list)
		if list.Kind != yaml.SequenceNode {
			d.errorf(list, fmt.Sprintf("write [1, 2, 3]: the brokers of partition %d's replicas, the preferred leader first", i),
				"the replicas of partition %d must be a list of broker ids, got %s", i, describe(list))
			p.Static = append(p.Static, nil)
			continue
		}
		brokers := make([]int32, 0, len(list.Content))
		seen := map[int32]bool{}
		for _, b := range list.Content {
			b = resolve(b)
			if b == nil {
				continue
			}
			n, ok := d.integer(field{Name: fmt.Sprintf("a broker id of partition %d", i), Value: b}, intRange{lo: 0, hi: maxInt, bits: 32})
			if !ok {
				continue
			}
			if seen[int32(n)] {
				d.errorf(b, "list each broker once: a partition has one replica per broker", "partition %d lists broker %d twice", i, n)
				continue
			}
			seen[int32(n)] = true
			brokers = append(brokers, int32(n))
		}
		p.Static = append(p.Static, brokers)
	}
	return sl
}

// checkStatic checks a static placement against the topic's partitions
// and replication factor, once a profile has filled them in. A value that
// is 0 was reported missing or wrong already.
func (d *decoder) checkStatic(t *Topic, sl *staticLists) {
	if sl == nil {
		return
	}
	from := func(path string) string {
		if t.FromProfile[path] {
			return ", from " + t.ProfileOrigin
		}
		return ""
	}
	if n := int64(t.Partitions); n > 0 && int64(len(sl.lists)) != n {
		d.errorf(sl.key, fmt.Sprintf("write %s, one per partition, partition 0 first", count(n, "replica list")),
			"static placement has %s, but the topic has %s%s", count(int64(len(sl.lists)), "replica list"), count(n, "partition"), from("partitions"))
	}
	rf := int64(t.ReplicationFactor)
	if rf <= 0 {
		return
	}
	for i, list := range sl.lists {
		if list.Kind == yaml.SequenceNode && int64(len(list.Content)) != rf {
			d.errorf(list, fmt.Sprintf("list %s for partition %d, the preferred leader first", count(rf, "broker id"), i),
				"partition %d has %s in the static placement, but replicationFactor is %d%s", i, count(int64(len(list.Content)), "replica"), rf, from("replicationFactor"))
		}
	}
}

// count is "1 partition", "3 partitions".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
