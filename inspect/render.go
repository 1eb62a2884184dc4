package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kgitops/kgitops/spec"
)

// RenderJSON writes v (a TopicDescription, a GroupDescription, a
// []GroupLag or a Reset) as one indented JSON value.
func RenderJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// RenderTopic writes a topic's description as text.
func RenderTopic(w io.Writer, d TopicDescription) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Topic %s", d.Topic)
	switch {
	case d.Internal && d.ID != "":
		fmt.Fprintf(&b, " (internal, id %s)", d.ID)
	case d.Internal:
		b.WriteString(" (internal)")
	case d.ID != "":
		fmt.Fprintf(&b, " (id %s)", d.ID)
	}
	fmt.Fprintf(&b, ": %s, replication factor %d\n", plural(len(d.Partitions), "partition"), d.ReplicationFactor)
	if d.UnderReplicated > 0 || d.Offline > 0 {
		fmt.Fprintf(&b, "Warning: %d under-replicated, %d offline\n", d.UnderReplicated, d.Offline)
	}
	switch r := d.Repo; {
	case r == nil:
	case !r.Declared:
		fmt.Fprintf(&b, "Not declared in the repo (%s)\n", r.Dir)
	case !r.Drifted():
		fmt.Fprintf(&b, "Declared at %s:%d, and the cluster matches it\n", r.File, r.Line)
	default:
		fmt.Fprintf(&b, "Declared at %s:%d; drifted: apply would change\n", r.File, r.Line)
		for _, dr := range r.Drift {
			key := strings.TrimPrefix(dr.Path, "configs.")
			switch {
			case dr.Repo == "":
				fmt.Fprintf(&b, "  %s: the cluster has %s, the repo sets none: apply removes the override\n", dr.Path, spec.ShowValue(key, dr.Live))
			case dr.Live == "":
				fmt.Fprintf(&b, "  %s: the cluster has no override, the repo asks for %s\n", dr.Path, spec.ShowValue(key, dr.Repo))
			default:
				fmt.Fprintf(&b, "  %s: the cluster has %s, the repo asks for %s\n", dr.Path, spec.ShowValue(key, dr.Live), spec.ShowValue(key, dr.Repo))
			}
		}
		for _, msg := range r.Refused {
			fmt.Fprintf(&b, "  refused: %s\n", msg)
		}
	}

	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tLEADER\tREPLICAS\tISR\tLOG START\tLOG END\t")
	for _, p := range d.Partitions {
		var flags []string
		if p.UnderReplicated {
			flags = append(flags, "under-replicated")
		}
		if p.Offline {
			flags = append(flags, "offline")
		}
		if p.Error != "" {
			flags = append(flags, p.Error)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Partition, node(p.Leader), ids(p.Replicas), ids(p.ISR), offset(p.Start), offset(p.End), strings.Join(flags, ", "))
	}
	tw.Flush()

	b.WriteString("\nConfigs:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KEY\tVALUE\tFROM")
	for _, c := range d.Configs {
		val := spec.ShowValue(c.Key, c.Value)
		if c.Value == "" {
			val = `""`
		}
		from := c.Source
		if c.Detail != "" {
			from += " (" + c.Detail + ")"
		}
		if c.Repo != nil {
			from += "; the repo asks for " + spec.ShowValue(c.Key, *c.Repo)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Key, val, from)
	}
	tw.Flush()

	b.WriteString("\nConsumer groups:")
	switch {
	case d.GroupsError != "":
		fmt.Fprintf(&b, " not read: %s\n", d.GroupsError)
	case len(d.Groups) == 0:
		b.WriteString(" none\n")
	default:
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  GROUP\tSTATE\tMEMBERS\tLAG\tBY PARTITION")
		for _, g := range d.Groups {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%s\n", g.Group, g.State, g.Members, g.Lag, byPartition(g.Partitions))
		}
		tw.Flush()
	}
	return write(w, &b)
}

// RenderGroup writes a group's description as text.
func RenderGroup(w io.Writer, d GroupDescription) error {
	var b strings.Builder
	kind := "classic consumer group"
	if d.Type == TypeConsumer {
		kind = "consumer group (KIP-848)"
	} else if d.ProtocolType != "" && d.ProtocolType != "consumer" {
		kind = "classic group of protocol type " + d.ProtocolType
	}
	fmt.Fprintf(&b, "Group %s: %s, state %s", d.Name, kind, d.State)
	if d.Protocol != "" {
		fmt.Fprintf(&b, ", assignor %s", d.Protocol)
	}
	fmt.Fprintf(&b, ", coordinator %d\n", d.Coordinator)

	fmt.Fprintf(&b, "\nMembers: ")
	if len(d.Members) == 0 {
		b.WriteString("none\n")
	} else {
		fmt.Fprintf(&b, "%d\n", len(d.Members))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CLIENT ID\tHOST\tMEMBER ID\tASSIGNED")
		for _, m := range d.Members {
			id := m.ID
			if m.InstanceID != "" {
				id += " (instance " + m.InstanceID + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m.ClientID, m.Host, id, assigned(m.Assigned))
		}
		tw.Flush()
	}

	b.WriteString("\nOffsets: ")
	if len(d.Lag.Topics) == 0 {
		b.WriteString("none committed or assigned\n")
	} else {
		fmt.Fprintf(&b, "total lag %d\n", d.Lag.Lag)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  TOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tMEMBER")
		for _, t := range d.Lag.Topics {
			for _, p := range t.Partitions {
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\n", t.Topic, p.Partition, offset(p.Committed), offset(p.End), offset(p.Lag), p.Member)
			}
		}
		tw.Flush()
	}
	return write(w, &b)
}

// RenderLags writes groups' lag as text: one line per group and topic,
// with the total and the lag of each partition.
func RenderLags(w io.Writer, lags []GroupLag) error {
	var b strings.Builder
	if len(lags) == 0 {
		b.WriteString("No consumer group to show.\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GROUP\tSTATE\tMEMBERS\tTOPIC\tLAG\tBY PARTITION")
		for _, g := range lags {
			if len(g.Topics) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t%d\t-\t-\t\n", g.Group, g.State, g.Members)
			}
			for _, t := range g.Topics {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", g.Group, g.State, g.Members, t.Topic, t.Lag, byPartition(t.Partitions))
			}
		}
		tw.Flush()
	}
	return write(w, &b)
}

// RenderReset writes a reset as text: old and new offset per partition.
func RenderReset(w io.Writer, r Reset) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Reset of group %s on topic %s to %s: ", r.Group, r.Topic, r.To)
	if r.Executed {
		b.WriteString("committed\n\n")
	} else {
		b.WriteString("dry run, nothing committed (pass --execute to commit)\n\n")
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tOLD\tNEW\tLOG START\tLOG END\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%s\n", row.Partition, offset(row.Old), row.New, row.Start, row.End, row.Error)
	}
	tw.Flush()
	return write(w, &b)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// write writes b to w without the spaces tabwriter leaves at the end of
// lines.
func write(w io.Writer, b *strings.Builder) error {
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

func node(id int32) string {
	if id < 0 {
		return "none"
	}
	return strconv.Itoa(int(id))
}

func ids(s []int32) string {
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.Itoa(int(id))
	}
	return strings.Join(parts, ",")
}

func offset(o int64) string {
	if o < 0 {
		return "-"
	}
	return strconv.FormatInt(o, 10)
}

func byPartition(ps []PartitionLag) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%d:%s", p.Partition, offset(p.Lag))
	}
	return strings.Join(parts, " ")
}

func assigned(a map[string][]int32) string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(a)) {
		parts = append(parts, t+"["+ids(a[t])+"]")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
