package spec

import (
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strings"
)

// Human units for config values. A key whose name ends in ".ms" takes a
// duration (500ms, 30s, 15m, 12h, 7d, 2w); one ending in ".bytes" takes a
// size (512KiB, 1MiB, 1GiB, 1TiB in powers of two; 1KB, 1MB, 1GB, 1TB in
// powers of ten). A value with a unit is turned into the plain number
// Kafka stores, so that "7d" and "604800000" are the same value. A plain
// number, -1 ("unlimited") included, passes unchanged.

// UnitKind says which units a config key takes.
type UnitKind int

const (
	NoUnit   UnitKind = iota
	Duration          // milliseconds
	Size              // bytes
)

// UnitOf is the kind of unit a config key takes, by its name.
func UnitOf(key string) UnitKind {
	switch {
	case strings.HasSuffix(key, ".ms"):
		return Duration
	case strings.HasSuffix(key, ".bytes"):
		return Size
	}
	return NoUnit
}

// unitScale lists each unit's multiple of the base unit, by kind.
var unitScale = map[UnitKind]map[string]int64{
	Duration: {"ms": 1, "s": 1000, "m": 60 * 1000, "h": 3600 * 1000, "d": 86400 * 1000, "w": 7 * 86400 * 1000},
	Size: {"B": 1,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
		"KB": 1e3, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12},
}

// unitForms are examples of the forms with units, for messages.
var unitForms = map[UnitKind]string{
	Duration: "500ms, 30s, 15m, 12h, 7d, 2w",
	Size:     "512KiB, 1MiB, 1GiB, 1TiB (powers of 2), 1MB, 1GB (powers of 10)",
}

// unitHints are all the accepted forms, for messages.
var unitHints = map[UnitKind]string{
	Duration: "a whole number of milliseconds, or a number with a unit: " + unitForms[Duration],
	Size:     "a whole number of bytes, or a number with a unit: " + unitForms[Size],
}

// UnitsHint says what forms the values of keys with units take.
const UnitsHint = "units are for keys ending in .ms (500ms, 30s, 15m, 12h, 7d, 2w) and .bytes (512KiB, 1MiB, 1GiB, 1TiB, 1MB, 1GB)"

var withUnit = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)$`)

// unitPattern matches a value with one of kind's units, for the schema.
func unitPattern(kind UnitKind) string {
	units := slices.Sorted(maps.Keys(unitScale[kind]))
	return `^\s*[0-9]+(\.[0-9]+)?\s*(` + strings.Join(units, "|") + `)\s*$`
}

// HasUnit says whether a value is written as a number with a unit.
func HasUnit(value string) bool { return withUnit.MatchString(strings.TrimSpace(value)) }

// ApplyUnits returns value with its unit resolved: the plain number of
// milliseconds or bytes. A value without a unit is returned unchanged
// (trimmed). The error says what to write instead: a unit on a key that
// takes none, an unknown unit, or a fraction of the base unit.
func ApplyUnits(key, value string) (string, error) {
	s := strings.TrimSpace(value)
	m := withUnit.FindStringSubmatch(s)
	if m == nil {
		return s, nil
	}
	kind := UnitOf(key)
	if kind == NoUnit {
		return "", &valueError{msg: fmt.Sprintf("%s takes no unit, got %q", key, s), hint: "write a plain value: " + UnitsHint}
	}
	n, msg := scaleUnit(kind, s, m)
	if msg != "" {
		return "", &valueError{msg: key + ": " + msg, hint: "write " + unitHints[kind]}
	}
	return n, nil
}

// scaleUnit returns s, a number with a unit of kind as withUnit matched it
// (m), as the plain number of the base unit; or else what is wrong with it.
func scaleUnit(kind UnitKind, s string, m []string) (plain, msg string) {
	scale, ok := unitScale[kind][m[2]]
	if !ok {
		return "", fmt.Sprintf("unknown unit %q in %q", m[2], s)
	}
	n, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return "", fmt.Sprintf("%q is not a number with a unit", s)
	}
	n.Mul(n, new(big.Rat).SetInt64(scale))
	if !n.IsInt() {
		base := "millisecond"
		if kind == Size {
			base = "byte"
		}
		return "", fmt.Sprintf("%s is not a whole number of %ss", s, base)
	}
	return n.Num().String(), ""
}

// humanUnits are the units a value is shown in, largest first. Weeks are
// left out: "14d" reads better than "2w".
var humanUnits = map[UnitKind][]string{
	Duration: {"d", "h", "m", "s"},
	Size:     {"TiB", "GiB", "MiB", "KiB", "TB", "GB", "MB"},
}

// HumanValue is value, a plain number of a key with units, in the largest
// unit that holds it exactly, such as "7d" for 604800000 of retention.ms;
// "" when there is none (no unit for the key, a value that is not a
// positive whole number, or one no unit divides).
func HumanValue(key, value string) string {
	kind := UnitOf(key)
	if kind == NoUnit {
		return ""
	}
	n, ok := parseDecimal(strings.TrimSpace(value))
	if !ok || n.Sign() <= 0 {
		return ""
	}
	for _, u := range humanUnits[kind] {
		scale := big.NewInt(unitScale[kind][u])
		if n.Cmp(scale) < 0 {
			continue
		}
		q, r := new(big.Int).QuoRem(n, scale, new(big.Int))
		if r.Sign() == 0 {
			return q.String() + u
		}
	}
	if kind == Duration && n.Cmp(big.NewInt(1000)) < 0 {
		return n.String() + "ms"
	}
	return ""
}

// ShowValue is a config value as a plan shows it: "7d (604800000)" when
// it has a human form, else the value itself.
func ShowValue(key, value string) string {
	if h := HumanValue(key, value); h != "" {
		return h + " (" + value + ")"
	}
	return value
}
