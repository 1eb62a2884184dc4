package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
)

func newApply(e *env) *cobra.Command {
	var f planFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Bring the cluster to the repo's state, or apply a plan saved by plan --out; exit 0 when every change succeeded, 1 otherwise",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return applySaved(cmd, e, &f, args[0], dryRun)
			}
			p, err := f.prepare(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer p.cl.Close()
			return applyPrepared(cmd.Context(), e, &f, p, dryRun, "")
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "ask the brokers to validate every change without making it (Kafka's validateOnly)")
	cmd.Flags().BoolVar(&f.noWait, "no-wait", false, "start the replica moves of a replication-factor change and return; the next apply, or the daemon, resumes them")
	cmd.Flags().DurationVar(&f.reassignTimeout, "reassign-timeout", 0, "how long apply waits for replica moves to finish (0: as long as they take); the moves go on in the cluster after it")
	return cmd
}

// moves says whether the plan moves replicas.
func moves(p *reconcile.Plan) bool {
	for _, c := range p.Changes {
		if tc, ok := c.Payload.(*reconcile.TopicChange); ok && tc.Reassign != nil {
			return true
		}
	}
	return false
}

// progressPrinter prints a waiting apply's progress when it changes, and
// at least every 30 s.
func progressPrinter(w io.Writer) func(moving, waiting int) {
	var last string
	var at time.Time
	return func(moving, waiting int) {
		line := fmt.Sprintf("Reassignment: %d partition(s) moving, %d waiting to start", moving, waiting)
		if moving == 0 && waiting == 0 {
			line = "Reassignment: every move is done; removing the throttles"
		}
		if line != last || time.Since(at) >= 30*time.Second {
			fmt.Fprintln(w, line)
			last, at = line, time.Now()
		}
	}
}

// applyPrepared prints the plan p holds and applies it; revision is
// recorded in the inventory next to what it creates ("" for none).
func applyPrepared(ctx context.Context, e *env, f *planFlags, p *prepared, dryRun bool, revision string) error {
	if err := reconcile.RenderText(e.stdout, p.plan); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if len(p.plan.Errors) > 0 {
		return &exitError{code: ExitError, err: reconcile.ErrPlanRefused}
	}
	blocked := func() error {
		if n := len(p.plan.Blocked); n > 0 {
			return &exitError{code: ExitError, err: fmt.Errorf("%d resource(s) blocked by the cluster were left as they are (see Blocked above); the rest was applied", n)}
		}
		return nil
	}
	// Moves in progress (started by an earlier apply --no-wait, or the
	// daemon) are waited for too, and their throttles removed at the end.
	await := !f.noWait && !dryRun && p.plan.Moving()
	if !p.plan.NeedsApply(p.live) {
		if await {
			if err := awaitMoves(ctx, e, f, p); err != nil {
				return err
			}
		}
		return blocked()
	}
	timeout, wait := f.conn.Timeout, !f.noWait && !dryRun && (moves(p.plan) || await)
	if wait {
		// Data moves take as long as they take: bounded only by
		// --reassign-timeout (each request keeps its own timeout).
		timeout = f.reassignTimeout
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	results, err := reconcile.Apply(ctx, p.cl, p.plan, reconcile.ApplyOptions{
		WaitReassignments: wait, Progress: progressPrinter(e.stderr),
		DryRun:    dryRun,
		Inventory: f.inventory(),
		Revision:  revision,
		Brokers:   p.live.Brokers,
		Known:     p.live.Inventory,
		Live:      p.live,
		Source:    p.source, ClaimInventory: p.claim,
		Backends: p.backends,
	})
	failed := printResults(e.stdout, results, dryRun)
	if err != nil {
		if applied(results) {
			// The changes were made, but their outcome is not
			// recorded: say so, never report success.
			fmt.Fprintln(e.stdout, "\nThe inventory could not record the outcome. What this apply created stays owned (it was recorded as an intent before it was created); run kgitops apply again to record the rest.")
		}
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	if failed > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d change(s) failed", failed)}
	}
	if await && !moves(p.plan) {
		if err := awaitMoves(ctx, e, f, p); err != nil {
			return err
		}
	}
	return blocked()
}

// awaitMoves waits for the moves in progress and removes their throttles.
func awaitMoves(ctx context.Context, e *env, f *planFlags, p *prepared) error {
	if f.reassignTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.reassignTimeout)
		defer cancel()
	}
	fmt.Fprintln(e.stderr, "Waiting for the replica moves in progress (--no-wait returns at once)...")
	err := reconcile.AwaitReassignments(ctx, p.cl, reconcile.ApplyOptions{
		Inventory: f.inventory(), Brokers: p.live.Brokers, Known: p.live.Inventory, Source: p.source, ClaimInventory: p.claim,
		Progress: progressPrinter(e.stderr),
	})
	if err != nil {
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	fmt.Fprintln(e.stdout, "\n✓ The replica moves in progress are done; their throttles are removed.")
	return nil
}

var doneVerb = map[reconcile.Action]string{
	reconcile.ActionCreate: "created",
	reconcile.ActionUpdate: "updated",
	reconcile.ActionDelete: "deleted",
}

// printResults writes one line per resource and a closing count; it
// returns how many changes failed.
func printResults(w io.Writer, results []reconcile.Result, dryRun bool) int {
	var ok, failed, skipped int
	fmt.Fprintln(w)
	for _, r := range results {
		c := r.Change
		switch {
		case r.Err != nil:
			failed++
			fmt.Fprintf(w, "✗ %s %s: %s failed: %s\n", c.Kind, c.Name, c.Action, kconn.Explain(r.Err))
		case r.Skipped != "":
			skipped++
			fmt.Fprintf(w, "- %s %s: skipped (%s)\n", c.Kind, c.Name, r.Skipped)
		case dryRun:
			ok++
			fmt.Fprintf(w, "✓ %s %s: %s validated by the brokers (dry run, nothing changed)\n", c.Kind, c.Name, c.Action)
		default:
			ok++
			fmt.Fprintf(w, "✓ %s %s: %s\n", c.Kind, c.Name, doneVerb[c.Action])
		}
	}
	verb := "applied"
	if dryRun {
		verb = "validated"
	}
	fmt.Fprintf(w, "\nApply: %d %s, %d failed, %d skipped.\n", ok, verb, failed, skipped)
	return failed
}

// applied says whether any change of the results took effect.
func applied(results []reconcile.Result) bool {
	for _, r := range results {
		if r.Err == nil && r.Skipped == "" {
			return true
		}
	}
	return false
}
