package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder reads the documents of one file. It reports every problem to the
// loader and carries on, so that one load shows them all.
//
// The helpers below share one rule: a scalar is read as the text written in
// the file, whatever YAML would resolve it to, and null means "no value".
type decoder struct {
	l    *loader
	file string
}

// field is one "key: value" pair of a mapping. Value has aliases resolved.
type field struct {
	Name  string
	Key   *yaml.Node
	Value *yaml.Node
}

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line}
}

// errorf reports a problem at n. hint says what to write instead; it may be empty.
func (d *decoder) errorf(n *yaml.Node, hint, format string, args ...any) {
	d.l.add(Error{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what n is, for "got ..." in messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "something else"
	case isNull(n):
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// pairs returns the pairs of mapping n in order. name is what the mapping is
// called in messages ("spec", "metadata.labels"). Keys that are not plain
// text, merge keys and repeated keys are reported and dropped.
func (d *decoder) pairs(n *yaml.Node, name string) ([]field, bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "", "%s must be a mapping, got %s", name, describe(n))
		return nil, false
	}
	var out []field
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		switch {
		case k == nil || v == nil:
			continue
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, "write a plain name before the colon", "a key in %s must be plain text, got %s", name, describe(k))
			continue
		case k.ShortTag() == "!!merge":
			d.errorf(k, "write the fields out instead", "merge keys (<<) are not supported in %s", name)
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.errorf(k, "remove one of them", "%q is set twice in %s: also at line %d", k.Value, name, first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, field{Name: k.Value, Key: k, Value: v})
	}
	return out, true
}

// fields is pairs for a mapping with a fixed set of fields: unknown fields
// are reported with the closest known one. The result is keyed by name; it
// is false when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, name string, known ...string) (map[string]field, bool) {
	ps, ok := d.pairs(n, name)
	if !ok {
		return nil, false
	}
	out := make(map[string]field, len(ps))
	for _, p := range ps {
		if !slices.Contains(known, p.Name) {
			d.errorf(p.Key, suggestHint(p.Name, known, "known fields: "+strings.Join(known, ", ")),
				"unknown field %q in %s", p.Name, name)
			continue
		}
		out[p.Name] = p
	}
	return out, true
}

// text returns the text of a scalar value. what says what was expected, for
// the message when it is null, a list or a mapping.
func (d *decoder) text(f field, what string) (string, bool) {
	v := f.Value
	if v.Kind != yaml.ScalarNode || isNull(v) {
		d.errorf(v, "", "%s must be %s, got %s", f.Name, what, describe(v))
		return "", false
	}
	return v.Value, true
}

// name returns a required, non-empty string.
func (d *decoder) name(f field) (string, bool) {
	s, ok := d.text(f, "a string")
	if ok && s == "" {
		d.errorf(f.Value, "", "%s is empty", f.Name)
		return "", false
	}
	return s, ok
}

// integer returns a whole number written in decimal digits, within r.
func (d *decoder) integer(f field, r intRange) (int64, bool) {
	s, ok := d.text(f, "a whole number")
	if !ok {
		return 0, false
	}
	n, ok := parseDecimal(s)
	if !ok {
		d.errorf(f.Value, decimalHint(f.Value), "%s must be a whole number, got %q", f.Name, s)
		return 0, false
	}
	if msg, ok := r.check(n); !ok {
		d.errorf(f.Value, "", "%s must be %s, got %s", f.Name, msg, s)
		return 0, false
	}
	return n.Int64(), true
}

// decimalHint suggests the decimal spelling of a YAML integer written in
// another base or with underscores, such as 0x10 or 1_000.
func decimalHint(n *yaml.Node) string {
	var v int64
	if _, ok := parseDecimal(n.Value); ok || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		return ""
	}
	return fmt.Sprintf("write it in decimal digits: %d", v)
}

// stringList returns a list of non-empty strings. Entries given twice are
// reported. Each entry's node is returned alongside for later messages.
func (d *decoder) stringList(f field) ([]string, []*yaml.Node) {
	return d.textList(f, "[a, b]", nil)
}

// textList reads a list of non-empty texts. canon, when not nil, checks
// each entry and returns its canonical form (entries it rejects are left
// out); entries with the same canonical form are reported as given twice.
// example is what a list looks like, for the hint when f is not a list.
func (d *decoder) textList(f field, example string, canon func(n *yaml.Node, s string) (string, bool)) ([]string, []*yaml.Node) {
	v := f.Value
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, fmt.Sprintf("write %s: %s", f.Name, example), "%s must be a list, got %s", f.Name, describe(v))
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	seen := map[string]int{}
	for _, item := range v.Content {
		item = resolve(item)
		if item == nil {
			continue
		}
		s, ok := d.name(field{Name: "an entry of " + f.Name, Value: item})
		if !ok {
			continue
		}
		shown := strconv.Quote(s)
		if canon != nil {
			if s, ok = canon(item, s); !ok {
				continue
			}
			shown = s
		}
		if line, dup := seen[s]; dup {
			d.errorf(item, "remove one of them", "%s lists %s twice: also at line %d", f.Name, shown, line)
			continue
		}
		seen[s] = item.Line
		out = append(out, s)
		nodes = append(nodes, item)
	}
	return out, nodes
}

// stringMap returns a mapping of text to text, such as labels.
func (d *decoder) stringMap(f field) map[string]string {
	if isNull(f.Value) {
		return nil
	}
	ps, ok := d.pairs(f.Value, f.Name)
	if !ok || len(ps) == 0 {
		return nil
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		if p.Name == "" {
			d.errorf(p.Key, "", "a key in %s is empty", f.Name)
			continue
		}
		if s, ok := d.text(field{Name: f.Name + "." + p.Name, Value: p.Value}, "a string"); ok {
			out[p.Name] = s
		}
	}
	return out
}
