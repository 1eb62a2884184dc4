package reconcile

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kgitops/kgitops/spec"
)

// fuzzPlan builds a plan from fuzzed fields: one change of each action,
// of a registered kind or of the fuzzed one, named name, with a field
// of each value type, and a refusal, a finding, a note and a drift
// carrying the fuzzed text. kindSel picks the kind, flags the change's
// markers (pending, drift, held).
func fuzzPlan(kindSel, flags byte, kind, name, text, path, str string, num int64, fl float64, b bool) *Plan {
	kinds := append(Kinds(), kind)
	k := kinds[int(kindSel)%len(kinds)]
	if math.IsNaN(fl) || math.IsInf(fl, 0) {
		fl = 0 // a plan never holds one: the loader refuses them
	}
	fields := []Field{
		{Path: path, Old: str, New: text},
		{Path: "configs." + path, Old: num, New: fl},
		{Path: "partitions", Old: int32(num), New: int32(num >> 32)},
		{Path: "configs.retention.ms", Old: str, New: "1"},
		{Path: "configs.cleanup.policy", Old: str, New: text},
		{Path: "flag", Old: b, New: !b},
		{Path: "list", Old: []string{str, text}, New: map[string]any{str: num}},
		{Path: "removed", Old: text, Source: str},
		{Path: "added", New: str, Source: text},
	}
	var changes []Change
	for i, a := range []Action{ActionCreate, ActionUpdate, ActionDelete} {
		c := Change{Action: a, Kind: k, Name: name, Fields: fields, Sources: []string{text, str}}
		if a == ActionDelete {
			c.Pending = flags&1 != 0
			c.Drift = flags&2 != 0
			if flags&4 != 0 {
				c.Held, c.Pending = text, true
			}
		}
		if i == 1 {
			c.Name = text // a second, different name, in the same kind
		}
		changes = append(changes, c)
	}
	ref := Refusal{Kind: k, Name: name, Message: text}
	p := &Plan{
		Changes: changes,
		Errors:  []Refusal{ref},
		Blocked: []Refusal{{Kind: kind, Name: str, Message: name}},
		Notes:   []Refusal{ref},
		Drift:   []Refusal{ref},
		Findings: []Finding{
			{Rule: str, Severity: spec.SeverityWarn, Kind: kind, Name: name, File: path, Line: int(num % 1000), Message: text},
			{Rule: text, Severity: spec.SeverityError, Kind: k, Name: str, Message: name},
		},
		Reassignments: []ReassignmentProgress{{Topic: name, Partitions: 3, Done: 1, Moving: 1, Pending: 1, BytesRemaining: num}},
		Throttled:     b,
	}
	if flags&8 != 0 { // a plan with only changes, no refusals
		p.Errors, p.Blocked, p.Notes, p.Drift, p.Findings = nil, nil, nil, nil, nil
	}
	p.summarize()
	return p
}

// FuzzRenderPlan renders plans built from fuzzed kinds, names, messages
// and field values of every type as text, JSON and markdown. None may
// panic. The JSON must be valid, read back into the same plan, and render
// the same bytes again. The markdown must keep what RenderMarkdown
// promises: no name or value breaks its markup (checkMarkdown and
// checkMarkdownInline), and every escaped text reads back as itself.
func FuzzRenderPlan(f *testing.F) {
	// Seeds: the names of trickyPlan, and texts that once needed care.
	for _, c := range trickyPlan().Changes {
		f.Add(byte(0), byte(0), c.Kind, c.Name, "use `x` | <y> _z_", "configs.message.timestamp.type", "``` ~~~ </details>", int64(3), 1.5, true, "main", "Plan for *prod* | <eu> #1")
	}
	f.Add(byte(4), byte(7), "Kind</summary>", "x</summary></details><script>alert(1)</script>", "1. item\n- item\r\n> quote", "a\nb```", "~~~\n```\n````", int64(-1), -0.0, false, "0123456789abcdef0123456789abcdef01234567", "")
	f.Add(byte(1), byte(8), "| a | b |", "[x](javascript:alert(1))", "![i](http://e/i.png) <!-- c --> &amp; &#60;", "x|y", "\x00\x1b[31m\u2028\u202e", int64(math.MaxInt64), 1e300, true, " ` ", "## \\")
	f.Add(byte(2), byte(2), "", "", "", "", "", int64(0), 0.0, false, "", "")
	f.Add(byte(3), byte(1), "$$x$$", "\\`a\\`", "**b** __c__ ~~d~~ ==e==", "\xff\xfe", "\\|", int64(math.MinInt64), math.SmallestNonzeroFloat64, true, "`", "#")

	f.Fuzz(func(t *testing.T, kindSel, flags byte, kind, name, text, path, str string, num int64, fl float64, b bool, rev, title string) {
		p := fuzzPlan(kindSel, flags, kind, name, text, path, str, num, fl, b)

		var txt bytes.Buffer
		if err := RenderText(&txt, p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(txt.String(), SummaryLine(p)+"\n") {
			t.Errorf("text plan does not end with its summary line:\n%s", txt.String())
		}

		var js bytes.Buffer
		if err := RenderJSON(&js, p); err != nil {
			t.Fatal(err)
		}
		checkJSONRoundTrip(t, p, js.Bytes())

		var md bytes.Buffer
		opts := MarkdownOptions{Revision: rev, Title: title}
		if err := RenderMarkdown(&md, p, opts); err != nil {
			t.Fatal(err)
		}
		checkMarkdown(t, "fuzz", md.String())
		checkMarkdownInline(t, md.String())
		if n := strings.Count(md.String(), "\n<details>\n"); n != len(p.Changes) {
			t.Errorf("%d <details> blocks for %d changes:\n%s", n, len(p.Changes), md.String())
		}
		for _, s := range []string{kind, name, text, path, str, title} {
			if got := unescapeMD(mdText(s)); got != oneLine(s) && utf8.ValidString(s) {
				t.Errorf("mdText(%q) reads back as %q", s, got)
			}
			if got, ok := readCodeSpan(codeSpan(s)); !ok || got != oneLine(s) && strings.Trim(s, " ") != "" {
				t.Errorf("codeSpan(%q) = %q reads back as %q (%v)", s, codeSpan(s), got, ok)
			}
		}
	})
}

// checkJSONRoundTrip checks that data is one valid JSON value that reads
// back into p's rendered fields and renders to the same bytes again.
func checkJSONRoundTrip(t *testing.T, p *Plan, data []byte) {
	t.Helper()
	if !json.Valid(data) {
		t.Fatalf("invalid JSON:\n%s", data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var back Plan
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("JSON plan does not read back: %v\n%s", err, data)
	}
	if dec.More() {
		t.Fatalf("JSON plan has more than one value:\n%s", data)
	}
	if len(back.Changes) != len(p.Changes) || back.Summary != p.Summary {
		t.Fatalf("JSON plan reads back with %d changes and summary %+v, want %d and %+v", len(back.Changes), back.Summary, len(p.Changes), p.Summary)
	}
	for i, c := range p.Changes {
		if utf8.ValidString(c.Kind+c.Name) && (back.Changes[i].Kind != c.Kind || back.Changes[i].Name != c.Name) {
			t.Errorf("change %d reads back as %s %q, want %s %q", i, back.Changes[i].Kind, back.Changes[i].Name, c.Kind, c.Name)
		}
	}
	var again bytes.Buffer
	if err := RenderJSON(&again, &back); err != nil {
		t.Fatal(err)
	}
	// Invalid UTF-8 is written as \ufffd and read back as U+FFFD, which
	// is written as itself: the same JSON value, in other bytes.
	if a, b := decodeAny(t, data), decodeAny(t, again.Bytes()); !reflect.DeepEqual(a, b) {
		t.Errorf("JSON plan does not round-trip:\n%s\nrenders again as\n%s", data, again.Bytes())
	}
}

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// markdownMarkup is the markup RenderMarkdown writes itself, outside code
// spans: everything else that markdown or HTML would read must come
// escaped.
var markdownMarkup = strings.NewReplacer(
	MarkdownMarker, "", "<details>", "", "</details>", "", "<summary>", "", "</summary>", "", "<code>", "", "</code>", "",
	"> [!CAUTION]", "", "> [!WARNING]", "", "**Destructive changes**", "", "**Risky changes**", "",
	"**Held:**", "", "**Pending:**", "", "**Drift:**", "", "**Total**", "",
)

// checkMarkdownInline checks every line outside the diff fences: after the
// renderer's own markup, a character markdown reads as markup (emphasis,
// links, code, tables, strikethrough, math, HTML) appears only escaped or
// inside a closed code span, and & only starts an entity.
func checkMarkdownInline(t *testing.T, md string) {
	t.Helper()
	fence := ""
	for i, l := range strings.Split(md, "\n") {
		switch {
		case fence != "":
			if l == fence {
				fence = ""
			}
			continue
		case strings.HasPrefix(l, "```"):
			fence = strings.TrimSuffix(l, "diff")
			continue
		case strings.HasPrefix(l, "|"):
			if strings.HasPrefix(l, "| :---") {
				continue
			}
			if n := len(splitUnescaped(l, '|')); n != 7 {
				t.Errorf("line %d: table row with %d cells: %q", i+1, n-2, l)
			}
			l = strings.ReplaceAll(l, "**", "") // the bold totals
		}
		if l == ">" || strings.HasPrefix(l, "<summary>") {
			continue // an alert's blank line; the summary is raw HTML, checked by checkMarkdown
		}
		l = markdownMarkup.Replace(l)
		for _, pre := range []string{"### ", "## ", "> ", "- "} {
			l = strings.TrimPrefix(l, pre)
		}
		l = strings.TrimPrefix(l, "- ") // "> - " of an alert
		rest, ok := outsideCodeSpans(l)
		if !ok {
			t.Errorf("line %d: a backtick opens a code span it never closes: %q", i+1, l)
			continue
		}
		for j := 0; j < len(rest); j++ {
			c := rest[j]
			switch {
			case c == '\\' && j+1 < len(rest):
				j++
			case c == '&':
				if !hasEntityAt(rest[j:]) {
					t.Errorf("line %d: bare & in %q", i+1, l)
				}
			case c != '|' && strings.IndexByte("*_[]`~$<>", c) >= 0:
				t.Errorf("line %d: unescaped %q in %q", i+1, c, l)
			}
		}
	}
}

// splitUnescaped splits l at every sep that no backslash escapes.
func splitUnescaped(l string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(l); i++ {
		switch l[i] {
		case '\\':
			i++
		case sep:
			out = append(out, l[start:i])
			start = i + 1
		}
	}
	return append(out, l[start:])
}

func hasEntityAt(s string) bool {
	for _, e := range []string{"&amp;", "&lt;", "&gt;", "&#34;", "&#39;", "&#64;"} {
		if strings.HasPrefix(s, e) {
			return true
		}
	}
	return false
}

// outsideCodeSpans drops l's code spans the way CommonMark finds them:
// an unescaped run of n backticks up to the next run of exactly n. It
// reports false when a run is left open.
func outsideCodeSpans(l string) (string, bool) {
	var out strings.Builder
	for i := 0; i < len(l); {
		if l[i] == '\\' && i+1 < len(l) {
			out.WriteString(l[i : i+2])
			i += 2
			continue
		}
		if l[i] != '`' {
			out.WriteByte(l[i])
			i++
			continue
		}
		n := backticksAt(l, i)
		end := -1
		for j := i + n; j < len(l); {
			if m := backticksAt(l, j); m == n {
				end = j
				break
			} else if m > 0 {
				j += m
			} else {
				j++
			}
		}
		if end < 0 {
			return "", false
		}
		i = end + n
	}
	return out.String(), true
}

func backticksAt(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}

// unescapeMD reads mdText's output back: a backslash before ASCII
// punctuation escapes it, and its four entities stand for &, <, > and @.
func unescapeMD(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0:
			i++
			b.WriteByte(s[i])
		case strings.HasPrefix(s[i:], "&amp;"):
			b.WriteByte('&')
			i += len("&amp;") - 1
		case strings.HasPrefix(s[i:], "&lt;"):
			b.WriteByte('<')
			i += len("&lt;") - 1
		case strings.HasPrefix(s[i:], "&gt;"):
			b.WriteByte('>')
			i += len("&gt;") - 1
		case strings.HasPrefix(s[i:], "&#64;"):
			b.WriteByte('@')
			i += len("&#64;") - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// readCodeSpan reads a code span as CommonMark does: the text between
// two equal backtick runs, less one space on each side when it has one
// on both and is not all spaces. `""` is codeSpan's empty string.
func readCodeSpan(s string) (string, bool) {
	if s == `""` {
		return "", true
	}
	n, end := backticksAt(s, 0), 0
	for end < len(s) && s[len(s)-1-end] == '`' {
		end++
	}
	if n == 0 || len(s) < 2*n+1 || end != n || hasRunOf(s[n:len(s)-n], n) {
		return "", false
	}
	in := s[n : len(s)-n]
	if len(in) >= 2 && in[0] == ' ' && in[len(in)-1] == ' ' && strings.Trim(in, " ") != "" {
		in = in[1 : len(in)-1]
	}
	return in, true
}

// hasRunOf says whether s has a run of exactly n backticks.
func hasRunOf(s string, n int) bool {
	for i := 0; i < len(s); {
		if m := backticksAt(s, i); m > 0 {
			if m == n {
				return true
			}
			i += m
		} else {
			i++
		}
	}
	return false
}
