package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/reconcile"
)

// planFlags are shared by plan and apply.
type planFlags struct {
	clusterFlags
	dir           string
	allowDelete   bool
	ignoreConfigs []string
}

func (f *planFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.clusterFlags.add(cmd, getenv)
	cmd.Flags().StringVar(&f.dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	cmd.Flags().BoolVar(&f.allowDelete, "allow-delete", false, "delete resources kgitops created that the repo no longer declares")
	cmd.Flags().StringSliceVar(&f.ignoreConfigs, "ignore-config", nil, "topic config key to leave alone on every topic; a trailing '*' matches a prefix (repeatable)")
}

// prepared is a plan together with what it was computed from.
type prepared struct {
	cl   *kgo.Client
	live *reconcile.Live
	plan *reconcile.Plan
}

// prepare loads the repo, connects, observes and diffs. The repo is loaded
// first, so that bad input fails before any connection is made.
func (f *planFlags) prepare(ctx context.Context, e *env) (*prepared, error) {
	st, err := e.loadDir(f.dir)
	if err != nil {
		return nil, err
	}
	passwords, err := e.readPasswords(f.dir, st)
	if err != nil {
		return nil, err
	}
	cl, err := f.connect(ctx, e)
	if err != nil {
		return nil, err
	}
	live, err := f.observe(ctx, cl, reconcile.ObserveOptions{Desired: st})
	if err != nil {
		cl.Close()
		return nil, err
	}
	plan := reconcile.Diff(st, live, reconcile.DiffOptions{AllowDelete: f.allowDelete, IgnoreConfigs: f.ignoreConfigs, Passwords: passwords})
	return &prepared{cl: cl, live: live, plan: plan}, nil
}

func newPlan(e *env) *cobra.Command {
	var f planFlags
	var output string
	var detailed bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change; exit 0 no changes, 1 error, 2 changes (with --detailed-exitcode)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			render, err := renderer(output)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			p, err := f.prepare(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer p.cl.Close()
			if err := render(e.stdout, p.plan); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			switch {
			case len(p.plan.Errors) > 0:
				return silentExit(ExitError)
			case detailed && p.plan.HasChanges():
				return silentExit(ExitChanges)
			}
			return nil
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when there are changes (0: none, 1: error)")
	return cmd
}

func renderer(format string) (func(io.Writer, *reconcile.Plan) error, error) {
	switch format {
	case "text":
		return reconcile.RenderText, nil
	case "json":
		return reconcile.RenderJSON, nil
	}
	return nil, fmt.Errorf("-o %q: want text or json", format)
}
