package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

func newRebalance(e *env) *cobra.Command {
	var f planFlags
	var apply bool
	cmd := &cobra.Command{
		Use:   "rebalance [--dir D] [--apply [--no-wait]] [--throttle RATE] [--max-partitions-in-flight N]",
		Short: "Even out partitions and preferred leaders across brokers (after a broker was added); shows the moves, makes them with --apply",
		Long: `rebalance plans the replica moves that even out the partitions and the preferred leaders
across the live brokers, moving as little as possible: it never lowers a partition's rack spread,
never changes a replication factor, and never moves an offline partition. It shows the moves
and the bytes each copies; with --apply it makes them the way a replication-factor change does:
in batches (--max-partitions-in-flight), throttled (--throttle), waiting until they are done
(unless --no-wait), and then elects the preferred leaders. It resumes: run it again after an
interruption and it starts what is left. kgitops reassign status and cancel work on its moves.

With --dir, the repo's Settings (reassignment.throttle, maxPartitionsInFlight) apply, and its
topics with a placement of their own (in-rack, static) keep it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return rebalance(cmd.Context(), e, &f, cmd.Flags().Changed("dir"), apply)
		},
	}
	f.clusterFlags.add(cmd, e.getenv)
	cmd.Flags().StringVar(&f.dir, "dir", "", "the repo: its Settings bound the moves, and its topics with a placement of their own are left alone")
	f.reassign.add(cmd)
	cmd.Flags().BoolVar(&apply, "apply", false, "make the moves (without it, rebalance only shows them)")
	cmd.Flags().BoolVar(&f.noWait, "no-wait", false, "with --apply: start the first batch and return; run rebalance --apply again to go on")
	cmd.Flags().DurationVar(&f.reassignTimeout, "reassign-timeout", 0, "with --apply: how long to wait for the moves (0: as long as they take)")
	return cmd
}

func rebalance(ctx context.Context, e *env, f *planFlags, withDir, apply bool) error {
	var st *spec.State
	if withDir {
		loaded, err := spec.Load(f.dir)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		st = loaded
	}
	throttle, err := f.reassign.throttleOpt()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	cl, err := f.connect(ctx, e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	live, err := f.observe(ctx, cl, reconcile.ObserveOptions{Desired: st, AllSizes: true})
	if err != nil {
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	plan, err := reconcile.Rebalance(live, reconcile.RebalanceOptions{Desired: st, Throttle: throttle, MaxPartitionsInFlight: f.reassign.maxInFlight})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if !withDir {
		fmt.Fprintln(e.stderr, "Note: without --dir, rebalance does not know the repo's topic placements (in-rack, static): give --dir to keep them.")
	}
	if err := reconcile.RenderText(e.stdout, plan); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if !apply {
		if len(plan.Changes) > 0 {
			fmt.Fprintln(e.stdout, "\nRun kgitops rebalance --apply to make these moves.")
		}
		return nil
	}
	// The topics whose moves an earlier run (--no-wait), or an apply,
	// started: once they are done, their preferred leaders are elected
	// too.
	earlier := map[string]bool{}
	for k := range live.Inventory.Entries {
		if k.Kind == reconcile.KindReassignment {
			earlier[k.Name] = true
		}
	}
	if len(plan.Changes) == 0 && (f.noWait || !plan.Moving() && len(earlier) == 0 && !plan.Throttled) {
		return nil
	}
	actx := ctx
	if f.reassignTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, f.reassignTimeout)
		defer cancel()
	}
	opts := reconcile.ApplyOptions{
		Inventory: f.inventory(), Brokers: live.Brokers, Known: live.Inventory, Live: live,
		WaitReassignments: !f.noWait, Progress: progressPrinter(e.stderr),
	}
	if len(plan.Changes) == 0 {
		// Nothing left to start: wait for the moves in progress, and
		// remove their throttles, as apply does.
		fmt.Fprintln(e.stderr, "Waiting for the replica moves in progress (--no-wait returns at once)...")
		if err := reconcile.AwaitReassignments(actx, cl, opts); err != nil {
			return &exitError{code: ExitError, err: kconn.Explain(err)}
		}
		fmt.Fprintln(e.stdout, "\n✓ The replica moves in progress are done; their throttles are removed.")
	} else {
		results, err := reconcile.Apply(actx, cl, plan, opts)
		failed := printResults(e.stdout, results, false)
		if err != nil {
			return &exitError{code: ExitError, err: kconn.Explain(err)}
		}
		if failed > 0 {
			return &exitError{code: ExitError, err: fmt.Errorf("%d topic(s) failed to move", failed)}
		}
		if f.noWait {
			fmt.Fprintln(e.stdout, "The first batch is moving: run kgitops rebalance --apply again to go on, and to elect the preferred leaders once done.")
			return nil
		}
	}
	lctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	adm := kadm.NewClient(cl)
	leaders := reconcile.PreferredLeaders(plan)
	if len(earlier) > 0 {
		td, err := adm.ListTopics(lctx, slices.Sorted(maps.Keys(earlier))...)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("the moves are done, but reading their partitions' leaders failed (Kafka's auto.leader.rebalance.enable elects the preferred leaders in time): %w", err)}
		}
		for t, d := range td {
			for _, p := range d.Partitions.Sorted() {
				if len(p.Replicas) > 0 && p.Leader != p.Replicas[0] && !slices.Contains(leaders[t], p.Partition) {
					leaders[t] = append(leaders[t], p.Partition)
				}
			}
		}
	}
	if len(leaders) == 0 {
		return nil
	}
	set := kadm.TopicsSet{}
	for t, ps := range leaders {
		set.Add(t, ps...)
	}
	rs, err := adm.ElectLeaders(lctx, kadm.ElectPreferredReplica, set)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("the moves are done, but electing the preferred leaders failed (Kafka's auto.leader.rebalance.enable does it in time): %w", err)}
	}
	n, failed := 0, 0
	for _, ps := range rs {
		for _, r := range ps {
			switch {
			case r.Err == nil || errors.Is(r.Err, kerr.ElectionNotNeeded):
				n++
			default:
				failed++
				fmt.Fprintf(e.stderr, "Warning: %s partition %d: the preferred leader was not elected: %v %s\n", r.Topic, r.Partition, r.Err, r.ErrMessage)
			}
		}
	}
	fmt.Fprintf(e.stdout, "The preferred leader leads %d partition(s) of the %d that moved it.\n", n, n+failed)
	// A new leader answers OFFSET_NOT_AVAILABLE until its high watermark
	// caught up: return once the partitions serve again, so that the next
	// command (reading the inventory, whose leader may have moved too)
	// finds them ready.
	if err := awaitLeaders(lctx, adm, set); err != nil {
		fmt.Fprintf(e.stderr, "Warning: the new leaders do not serve yet: %v\n", err)
	}
	return nil
}

// awaitLeaders polls the end offsets of set's partitions until every one
// answers without an error.
func awaitLeaders(ctx context.Context, adm *kadm.Client, set kadm.TopicsSet) error {
	for {
		offsets, err := adm.ListEndOffsets(ctx, set.Topics()...)
		if err == nil {
			err = offsets.Error()
		}
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
