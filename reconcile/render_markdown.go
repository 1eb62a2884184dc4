package reconcile

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// MarkdownMarker is the first line of every markdown plan. It does not
// render; CI finds its own earlier comment on a pull request by it and
// updates that comment instead of adding another.
const MarkdownMarker = "<!-- kgitops-plan -->"

// MarkdownOptions tunes RenderMarkdown.
type MarkdownOptions struct {
	// Revision is the commit the plan was computed for.
	Revision string
	// Title heads the comment; "kgitops plan" when empty.
	Title string
}

// RenderMarkdown writes the plan as a pull-request comment that renders on
// GitHub and GitLab: the risks first, as alerts, then the refused changes,
// a table of counts per kind, and each resource in a collapsed section with
// its fields as a diff. Names and values are escaped, so no resource can
// break the markup, and there is no timestamp: a plan always renders the
// same comment.
func RenderMarkdown(w io.Writer, p *Plan, opts MarkdownOptions) error {
	var b strings.Builder
	b.WriteString(MarkdownMarker + "\n")
	writeMarkdownHeading(&b, opts)
	if len(p.Changes) == 0 && len(p.Errors) == 0 && len(p.Blocked) == 0 && len(p.Notes) == 0 && len(p.Drift) == 0 && p.Warnings() == 0 {
		b.WriteString("No changes. The cluster matches the repo.\n")
	} else {
		b.WriteString(mdText(SummaryLine(p)) + "\n\n")
		writeMarkdownRisks(&b, p)
		writeMarkdownErrors(&b, p)
		writeMarkdownBlocked(&b, p)
		writeMarkdownRefusals(&b, warnings(p), "⚠️", "Warnings", "Rules these resources break; they do not stop the apply:")
		writeMarkdownRefusals(&b, p.Drift, "🔀", "Drift, reported", "These differ from the repo, and kgitops leaves them as they are on purpose (see Settings):")
		writeMarkdownRefusals(&b, p.Notes, "ℹ️", "Notes", "These change nothing in the cluster:")
		kinds := planKinds(p)
		writeMarkdownTable(&b, p, kinds)
		for _, kind := range kinds {
			writeMarkdownKind(&b, p, kind)
		}
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

func writeMarkdownHeading(b *strings.Builder, opts MarkdownOptions) {
	title := opts.Title
	if title == "" {
		title = "kgitops plan"
	}
	rev := strings.TrimSpace(opts.Revision)
	if rev == "" {
		fmt.Fprintf(b, "## %s\n\n", mdText(title))
		return
	}
	short := shortRevision(rev)
	fmt.Fprintf(b, "## %s for %s\n\n", mdText(title), codeSpan(short))
	if short != rev {
		// In a code span, GitHub and GitLab do not turn the SHA into a link.
		fmt.Fprintf(b, "Commit %s\n\n", codeSpan(rev))
	}
}

// shortRevision abbreviates a commit SHA the way git does; anything else,
// such as a branch name, stays whole.
func shortRevision(rev string) string {
	if len(rev) < 12 || strings.Trim(rev, "0123456789abcdefABCDEF") != "" {
		return rev
	}
	return rev[:7]
}

type flaggedChange struct {
	c Change
	r Risk
}

func writeMarkdownRisks(b *strings.Builder, p *Plan) {
	var destructive, risky []flaggedChange
	for _, c := range p.Changes {
		for _, r := range Risks(c) {
			if r.Destructive {
				destructive = append(destructive, flaggedChange{c, r})
			} else {
				risky = append(risky, flaggedChange{c, r})
			}
		}
	}
	// GitLab shows an alert as a plain quote: the emoji on each line keeps
	// it from looking like any other quote.
	writeMarkdownAlert(b, "CAUTION", "🛑", "Destructive changes", "applying them loses data or access for good.", destructive)
	writeMarkdownAlert(b, "WARNING", "⚠️", "Risky changes", "they can break clients or weaken guarantees.", risky)
}

func writeMarkdownAlert(b *strings.Builder, alert, mark, title, why string, items []flaggedChange) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "> [!%s]\n> %s **%s**: %s\n>\n", alert, mark, title, why)
	for _, it := range items {
		fmt.Fprintf(b, "> - %s %s %s: %s\n", mark, mdText(it.c.Kind), codeSpan(it.c.Name), mdText(it.r.Message))
	}
	b.WriteString("\n")
}

func writeMarkdownErrors(b *strings.Builder, p *Plan) {
	writeMarkdownRefusals(b, p.Errors, "⛔", "Refused changes", "kgitops refuses these changes, so it applies nothing until they are fixed:")
}

func writeMarkdownBlocked(b *strings.Builder, p *Plan) {
	writeMarkdownRefusals(b, p.Blocked, "⏸", "Blocked by the cluster", "The live cluster stands in the way of these resources; kgitops leaves them alone and applies the rest:")
}

// warnings are the plan's findings of severity warn, as refusals.
func warnings(p *Plan) []Refusal {
	var out []Refusal
	for _, f := range p.Findings {
		if f.Severity == spec.SeverityWarn {
			out = append(out, Refusal{Kind: f.Kind, Name: f.Name, Message: findingText(f)})
		}
	}
	return out
}

func writeMarkdownRefusals(b *strings.Builder, rs []Refusal, mark, title, intro string) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s %s\n\n%s\n\n", mark, title, intro)
	for _, e := range rs {
		fmt.Fprintf(b, "- %s %s %s: %s\n", mark, mdText(e.Kind), codeSpan(e.Name), mdText(e.Message))
	}
	b.WriteString("\n")
}

// planKinds lists the kinds the plan changes, in the registry's order
// (which is the plan's order: Diff sorts by it).
func planKinds(p *Plan) []string {
	var kinds []string
	for _, c := range p.Changes {
		if !slices.Contains(kinds, c.Kind) {
			kinds = append(kinds, c.Kind)
		}
	}
	return kinds
}

func writeMarkdownTable(b *strings.Builder, p *Plan, kinds []string) {
	if len(kinds) == 0 {
		return
	}
	b.WriteString("| Kind | Create | Update | Delete | Pending delete |\n")
	b.WriteString("| :--- | ---: | ---: | ---: | ---: |\n")
	var total [4]int
	for _, kind := range kinds {
		var n [4]int
		for _, c := range p.Changes {
			if c.Kind != kind {
				continue
			}
			switch {
			case c.Action == ActionCreate:
				n[0]++
			case c.Action == ActionUpdate:
				n[1]++
			case c.Action == ActionDelete && c.Pending:
				n[3]++
			case c.Action == ActionDelete:
				n[2]++
			}
		}
		for i := range n {
			total[i] += n[i]
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d |\n", mdText(kind), n[0], n[1], n[2], n[3])
	}
	fmt.Fprintf(b, "| **Total** | **%d** | **%d** | **%d** | **%d** |\n\n", total[0], total[1], total[2], total[3])
}

func writeMarkdownKind(b *strings.Builder, p *Plan, kind string) {
	fmt.Fprintf(b, "### %ss\n\n", mdText(kind))
	for _, c := range p.Changes {
		if c.Kind == kind {
			writeMarkdownChange(b, c)
		}
	}
}

// writeMarkdownChange writes one resource as a <details> block. Its
// <summary> line is raw HTML, where markdown does not apply: names there
// are HTML-escaped. The blank line after it lets the body be markdown.
func writeMarkdownChange(b *strings.Builder, c Change) {
	label, note := string(c.Action), ""
	switch {
	case c.Held != "":
		label, note = "held delete", "**Held:** "+mdText(c.Held)+"."
	case c.Pending:
		label, note = "pending delete", "**Pending:** deleted only when applied with `--allow-delete`."
	case c.Drift:
		label, note = "delete (drift)", "**Drift:** not in the repo, so it is deleted even without `--allow-delete`."
	case c.Action == ActionDelete:
		note = "Will be deleted."
	}
	mark := ""
	if risks := Risks(c); slices.ContainsFunc(risks, func(r Risk) bool { return r.Destructive }) {
		mark = " 🛑"
	} else if len(risks) > 0 {
		mark = " ⚠️"
	}
	fmt.Fprintf(b, "<details>\n<summary><code>%s</code> %s %s%s</summary>\n\n",
		html.EscapeString(actionSymbol[c.Action]), htmlCode(c.Name), html.EscapeString(label), mark)
	if note != "" {
		b.WriteString(note + "\n\n")
	}
	switch len(c.Sources) {
	case 0:
	case 1:
		fmt.Fprintf(b, "From %s\n\n", mdText(c.Sources[0]))
	default:
		b.WriteString("From:\n\n")
		for _, s := range c.Sources {
			fmt.Fprintf(b, "- %s\n", mdText(s))
		}
		b.WriteString("\n")
	}
	if lines := diffLines(c); len(lines) > 0 {
		body := strings.Join(lines, "\n")
		fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
		fmt.Fprintf(b, "%sdiff\n%s\n%s\n\n", fence, body, fence)
	}
	b.WriteString("</details>\n\n")
}

// diffLines shows a change's fields as the lines of a unified diff, so that
// GitHub and GitLab colour them: "+ path: new" and "- path: old".
func diffLines(c Change) []string {
	width := 0
	for _, f := range c.Fields {
		width = max(width, len(f.Path))
	}
	var lines []string
	for _, f := range c.Fields {
		pad := strings.Repeat(" ", width-len(f.Path))
		if f.Old != nil && c.Action != ActionCreate {
			line := fmt.Sprintf("- %s:%s %s", f.Path, pad, valueText(shown(f.Path, f.Old)))
			if f.New == nil && c.Action == ActionUpdate {
				line += removalNote(c.Kind)
			}
			lines = append(lines, line)
		}
		if f.New != nil {
			lines = append(lines, fmt.Sprintf("+ %s:%s %s%s", f.Path, pad, valueText(shown(f.Path, f.New)), oneLine(fromProfile(f))))
		}
	}
	return lines
}

var lineBreaks = strings.NewReplacer("\r\n", "␤", "\n", "␤", "\r", "␤")

// oneLine keeps a value on one line: a line break in a name would end a
// table row, a list item or an HTML block.
func oneLine(s string) string { return lineBreaks.Replace(s) }

func valueText(v any) string { return oneLine(fmt.Sprint(v)) }

// mdText escapes s for markdown text outside code spans: punctuation that
// could open emphasis, a link, a code span, a table cell, strikethrough or
// math is backslash-escaped, and &, < and > become entities, so that s
// renders as itself and opens no HTML. A line-start marker (list item,
// heading, quote) is escaped too.
func mdText(s string) string {
	s = oneLine(s)
	var b strings.Builder
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	for i, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '@':
			// A name like @org/team must not notify anyone from a
			// pull-request comment: the entity shows as @ and mentions
			// nobody.
			b.WriteString("&#64;")
		case strings.ContainsRune("\\`*_[]|~$#", r),
			i == 0 && strings.ContainsRune("-+=", r),
			i == digits && digits > 0 && (r == '.' || r == ')'):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeSpan puts s in a markdown code span that s cannot close: its fence is
// one backtick longer than the longest run of backticks in s. A space pads
// s when it starts or ends with a backtick, or with spaces on both ends;
// markdown strips that one space again.
func codeSpan(s string) string {
	s = oneLine(s)
	if s == "" {
		return `""` // an empty code span would not render
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		(strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return fence + s + fence
}

// htmlCode is codeSpan for raw HTML, such as a <summary> line.
func htmlCode(s string) string {
	return "<code>" + html.EscapeString(oneLine(s)) + "</code>"
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
