package spec

import (
	"slices"
	"strconv"
	"strings"
)

// ConfigEqual reports whether a and b mean the same value of the topic
// config key, as Kafka reads them. It is the one place where config values
// are compared, so that diff and apply agree on what counts as a change.
//
// Identical strings are equal. Beyond that, each value is put in a
// canonical form by the key's type: list items as a set (order, spaces and
// repeats do not matter), whole and decimal numbers by their value ("1.0"
// equals "1" for a double), booleans ignoring case. Keys outside the table
// compare as exact strings. A value that does not parse as its type only
// equals itself.
func ConfigEqual(key, a, b string) bool {
	if a == b {
		return true
	}
	c, ok := topicConfigs[key]
	if !ok || c.removed != "" {
		return false
	}
	canon := canonicalizers[c.typ]
	if ua, err := ApplyUnits(key, a); err == nil {
		a = ua
	}
	if ub, err := ApplyUnits(key, b); err == nil {
		b = ub
	}
	ca, okA := canon(a)
	cb, okB := canon(b)
	return okA && okB && ca == cb
}

// canonicalizers put a value of each config type in a form where equal
// values are equal strings. Ranges are not checked: a live value outside
// kgitops' table still compares by its meaning. Values with units (7d for
// a .ms key, 1GiB for a .bytes key) are resolved before (ApplyUnits).
var canonicalizers = map[configType]func(string) (string, bool){
	typeBoolean: canonicalBool,
	typeInt:     canonicalWhole,
	typeLong:    canonicalWhole,
	typeDouble:  canonicalDouble,
	typeString:  canonicalString,
	typeList:    canonicalSet,
}

func canonicalBool(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, s == "true" || s == "false"
}

func canonicalWhole(s string) (string, bool) {
	n, ok := parseDecimal(strings.TrimSpace(s))
	if !ok {
		return "", false
	}
	return n.String(), true
}

func canonicalDouble(s string) (string, bool) {
	f, ok := parseDouble(strings.TrimSpace(s))
	if !ok {
		return "", false
	}
	if f == 0 { // -0 and 0
		f = 0
	}
	return strconv.FormatFloat(f, 'g', -1, 64), true
}

func canonicalString(s string) (string, bool) {
	return strings.TrimSpace(s), true
}

func canonicalSet(s string) (string, bool) {
	items := splitList(s)
	slices.Sort(items)
	return strings.Join(slices.Compact(items), ","), true
}
