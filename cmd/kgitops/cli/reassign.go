package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
)

func newReassign(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reassign",
		Short: "Show, cancel or resume the replica moves in progress (replication-factor changes, rebalances)",
		Long: `kgitops moves replicas when a topic's replicationFactor changes, when a placement drift is
moved back, and for kgitops rebalance. The moves run in the cluster, in batches and throttled,
across runs: apply waits for them (unless --no-wait), and the daemon resumes them at every pass.

  reassign status             every reassignment in progress, by whoever started it
  reassign cancel [TOPIC...]  stop the moves in progress (all, or those of the topics named) and
                              hold the topics: no plan, nor the daemon, moves them again until
  reassign resume [TOPIC...]  lifts the hold`,
	}
	cmd.AddCommand(newReassignStatus(e), newReassignCancel(e), newReassignResume(e))
	return cmd
}

func newReassignStatus(e *env) *cobra.Command {
	var f clusterFlags
	var output string
	cmd := &cobra.Command{
		Use:   "status [-o text|json]",
		Short: "Show every reassignment in progress: partitions, bytes left, ETA, throttles and holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return &exitError{code: ExitError, err: fmt.Errorf("-o %q: want text or json", output)}
			}
			cl, err := f.connect(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), f.conn.Timeout)
			defer cancel()
			st, err := reconcile.ReadReassignStatus(ctx, cl, f.inventory())
			if err != nil {
				return &exitError{code: ExitError, err: kconn.Explain(err)}
			}
			if output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			writeReassignStatus(e.stdout, st)
			return nil
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

func writeReassignStatus(w io.Writer, st *reconcile.ReassignStatus) {
	if len(st.Partitions) == 0 {
		fmt.Fprintln(w, "No reassignment in progress.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TOPIC\tPARTITION\tREPLICAS\tADDING\tREMOVING\tBYTES LEFT")
		for _, p := range st.Partitions {
			left := "?"
			if p.BytesRemaining >= 0 {
				left = reconcile.HumanBytes(p.BytesRemaining)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", p.Topic, p.Partition, ids(p.Replicas), orDash(ids(p.Adding)), orDash(ids(p.Removing)), left)
		}
		tw.Flush()
		fmt.Fprintln(w)
		for _, t := range st.Topics {
			fmt.Fprintf(w, "Topic %s: %s\n", t.Topic, t)
		}
	}
	if len(st.Throttles) > 0 {
		fmt.Fprintln(w)
		for _, b := range sortedBrokers(st.Throttles) {
			by := ""
			for _, k := range st.ThrottledByKgitops {
				if k == b {
					by = " (set by kgitops; removed once nothing moves)"
				}
			}
			var kv []string
			for _, k := range []string{"leader.replication.throttled.rate", "follower.replication.throttled.rate"} {
				if v, ok := st.Throttles[b][k]; ok {
					kv = append(kv, k+"="+v)
				}
			}
			fmt.Fprintf(w, "Throttle: broker %d: %s%s\n", b, strings.Join(kv, " "), by)
		}
	}
	for _, t := range st.Held {
		fmt.Fprintf(w, "Held: topic %s (kgitops reassign cancel): no moves until kgitops reassign resume %s\n", t, t)
	}
}

func newReassignCancel(e *env) *cobra.Command {
	var f clusterFlags
	cmd := &cobra.Command{
		Use:   "cancel [TOPIC...]",
		Short: "Cancel the reassignments in progress (of the topics named, else all) and hold the topics",
		Long: `cancel stops the replica moves in progress: each partition goes back to the replicas it had,
and what was copied is dropped. The topics are held: no plan, nor the daemon, starts their moves
again until kgitops reassign resume. Once nothing moves in the cluster, the throttles kgitops set
are removed.`,
		RunE: func(cmd *cobra.Command, topics []string) error {
			cl, err := f.connect(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), f.conn.Timeout)
			defer cancel()
			res, err := reconcile.CancelReassignments(ctx, cl, f.inventory(), brokerCount(ctx, cl), topics)
			if res != nil {
				for _, p := range res.Cancelled {
					fmt.Fprintf(e.stdout, "✓ %s partition %d: cancelled (back to its replicas before the move)\n", p.Topic, p.Partition)
				}
				for _, t := range res.Held {
					fmt.Fprintf(e.stdout, "Held: topic %s: no moves until kgitops reassign resume %s\n", t, t)
				}
				if len(res.Unthrottled) > 0 {
					fmt.Fprintf(e.stdout, "Removed the replication throttle from broker(s) %s.\n", ids(res.Unthrottled))
				}
				if len(res.Cancelled) == 0 {
					fmt.Fprintln(e.stdout, "No reassignment in progress was cancelled.")
				}
			}
			if err != nil {
				return &exitError{code: ExitError, err: kconn.Explain(err)}
			}
			return nil
		},
	}
	f.add(cmd, e.getenv)
	return cmd
}

func newReassignResume(e *env) *cobra.Command {
	var f clusterFlags
	cmd := &cobra.Command{
		Use:   "resume [TOPIC...]",
		Short: "Lift the hold kgitops reassign cancel put on topics (the topics named, else all)",
		RunE: func(cmd *cobra.Command, topics []string) error {
			cl, err := f.connect(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), f.conn.Timeout)
			defer cancel()
			released, err := reconcile.ResumeReassignments(ctx, cl, f.inventory(), brokerCount(ctx, cl), topics)
			if err != nil {
				return &exitError{code: ExitError, err: kconn.Explain(err)}
			}
			for _, t := range released {
				fmt.Fprintf(e.stdout, "✓ topic %s: released; the next plan moves it again\n", t)
			}
			if len(released) == 0 {
				fmt.Fprintln(e.stdout, "No topic was held.")
			}
			return nil
		},
	}
	f.add(cmd, e.getenv)
	return cmd
}

func ids(s []int32) string {
	out := make([]string, len(s))
	for i, id := range s {
		out[i] = strconv.Itoa(int(id))
	}
	return strings.Join(out, ",")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedBrokers(m map[int32]map[string]string) []int32 {
	out := make([]int32, 0, len(m))
	for b := range m {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}

// brokerCount is the live broker count, for sizing the inventory topic
// if a command creates it; 1 when unknown.
func brokerCount(ctx context.Context, cl *kgo.Client) int {
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil || len(md.Brokers) == 0 {
		return 1
	}
	return len(md.Brokers)
}
