package reconcile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trickyPlan has names and values that would break naive markdown: emphasis
// and table characters, HTML, backticks, a line break, math and a fence.
func trickyPlan() *Plan {
	p := &Plan{Changes: []Change{
		{Action: ActionCreate, Kind: KindTopic, Name: "orders_v2*", Sources: []string{"Topic orders_v2* at [x](https://example.com)/<b>t.yaml</b>:3"}, Fields: []Field{
			{Path: "partitions", New: int32(3)},
			{Path: "configs.message.timestamp.type", New: "``` ~~~ </details>"},
		}},
		{Action: ActionUpdate, Kind: KindTopic, Name: "$x$ & *y*", Fields: []Field{
			{Path: "configs.retention.ms", Old: "-1", New: "86400000"},
		}},
		{Action: ActionCreate, Kind: KindUser, Name: "x</summary></details><script>alert(1)</script>", Fields: []Field{
			{Path: "scram.mechanism", New: "SCRAM-SHA-512"},
		}, Sources: []string{"1. User at users.yaml:1", "- second"}},
		{Action: ActionDelete, Kind: KindUser, Name: "`weird``name", Pending: true},
		{Action: ActionUpdate, Kind: KindQuota, Name: "client-id=<default>", Fields: []Field{
			{Path: "values.request_percentage", Old: "10"},
		}},
		{Action: ActionDelete, Kind: KindACL, Name: "ALLOW User:*_admin_* READ topic:a|b (literal) from *", Drift: true, Fields: []Field{
			{Path: "permission", Old: "ALLOW"},
			{Path: "resource", Old: "topic:a|b"},
		}},
		{Action: ActionCreate, Kind: KindACL, Name: "line\nbreak", Fields: []Field{{Path: "principal", New: "User:a\nb"}}},
	}, Errors: []Refusal{
		{Kind: KindTopic, Name: "a`b", Message: "use `x` | <y> _z_"},
	}}
	p.summarize()
	return p
}

func TestRenderMarkdownTricky(t *testing.T) {
	var b bytes.Buffer
	if err := RenderMarkdown(&b, trickyPlan(), MarkdownOptions{Revision: "main", Title: "Plan for *prod* | <eu> #1"}); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	golden(t, "testdata/markdown/tricky.md", got)
	checkMarkdown(t, "tricky", got)
}

// TestMarkdownWellFormed checks the rules GitHub and GitLab need on every
// markdown golden: see checkMarkdown.
func TestMarkdownWellFormed(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*/want.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no want.md files: %v", err)
	}
	files = append(files, "testdata/markdown/tricky.md")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkMarkdown(t, f, string(data))
	}
}

// checkMarkdown fails when a rendered plan breaks one of the rules its
// markup depends on.
func checkMarkdown(t *testing.T, name, md string) {
	t.Helper()
	if !strings.HasSuffix(md, "\n") || strings.HasSuffix(md, "\n\n") {
		t.Errorf("%s: must end with exactly one newline", name)
	}
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if lines[0] != MarkdownMarker {
		t.Errorf("%s: first line %q, want the marker", name, lines[0])
	}
	at := func(i int) string {
		if i < 0 || i >= len(lines) {
			return ""
		}
		return lines[i]
	}
	fence, tableCells, details := "", 0, 0
	for i, l := range lines {
		switch {
		case fence != "":
			if l == fence {
				fence = ""
			} else if strings.HasPrefix(l, fence) {
				t.Errorf("%s:%d: %q closes the fence early", name, i+1, l)
			}
			continue
		case strings.HasPrefix(l, "```"):
			fence = strings.TrimRight(l, "abcdefghijklmnopqrstuvwxyz")
			if at(i-1) != "" {
				t.Errorf("%s:%d: a fence needs a blank line before it", name, i+1)
			}
		case l == "<details>":
			details++
			s := at(i + 1)
			if !strings.HasPrefix(s, "<summary>") || !strings.HasSuffix(s, "</summary>") || at(i+2) != "" {
				t.Errorf("%s:%d: <details> must be followed by one <summary> line and a blank line", name, i+1)
			}
			if !allowedHTML(s) {
				t.Errorf("%s:%d: raw HTML in the summary: %q", name, i+2, s)
			}
		case l == "</details>":
			details--
			if at(i-1) != "" || at(i+1) != "" && i+1 < len(lines) {
				t.Errorf("%s:%d: </details> needs blank lines around it", name, i+1)
			}
		case strings.Contains(stripCodeSpans(l), "<") && !allowedHTML(stripCodeSpans(l)):
			t.Errorf("%s:%d: raw HTML outside code: %q", name, i+1, l)
		case strings.HasPrefix(l, "|"):
			cells := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|")
			if tableCells == 0 {
				tableCells = cells
				if !strings.HasPrefix(at(i+1), "| :---") {
					t.Errorf("%s:%d: a table needs a separator row", name, i+1)
				}
			} else if cells != tableCells {
				t.Errorf("%s:%d: %d cells, want %d", name, i+1, cells, tableCells)
			}
		case strings.HasPrefix(l, "> - "):
			if !strings.HasPrefix(l, "> - 🛑 ") && !strings.HasPrefix(l, "> - ⚠️ ") {
				t.Errorf("%s:%d: an alert line needs its emoji marker", name, i+1)
			}
		default:
			tableCells = 0
		}
	}
	if fence != "" {
		t.Errorf("%s: unclosed fence", name)
	}
	if details != 0 {
		t.Errorf("%s: unbalanced <details>", name)
	}
}

func TestRenderMarkdownHeading(t *testing.T) {
	tests := []struct {
		name string
		opts MarkdownOptions
		want string
	}{
		{
			name: "defaults",
			want: "<!-- kgitops-plan -->\n## kgitops plan\n\nNo changes. The cluster matches the repo.\n",
		},
		{
			name: "commit",
			opts: MarkdownOptions{Revision: "0123456789abcdef0123456789abcdef01234567"},
			want: "<!-- kgitops-plan -->\n## kgitops plan for `0123456`\n\nCommit `0123456789abcdef0123456789abcdef01234567`\n\nNo changes. The cluster matches the repo.\n",
		},
		{
			name: "not a commit SHA",
			opts: MarkdownOptions{Revision: "refs/heads/main_x", Title: "prod_eu"},
			want: "<!-- kgitops-plan -->\n## prod\\_eu for `refs/heads/main_x`\n\nNo changes. The cluster matches the repo.\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderMarkdown(&b, &Plan{}, tt.opts); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"orders", "`orders`"},
		{"a|b_c*<d>", "`a|b_c*<d>`"},
		{"a`b", "``a`b``"},
		{"a``b`", "``` a``b` ```"},
		{"`x", "`` `x ``"},
		{" x ", "`  x  `"},
		{"a\nb", "`a␤b`"},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMDText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text: a.b-c (d)", "plain text: a.b-c (d)"},
		{"*a* _b_ `c` [d](e) ~f~ $g$ #h |i| \\", `\*a\* \_b\_ \` + "`" + `c\` + "`" + ` \[d\](e) \~f\~ \$g\$ \#h \|i\| \\`},
		{"<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"},
		{"- item", `\- item`},
		{"+ item", `\+ item`},
		{"12. item", `12\. item`},
		{"1) item", `1\) item`},
		{"a - b 1. c", "a - b 1. c"},
		{"line\nbreak", "line␤break"},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.want {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// allowedHTML says whether the only HTML in a line is the tags the
// renderer writes.
func allowedHTML(l string) bool {
	l = strings.NewReplacer(MarkdownMarker, "", "<details>", "", "</details>", "",
		"<summary>", "", "</summary>", "", "<code>", "", "</code>", "").Replace(l)
	return !strings.ContainsAny(l, "<>")
}

// stripCodeSpans removes a line's code spans, whose text is never HTML.
func stripCodeSpans(l string) string {
	run := func(i int) int {
		n := 0
		for i+n < len(l) && l[i+n] == '`' {
			n++
		}
		return n
	}
	var out strings.Builder
	for i := 0; i < len(l); {
		switch {
		case l[i] == '\\' && i+1 < len(l):
			out.WriteString(l[i : i+2])
			i += 2
			continue
		case l[i] != '`':
			out.WriteByte(l[i])
			i++
			continue
		}
		n, end := run(i), -1
		for j := i + n; j < len(l); {
			if m := run(j); m == n {
				end = j
				break
			} else if m > 0 {
				j += m
			} else {
				j++
			}
		}
		if end < 0 {
			out.WriteString(l[i : i+n])
			i += n
			continue
		}
		i = end + n
	}
	return out.String()
}
