package tail

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// ANSI colors of JSON on a terminal.
const (
	colorKey    = "\x1b[36m" // cyan
	colorString = "\x1b[32m" // green
	colorNumber = "\x1b[33m" // yellow
	colorWord   = "\x1b[35m" // magenta: true, false, null
	colorReset  = "\x1b[0m"
)

// WritePretty is WriteText for a terminal: a JSON key or value is
// indented over lines under its label, and colored.
func WritePretty(w io.Writer, r Record) error {
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		return err
	}
	out := b.String()
	for _, d := range []struct {
		label string
		json  json.RawMessage
	}{{"  key     ", r.Key.JSON}, {"  value   ", r.Value.JSON}} {
		if d.json == nil || !bytes.ContainsAny(d.json, "{[") {
			continue // scalars read fine on one line
		}
		var ind bytes.Buffer
		if json.Indent(&ind, d.json, "          ", "  ") != nil {
			continue
		}
		compact := d.label + string(d.json)
		out = strings.Replace(out, compact, d.label+colorJSON(ind.String()), 1)
	}
	_, err := io.WriteString(w, out)
	return err
}

// colorJSON colors the tokens of indented JSON text: keys, strings,
// numbers and the words true, false and null.
func colorJSON(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			color := colorString
			if rest := strings.TrimLeft(s[j:], " "); strings.HasPrefix(rest, ":") {
				color = colorKey
			}
			b.WriteString(color + s[i:j] + colorReset)
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789.eE+-", s[j]) >= 0 {
				j++
			}
			b.WriteString(colorNumber + s[i:j] + colorReset)
			i = j
		case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
			b.WriteString(colorWord + s[i:i+4] + colorReset)
			i += 4
		case strings.HasPrefix(s[i:], "false"):
			b.WriteString(colorWord + s[i:i+5] + colorReset)
			i += 5
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
