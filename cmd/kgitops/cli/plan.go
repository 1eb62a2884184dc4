package cli

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// envSecretsDir is --secrets-dir's variable.
const envSecretsDir = "KGITOPS_SECRETS_DIR"

const secretsDirUsage = "the only folder a User's passwordFrom file is read from; its paths are relative to it " +
	"(default: the working directory) [$" + envSecretsDir + "]"

// planFlags are shared by plan and apply.
type planFlags struct {
	clusterFlags
	dir           string
	secretsDir    string
	allowDelete   bool
	ignoreConfigs []string
}

func (f *planFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.clusterFlags.add(cmd, getenv)
	cmd.Flags().StringVar(&f.dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	cmd.Flags().StringVar(&f.secretsDir, "secrets-dir", envOr(getenv, envSecretsDir, ""), secretsDirUsage)
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
	secrets, err := spec.NewSecretsDir(f.secretsDir)
	if err != nil {
		return nil, err
	}
	passwords, err := e.readPasswords(f.dir, st, secrets)
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
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change; exit 0 no changes, 1 error, 2 changes (with --detailed-exitcode)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := rf.check(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			p, err := f.prepare(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer p.cl.Close()
			return rf.finish(e, p.plan, revisionOf(f.dir, rf.revision))
		},
	}
	f.add(cmd, e.getenv)
	rf.add(cmd)
	cmd.Flags().StringVar(&rf.revision, "revision", "", "the commit the plan is for, shown by -o markdown (default: HEAD of the git work tree holding --dir, if any)")
	return cmd
}

// revisionOf is the commit a plan is computed for: the one given, or the
// HEAD of the work tree that holds dir, or nothing outside git.
func revisionOf(dir, given string) string {
	if given != "" {
		return given
	}
	repo, err := gitsync.OpenLocal(dir)
	if err != nil {
		return ""
	}
	rev, err := repo.Resolve("HEAD")
	if err != nil {
		return ""
	}
	return rev.SHA
}
