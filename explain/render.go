package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kgitops/kgitops/spec"
)

// RenderJSON writes the explanation as one indented JSON object.
func RenderJSON(w io.Writer, e Explanation) error {
	if e.Configs == nil {
		e.Configs = []Value{}
	}
	if e.Flags == nil {
		e.Flags = []Flag{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// RenderText writes the explanation as a table: each key, its value (in
// both forms for keys with units), and where it comes from; then the
// flags.
func RenderText(w io.Writer, e Explanation) error {
	var b strings.Builder
	where := "from the repo, over Kafka's defaults (brokers' settings are not read offline)"
	if e.Live {
		where = "as the cluster has it"
	}
	fmt.Fprintf(&b, "Topic %s, %s\n", e.Topic, where)
	if e.File != "" {
		fmt.Fprintf(&b, "Declared at %s:%d", e.File, e.Line)
		if e.Profile != "" {
			fmt.Fprintf(&b, ", with %s", e.Profile)
		}
		b.WriteString("\n")
	} else if e.Live {
		b.WriteString("Not declared in the repo\n")
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tFROM")
	row := func(key string, v Value) {
		val := spec.ShowValue(key, v.Value)
		if v.Value == "" {
			val = `""`
		}
		from := v.Source
		if v.Detail != "" {
			from += " (" + v.Detail + ")"
		}
		if v.Repo != nil {
			from += "; the repo asks for " + spec.ShowValue(key, *v.Repo)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", key, val, from)
	}
	row("partitions", e.Partitions)
	row("replicationFactor", e.ReplicationFactor)
	for _, c := range e.Configs {
		row(c.Key, c)
	}
	tw.Flush()
	if len(e.Flags) > 0 {
		b.WriteString("\nFlags:\n")
		for _, f := range e.Flags {
			fmt.Fprintf(&b, "  %-5s %s: %s\n", f.Severity, f.Key, f.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
