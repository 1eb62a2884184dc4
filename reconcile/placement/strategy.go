package placement

import (
	"fmt"
	"strings"
)

// The kinds of Strategy.
const (
	// KindRackAware spreads each partition's replicas over as many racks
	// as possible, on any broker. It is the default.
	KindRackAware = "rack-aware"
	// KindInRack keeps all replicas on the brokers of one rack.
	KindInRack = "in-rack"
	// KindStatic takes an explicit replica list for each partition.
	KindStatic = "static"
)

// Strategy says which brokers may hold a topic's replicas: a Topic's
// optional spec.placement.
//
// Kind is KindRackAware (or ""), KindInRack with Rack set, or KindStatic
// with Static set: Static[i] is the replica list of partition i, its first
// broker the preferred leader.
type Strategy struct {
	Kind   string
	Rack   string
	Static [][]int32
}

// ParseStrategy parses the string forms of a strategy: "rack-aware" (or
// ""), "in-rack RACK", and "static", whose replica lists the caller fills
// in.
func ParseStrategy(s string) (Strategy, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 0 || len(f) == 1 && f[0] == KindRackAware:
		return Strategy{Kind: KindRackAware}, nil
	case len(f) == 2 && f[0] == KindInRack:
		return Strategy{Kind: KindInRack, Rack: f[1]}, nil
	case len(f) == 1 && f[0] == KindStatic:
		return Strategy{Kind: KindStatic}, nil
	case len(f) >= 1 && f[0] == KindInRack:
		return Strategy{}, fmt.Errorf("placement %q: write %q followed by exactly one rack name, as in %q", s, KindInRack, "in-rack eu-west-1a")
	}
	return Strategy{}, fmt.Errorf("unknown placement %q: write %q, %q or %q", s, KindRackAware, "in-rack RACK", KindStatic)
}

// String returns s in the form ParseStrategy reads.
func (s Strategy) String() string {
	switch s.Kind {
	case "":
		return KindRackAware
	case KindInRack:
		return KindInRack + " " + s.Rack
	}
	return s.Kind
}

// eligible returns the brokers s allows for new replicas, in brokers'
// order, or an error when there are fewer than rf of them.
func (s Strategy) eligible(brokers []Broker, rf int) ([]Broker, error) {
	switch s.Kind {
	case "", KindRackAware, KindStatic:
		if rf > len(brokers) {
			return nil, fmt.Errorf("replication factor %d is above the %d brokers in the cluster", rf, len(brokers))
		}
		return brokers, nil
	case KindInRack:
		if s.Rack == "" {
			return nil, fmt.Errorf("placement %q needs a rack name, as in %q", KindInRack, "in-rack eu-west-1a")
		}
		var in []Broker
		for _, b := range brokers {
			if b.Rack == s.Rack {
				in = append(in, b)
			}
		}
		if rf > len(in) {
			return nil, fmt.Errorf("replication factor %d is above the %d brokers in rack %q", rf, len(in), s.Rack)
		}
		return in, nil
	}
	return nil, fmt.Errorf("unknown placement kind %q: use %q, %q or %q", s.Kind, KindRackAware, KindInRack, KindStatic)
}
