package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
)

func newApply(e *env) *cobra.Command {
	var f planFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Bring the cluster to the repo's state; exit 0 when every change succeeded, 1 otherwise",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.prepare(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer p.cl.Close()
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
			if !p.plan.NeedsApply(p.live) {
				return blocked()
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.conn.Timeout)
			defer cancel()
			results, err := reconcile.Apply(ctx, p.cl, p.plan, reconcile.ApplyOptions{
				DryRun:    dryRun,
				Inventory: f.inventory(),
				Brokers:   p.live.Brokers,
				Known:     p.live.Inventory,
				Live:      p.live,
				Source:    p.source, ClaimInventory: p.claim,
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
			return blocked()
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "ask the brokers to validate every change without making it (Kafka's validateOnly)")
	return cmd
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
