package doctor

import (
	"fmt"
	"io"
	"strings"
)

// RenderMarkdown writes the report as markdown that renders on GitHub and
// GitLab (an issue, a pull-request comment, a wiki page): a summary, a
// table of the findings, and a section per finding with its YAML in a
// code block. Text from the cluster is escaped, so no topic name can
// break the markup.
func RenderMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	b.WriteString("## kgitops doctor\n\n")
	fmt.Fprintf(&b, "%s, %s, %s: **%s**\n\n",
		plural(r.Summary.Brokers, "broker"), plural(r.Summary.Topics, "topic"), plural(r.Summary.Partitions, "partition"),
		strings.TrimSuffix(strings.TrimPrefix(SummaryLine(r), "Doctor: "), "."))
	if len(r.Findings) == 0 {
		b.WriteString("No findings: the cluster follows every practice the doctor checks.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| | severity | check | resource |\n|---|---|---|---|\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", icon(f.Severity), f.Severity, f.Check, mdText(f.Resource))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n### %s %s: %s\n\n", icon(f.Severity), f.Check, mdText(f.Resource))
		fmt.Fprintf(&b, "- **Evidence:** %s\n", mdText(f.Evidence))
		fmt.Fprintf(&b, "- **Why:** %s\n", mdText(f.Why))
		fmt.Fprintf(&b, "- **Fix:** %s\n", mdText(f.Fix))
		if f.YAML != "" {
			fmt.Fprintf(&b, "\n```yaml\n%s\n```\n", strings.TrimRight(f.YAML, "\n"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func icon(s Severity) string {
	switch s {
	case Error:
		return "🔴"
	case Warn:
		return "🟠"
	}
	return "🔵"
}

// mdText escapes s for markdown text, on one line.
func mdText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case strings.ContainsRune("\\`*_[]|~$#", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
