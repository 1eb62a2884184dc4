package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Defaults of the Settings document's reassignment block, for what it
// leaves out.
const (
	// DefaultReplicationThrottle is the replication throttle, in bytes per
	// second per broker, of a reassignment when Settings sets none:
	// 50 MiB/s.
	DefaultReplicationThrottle = 50 * 1024 * 1024
	// DefaultMaxPartitionsInFlight is how many partitions one
	// reassignment moves at once when Settings sets no number.
	DefaultMaxPartitionsInFlight = 10
	// MaxPartitionsInFlightLimit is the most partitions in flight that
	// Settings may ask for.
	MaxPartitionsInFlightLimit = 10000
)

// What Settings.reassignment.placementDrift asks for when a partition's
// replicas were moved out of band, away from its topic's placement.
const (
	PlacementDriftReport = "report" // show it in the plan, leave it (the default)
	PlacementDriftRevert = "revert" // move the replicas back
)

// placementDrifts are the values placementDrift takes.
var placementDrifts = []string{PlacementDriftReport, PlacementDriftRevert}

// ReassignmentSettings is the Settings document's spec.reassignment: the
// bounds of the partition reassignments kgitops makes, such as to change
// a topic's replication factor.
type ReassignmentSettings struct {
	// Throttle is the replication throttle rate per broker, in bytes per
	// second; 0 means no throttle. The loader sets it to -1, and leaves
	// ThrottleSet false, when the repo sets no throttle. Rate reads both.
	Throttle    int64
	ThrottleSet bool
	// MaxPartitionsInFlight is how many partitions are moved at once,
	// 1 to MaxPartitionsInFlightLimit; 0 when not set. See InFlight.
	MaxPartitionsInFlight int
	// PlacementDrift is PlacementDriftReport or PlacementDriftRevert; ""
	// when not set. See Drift.
	PlacementDrift string

	Pos Pos // the reassignment: line; zero when not declared
}

// Rate is the throttle to use, in bytes per second per broker: Throttle
// when the repo sets one (0: none), else DefaultReplicationThrottle.
func (r ReassignmentSettings) Rate() int64 {
	if !r.ThrottleSet || r.Throttle < 0 {
		return DefaultReplicationThrottle
	}
	return r.Throttle
}

// InFlight is how many partitions to move at once:
// MaxPartitionsInFlight, or DefaultMaxPartitionsInFlight when not set.
func (r ReassignmentSettings) InFlight() int {
	if r.MaxPartitionsInFlight <= 0 {
		return DefaultMaxPartitionsInFlight
	}
	return r.MaxPartitionsInFlight
}

// Drift is what to do about placement drift: PlacementDrift, or
// PlacementDriftReport when not set.
func (r ReassignmentSettings) Drift() string {
	if r.PlacementDrift == "" {
		return PlacementDriftReport
	}
	return r.PlacementDrift
}

// unsetReassignment is the reassignment block of a repo that declares none.
func unsetReassignment() ReassignmentSettings { return ReassignmentSettings{Throttle: -1} }

// RateHint says what forms a replication throttle rate takes.
const RateHint = "write bytes per second: a whole number, a size with a unit (" + sizeUnitsShort + "), or none (also 0) for no throttle"

// sizeUnitsShort are examples of sizes, for RateHint.
const sizeUnitsShort = "50MiB, 1GiB in powers of 2; 100MB, 1GB in powers of 10"

// rateNone is the word for no throttle.
const rateNone = "none"

// ParseRate reads a replication throttle rate, in bytes per second, as the
// Settings document and the --throttle flag take it: a whole number of
// bytes ("1048576"), a size with a unit as keys ending in .bytes take
// ("50MiB", "100MB", "1.5GiB"), or "none" or "0" for no throttle, which
// ParseRate returns as 0. Space around the value is ignored. The error
// says what is wrong and which forms are accepted.
func ParseRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	plain := s
	if m := withUnit.FindStringSubmatch(s); m != nil {
		var msg string
		if plain, msg = scaleUnit(Size, s, m); msg != "" {
			return 0, &valueError{msg: msg, hint: RateHint}
		}
	} else if s == rateNone {
		return 0, nil
	}
	n, ok := parseDecimal(plain)
	switch {
	case s == "":
		return 0, &valueError{msg: "the rate is empty", hint: RateHint}
	case !ok:
		return 0, &valueError{msg: fmt.Sprintf("%q is not a rate", s), hint: RateHint}
	case n.Sign() < 0:
		return 0, &valueError{msg: fmt.Sprintf("%s is below 0", s), hint: "write none (or 0) for no throttle, or a rate such as 50MiB"}
	case !n.IsInt64():
		return 0, &valueError{msg: fmt.Sprintf("%s is more than %d bytes per second", s, int64(1<<63-1)), hint: RateHint}
	}
	return n.Int64(), nil
}

// reassignment reads Settings' spec.reassignment.
func (d *decoder) reassignment(f field) ReassignmentSettings {
	r := unsetReassignment()
	if isNull(f.Value) {
		return r
	}
	r.Pos = d.pos(f.Key)
	if f.Value.Kind != yaml.MappingNode {
		d.errorf(f.Value, "write reassignment: {throttle: 50MiB, maxPartitionsInFlight: 10, placementDrift: report}, each optional",
			"reassignment must be a mapping, got %s", describe(f.Value))
		return r
	}
	fs, ok := d.fields(f.Value, "reassignment", "throttle", "maxPartitionsInFlight", "placementDrift")
	if !ok {
		return r
	}
	if g, ok := fs["throttle"]; ok {
		if s, ok := d.text(g, "a rate in bytes per second, such as 50MiB, or none"); ok {
			n, err := ParseRate(s)
			var ve *valueError
			switch {
			case errors.As(err, &ve):
				d.errorf(g.Value, ve.hint, "throttle: %s", ve.msg)
			case err != nil:
				d.errorf(g.Value, RateHint, "throttle: %v", err)
			default:
				r.Throttle, r.ThrottleSet = n, true
			}
		}
	}
	if g, ok := fs["maxPartitionsInFlight"]; ok {
		if n, ok := d.integer(g, intRange{lo: 1, hi: MaxPartitionsInFlightLimit, bits: 32}); ok {
			r.MaxPartitionsInFlight = int(n)
		}
	}
	if g, ok := fs["placementDrift"]; ok {
		if s, ok := d.text(g, "report or revert"); ok {
			if slices.Contains(placementDrifts, s) {
				r.PlacementDrift = s
			} else {
				d.errorf(g.Value, suggestHint(s, placementDrifts, "write report (the default: show it in the plan) or revert (move the replicas back)"),
					"unknown placementDrift %q", s)
			}
		}
	}
	return r
}
