package tail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Filter keeps the records that match all of its conditions.
type Filter struct {
	grep  *regexp.Regexp
	where []where
}

// where is one --where PATH=VALUE.
type where struct {
	path  []string
	value string
}

// NewFilter compiles --grep (a regular expression, empty for none) and
// the --where conditions (PATH=VALUE, PATH dotted into the JSON value).
func NewFilter(grep string, wheres []string) (*Filter, error) {
	f := &Filter{}
	if grep != "" {
		re, err := regexp.Compile(grep)
		if err != nil {
			return nil, fmt.Errorf("--grep %q: %w", grep, err)
		}
		f.grep = re
	}
	for _, w := range wheres {
		path, value, ok := strings.Cut(w, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--where %q: want PATH=VALUE, PATH a dotted path into the JSON value (user.id=42)", w)
		}
		f.where = append(f.where, where{path: strings.Split(path, "."), value: value})
	}
	return f, nil
}

// Match reports whether r passes: --grep matches its key or value text,
// and each --where holds on its JSON value.
func (f *Filter) Match(r Record) bool {
	if f.grep != nil && !f.grep.MatchString(r.Key.Text) && !f.grep.MatchString(r.Value.Text) {
		return false
	}
	if len(f.where) == 0 {
		return true
	}
	if r.Value.JSON == nil {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(r.Value.JSON))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return false
	}
	for _, w := range f.where {
		if !w.holds(v) {
			return false
		}
	}
	return true
}

// holds reports whether the field at w.path in v equals w.value: a string
// field as the text itself, anything else as its JSON (42, true, null).
func (w where) holds(v any) bool {
	for _, p := range w.path {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[p]; !ok {
				return false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return false
			}
			v = c[i]
		default:
			return false
		}
	}
	if s, ok := v.(string); ok {
		return s == w.value
	}
	b, err := json.Marshal(v)
	return err == nil && string(b) == w.value
}
