package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// RenderText writes the report for a terminal: a header with the
// cluster's size, each finding worst first with its evidence, why it
// matters and its fix (and YAML, indented), and a summary line.
func RenderText(w io.Writer, r Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "kgitops doctor: %s, %s, %s.\n\n",
		plural(r.Summary.Brokers, "broker"), plural(r.Summary.Topics, "topic"), plural(r.Summary.Partitions, "partition"))
	if len(r.Findings) == 0 {
		b.WriteString("No findings: the cluster follows every practice the doctor checks.\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%-5s  %s  %s\n", strings.ToUpper(string(f.Severity)), f.Check, f.Resource)
		fmt.Fprintf(&b, "  evidence: %s\n", f.Evidence)
		fmt.Fprintf(&b, "  why:      %s\n", f.Why)
		fmt.Fprintf(&b, "  fix:      %s\n", f.Fix)
		if f.YAML != "" {
			for _, line := range strings.Split(strings.TrimRight(f.YAML, "\n"), "\n") {
				fmt.Fprintf(&b, "            %s\n", line)
			}
		}
		b.WriteString("\n")
	}
	if len(r.Findings) > 0 {
		b.WriteString(SummaryLine(r) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SummaryLine counts the findings: "Doctor: 1 error, 2 warnings, 0 info.".
func SummaryLine(r Report) string {
	warnings := "warnings"
	if r.Summary.Warn == 1 {
		warnings = "warning"
	}
	errs := "errors"
	if r.Summary.Error == 1 {
		errs = "error"
	}
	return fmt.Sprintf("Doctor: %d %s, %d %s, %d info.", r.Summary.Error, errs, r.Summary.Warn, warnings, r.Summary.Info)
}

// RenderJSON writes the report as one JSON document:
// {"findings": [...], "summary": {...}}, indented, findings worst first.
func RenderJSON(w io.Writer, r Report) error {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
