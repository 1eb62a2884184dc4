package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/kgitops/kgitops/spec"
)

// RenderJSON writes the plan as one indented JSON object:
// {"changes":[...],"errors":[...],"summary":{...}}.
func RenderJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

var actionSymbol = map[Action]string{ActionCreate: "+", ActionUpdate: "~", ActionDelete: "-"}

// RenderText writes the plan the way terraform plan does: one block per
// resource with "+ create", "~ update" (old → new per field) and
// "- delete", then a summary line.
func RenderText(w io.Writer, p *Plan) error {
	var b strings.Builder
	if len(p.Changes) == 0 && len(p.Errors) == 0 && len(p.Blocked) == 0 && len(p.Notes) == 0 && len(p.Drift) == 0 {
		writeProgress(&b, p.Reassignments)
		b.WriteString("No changes. The cluster matches the repo.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(p.Changes) > 0 {
		b.WriteString("kgitops will perform the following actions:\n\n")
	}
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "  %s %s %s", actionSymbol[c.Action], safe(c.Kind), safe(c.Name))
		switch {
		case c.Held != "":
			fmt.Fprintf(&b, "  (held: %s)", safe(c.Held))
		case c.Pending:
			b.WriteString("  (pending: deleted only with --allow-delete)")
		case c.Drift:
			b.WriteString("  (drift: not in the repo, will be deleted)")
		case c.Action == ActionDelete:
			b.WriteString("  (will be deleted)")
		}
		b.WriteString("\n")
		for _, src := range c.Sources {
			fmt.Fprintf(&b, "      # from %s\n", safe(src))
		}
		if c.Kind != KindACL || c.Action == ActionUpdate { // an ACL's name says it all; its update is its principal's protection
			writeFields(&b, c)
		}
		b.WriteString("\n")
	}
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "Error: %s %s: %s\n", safe(e.Kind), safe(e.Name), safe(e.Message))
	}
	if len(p.Errors) > 0 {
		b.WriteString("\n")
	}
	for _, f := range p.Findings {
		if f.Severity == spec.SeverityWarn {
			fmt.Fprintf(&b, "Warning: %s %s: %s\n", safe(f.Kind), safe(f.Name), safe(findingText(f)))
		}
	}
	if p.Warnings() > 0 {
		b.WriteString("\n")
	}
	for _, e := range p.Blocked {
		fmt.Fprintf(&b, "Blocked: %s %s: %s\n", safe(e.Kind), safe(e.Name), safe(e.Message))
	}
	if len(p.Blocked) > 0 {
		b.WriteString("\n")
	}
	for _, e := range p.Drift {
		fmt.Fprintf(&b, "Drift: %s %s: %s\n", safe(e.Kind), safe(e.Name), safe(e.Message))
	}
	if len(p.Drift) > 0 {
		b.WriteString("\n")
	}
	for _, e := range p.Notes {
		fmt.Fprintf(&b, "Note: %s %s: %s\n", safe(e.Kind), safe(e.Name), safe(e.Message))
	}
	if len(p.Notes) > 0 {
		b.WriteString("\n")
	}
	writeProgress(&b, p.Reassignments)
	b.WriteString(SummaryLine(p))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFields(b *strings.Builder, c Change) {
	width := 0
	for _, f := range c.Fields {
		width = max(width, len(f.Path))
	}
	for _, f := range c.Fields {
		pad := strings.Repeat(" ", width-len(f.Path))
		old, new := shown(f.Path, f.Old), shown(f.Path, f.New)
		from := fromProfile(f)
		switch {
		case c.Action == ActionCreate:
			fmt.Fprintf(b, "      %s:%s %s%s\n", safe(f.Path), pad, safeV(new), from)
		case f.Old == nil:
			fmt.Fprintf(b, "    + %s:%s %s%s\n", safe(f.Path), pad, safeV(new), from)
		case f.New == nil:
			fmt.Fprintf(b, "    - %s:%s %s%s\n", safe(f.Path), pad, safeV(old), removalNote(c.Kind))
		default:
			fmt.Fprintf(b, "    ~ %s:%s %s → %s%s\n", safe(f.Path), pad, safeV(old), safeV(new), from)
		}
	}
}

// fromProfile notes, after a value, the profile that set it.
func fromProfile(f Field) string {
	if f.Source == "" || f.Source == "topic" {
		return ""
	}
	return "  # " + f.Source
}

// shown is a field's value as people read it: a config value with a unit
// in both forms, such as "7d (604800000)" for retention.ms (JSON plans
// keep Kafka's value alone).
func shown(path string, v any) any {
	s, ok := v.(string)
	key, isConfig := strings.CutPrefix(path, "configs.")
	if !ok || !isConfig {
		return v
	}
	return spec.ShowValue(key, s)
}

// removalNote says what removing a field means for a kind.
func removalNote(kind string) string {
	if k := kindOf(kind); k != nil && k.removed != "" {
		return k.removed
	}
	return " (removed)"
}

// SummaryLine is the plan's one-line summary.
func SummaryLine(p *Plan) string {
	s := p.Summary
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to delete", s.Create, s.Update, s.Delete)
	if s.PendingDelete > 0 {
		line += fmt.Sprintf(", %d deletion(s) pending --allow-delete", s.PendingDelete)
	}
	if s.Blocked > 0 {
		line += fmt.Sprintf(", %d blocked by the cluster", s.Blocked)
	}
	if s.Warnings > 0 {
		line += fmt.Sprintf(", %d warning(s)", s.Warnings)
	}
	line += "."
	if s.Errors > 0 {
		line += fmt.Sprintf(" %d error(s): nothing will be applied.", s.Errors)
	}
	return line
}

// writeProgress writes the reassignments in progress, one line each.
func writeProgress(b *strings.Builder, ps []ReassignmentProgress) {
	for _, pr := range ps {
		if pr.Moving == 0 {
			continue // only planned: the change above says it all
		}
		fmt.Fprintf(b, "Reassignment in progress: Topic %s: %s\n", pr.Topic, pr.String())
	}
	for _, pr := range ps {
		if pr.Moving > 0 {
			b.WriteString("\n")
			return
		}
	}
}

// safe escapes what a terminal would act on in text that may come from
// the cluster (a principal, a topic, a broker's message): control
// characters, newlines included, and Unicode's bidirectional overrides,
// so that a name can neither forge plan lines nor drive the terminal.
func safe(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func safeV(v any) string { return safe(fmt.Sprint(v)) }

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}
