package spec

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// NormalizeConfig checks value against what Kafka accepts for the topic
// config key and returns it in canonical form: surrounding space trimmed,
// units resolved (7d for a .ms key is 604800000, see units.go), whole
// numbers in plain decimal, booleans in lower case, list items joined by
// "," without spaces. Values of keys outside the table (extra keys) are
// returned unchanged. The error says what is wrong, e.g.
// `retention.ms must be a whole number, got "7 days"`.
func NormalizeConfig(key, value string) (string, error) {
	c, ok := topicConfigs[key]
	if !ok {
		return value, nil
	}
	if c.removed != "" {
		return "", &valueError{msg: key + " was removed in Kafka 4.0", hint: c.removed}
	}
	plain, err := ApplyUnits(key, value)
	if err != nil {
		return "", err
	}
	s, msg, hint := c.normalize(plain)
	if msg != "" && plain != strings.TrimSpace(value) {
		msg += " (from " + strings.TrimSpace(value) + ")"
	}
	if msg != "" {
		return "", &valueError{msg: key + " " + msg, hint: hint}
	}
	return s, nil
}

// valueError is a bad config value. The loader shows msg and hint apart.
type valueError struct{ msg, hint string }

func (e *valueError) Error() string {
	if e.hint == "" {
		return e.msg
	}
	return e.msg + " (" + e.hint + ")"
}

// normalize returns the canonical form of s, or what is wrong with it.
func (c configKey) normalize(s string) (norm, msg, hint string) {
	switch c.typ {
	case typeBoolean:
		if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
			return strings.ToLower(s), "", ""
		}
		return "", fmt.Sprintf("must be true or false, got %q", s), ""
	case typeInt, typeLong:
		n, ok := parseDecimal(s)
		if !ok {
			return "", fmt.Sprintf("must be a whole number, got %q", s), ""
		}
		if r, ok := c.ints.check(n); !ok {
			return "", fmt.Sprintf("must be %s, got %s", r, s), ""
		}
		return n.String(), "", ""
	case typeDouble:
		f, ok := parseDouble(s)
		if !ok || f < c.lo || f > c.hi {
			return "", fmt.Sprintf("must be a number between %g and %g, got %q", c.lo, c.hi, s), ""
		}
		return s, "", ""
	case typeString:
		if slices.Contains(c.enum, s) {
			return s, "", ""
		}
		return "", fmt.Sprintf("must be one of %s, got %q", strings.Join(c.enum, ", "), s), suggestHint(s, c.enum, "")
	case typeList:
		return c.normalizeList(s)
	}
	return s, "", ""
}

var replicaPair = regexp.MustCompile(`^[0-9]+:[0-9]+$`)

func (c configKey) normalizeList(s string) (norm, msg, hint string) {
	items := splitList(s)
	if c.enum == nil { // partition:broker pairs, or "*"
		const want = `must be "*" or a list of partition:broker pairs such as 0:1,1:2`
		if len(items) == 1 && items[0] == "*" {
			return "*", "", ""
		}
		for _, it := range items {
			if !replicaPair.MatchString(it) {
				return "", fmt.Sprintf("%s, got %q", want, s), ""
			}
		}
		return strings.Join(items, ","), "", ""
	}
	if len(items) == 0 {
		return "", fmt.Sprintf("must list %s, got nothing", orList(c.enum)), ""
	}
	for i, it := range items {
		if !slices.Contains(c.enum, it) {
			return "", fmt.Sprintf("may only list %s, got %q", orList(c.enum), it), suggestHint(it, c.enum, "")
		}
		if slices.Contains(items[:i], it) {
			return "", fmt.Sprintf("lists %q twice", it), ""
		}
	}
	return strings.Join(items, ","), "", ""
}

// splitList splits a Kafka list value on commas, trimming each item. An
// empty or blank value is the empty list.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	items := strings.Split(s, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

func orList(words []string) string {
	if len(words) == 2 {
		return words[0] + " and/or " + words[1]
	}
	return strings.Join(words, ", ")
}

// parseDecimal parses a whole number written in decimal digits with an
// optional sign, as Java's Long.parseLong does. It has no size limit, so
// that an out-of-range value is reported as such.
func parseDecimal(s string) (*big.Int, bool) {
	return new(big.Int).SetString(s, 10)
}

var decimalNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseDouble parses a finite decimal number such as 0.5, .5 or 5e-1.
func parseDouble(s string) (float64, bool) {
	if !decimalNumber.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// intRange is the inclusive range of a whole-number value.
type intRange struct {
	lo, hi int64
	bits   int     // width of the Java type: 16, 32 or 64
	also   []int64 // single values allowed outside lo..hi
}

// check reports whether n is allowed and, if not, the allowed range as
// text ("at least 1"), worded for the side n is on.
func (r intRange) check(n *big.Int) (string, bool) {
	if n.IsInt64() {
		v := n.Int64()
		if v >= r.lo && v <= r.hi || slices.Contains(r.also, v) {
			return "", true
		}
	}
	typeLo, typeHi := -int64(1)<<(r.bits-1), int64(1)<<(r.bits-1)-1
	text := fmt.Sprintf("between %d and %d", r.lo, r.hi)
	switch below := n.Cmp(big.NewInt(r.lo)) < 0; {
	case below && r.hi == typeHi:
		text = fmt.Sprintf("at least %d", r.lo)
	case !below && (r.lo == typeLo || r.hi == typeHi):
		text = fmt.Sprintf("at most %d", r.hi)
	}
	for _, v := range slices.Backward(r.also) {
		text = fmt.Sprintf("%d or %s", v, text)
	}
	return text, false
}
