package cli

import (
	"context"
	"fmt"
	"time"

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
	allowHard     bool // --allow-hard-delete
	reg           registryFlags
	allowEmpty    bool
	selector      string
	maxDeletes    int
	maxPartitions int // --max-partitions-per-broker
	reassign      reassignFlags
	// apply only: --no-wait, --reassign-timeout
	noWait          bool
	reassignTimeout time.Duration
	ignoreConfigs   []string
	explicitInv     func() bool // the user chose --inventory-name
	// hashDesired makes prepare hash the desired state's files (for a
	// saved plan); a non-empty wantDesired refuses, before connecting, a
	// desired state whose hash differs.
	hashDesired bool
	wantDesired string
}

func (f *planFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.clusterFlags.add(cmd, getenv)
	cmd.Flags().StringVar(&f.dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	cmd.Flags().StringVar(&f.secretsDir, "secrets-dir", envOr(getenv, envSecretsDir, ""), secretsDirUsage)
	cmd.Flags().BoolVar(&f.allowDelete, "allow-delete", false, "delete resources kgitops created that the repo no longer declares")
	addSchemaFlags(cmd, &f.reg, &f.allowHard)
	cmd.Flags().StringSliceVar(&f.ignoreConfigs, "ignore-config", nil, "topic config key to leave alone on every topic; a trailing '*' matches a prefix (repeatable)")
	addGuardFlags(cmd, &f.maxDeletes, &f.allowEmpty, -1)
	addSelectorFlag(cmd, &f.selector)
	addCheckFlags(cmd, &f.maxPartitions)
	f.reassign.add(cmd)
	f.explicitInv = inventoryChosen(cmd, getenv)
}

// addSchemaFlags adds the schema registry's flags and --allow-hard-delete.
func addSchemaFlags(cmd *cobra.Command, reg *registryFlags, allowHard *bool) {
	reg.register(cmd.Flags())
	cmd.Flags().BoolVar(allowHard, "allow-hard-delete", false, "with --allow-delete, delete a Schema's subject for good (every version), not softly")
}

// schemaBackends returns the schema registry as a backend, and refuses a
// repo with Schema documents when no registry is given: they are never
// skipped silently.
func schemaBackends(reg *registryFlags, getenv func(string) string, st *spec.State) (map[string]any, error) {
	b, err := reg.backends(getenv)
	if err != nil {
		return nil, err
	}
	if b == nil && len(st.Schemas) > 0 {
		return nil, fmt.Errorf("the repo declares %d Schema document(s) but no schema registry is configured: give --schema-registry URL or set %s", len(st.Schemas), envRegistryURL)
	}
	return b, nil
}

// addCheckFlags adds the limits of the checks against the live cluster.
func addCheckFlags(cmd *cobra.Command, maxPartitions *int) {
	cmd.Flags().IntVar(maxPartitions, "max-partitions-per-broker", reconcile.DefaultMaxPartitionsPerBroker,
		"partition replicas a broker may hold after the plan: above it the plan is refused, above 80% of it the plan warns")
}

// addGuardFlags adds the guards against mass deletion; max is
// --max-deletes' default (-1: no limit).
func addGuardFlags(cmd *cobra.Command, maxDeletes *int, allowEmpty *bool, max int) {
	usage := "most deletions one plan runs; past it, none runs and each is shown as held (-1: no limit)"
	cmd.Flags().IntVar(maxDeletes, "max-deletes", max, usage)
	cmd.Flags().BoolVar(allowEmpty, "allow-empty", false, "let a desired state that declares nothing delete what the inventory owns (refused without it)")
}

// addSelectorFlag adds --selector.
func addSelectorFlag(cmd *cobra.Command, selector *string) {
	cmd.Flags().StringVar(selector, "selector", "", "work only on documents whose metadata.labels match key=value[,key=value]; "+
		"resources outside the selection are never deleted (only a selected document's kgitops.io/delete is)")
}

// maxDeletesOpt is --max-deletes as DiffOptions takes it.
func maxDeletesOpt(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// inventoryChosen says, once flags are parsed, whether the user named the
// inventory (--inventory-name or its variable): that claims an inventory
// another source recorded.
func inventoryChosen(cmd *cobra.Command, getenv func(string) string) func() bool {
	return func() bool {
		return cmd.Flags().Changed("inventory-name") || getenv("KGITOPS_INVENTORY_NAME") != ""
	}
}

// prepared is a plan together with what it was computed from.
type prepared struct {
	cl     *kgo.Client
	live   *reconcile.Live
	plan   *reconcile.Plan
	source string // where the desired state comes from (gitsync.DirSourceID)
	claim  bool   // the user chose the inventory explicitly
	// desired is the hash of the desired state's files (spec.HashDir),
	// when planFlags.hashDesired asked for it.
	desired string
	// backends are the backends other than Kafka (the schema registry).
	backends map[string]any
}

// prepare loads the repo, connects, observes and diffs. The connection and
// the reads that do not depend on the repo start while it loads (they only
// read); bad input fails with its own error, and that read is dropped.
func (f *planFlags) prepare(ctx context.Context, e *env) (*prepared, error) {
	sel, err := spec.ParseSelector(f.selector)
	if err != nil {
		return nil, err
	}
	// The cluster is read while the repo loads; a repo that does not
	// load, or a password that cannot be read, drops that read unseen.
	x := f.beginEarly(ctx, e, reconcile.ObserveOptions{ReadEarly: true})
	fail := func(err error) (*prepared, error) {
		x.drop()
		return nil, err
	}
	st, desired, err := f.load(e)
	if err != nil {
		return fail(err)
	}
	st = st.Select(sel)
	secrets, err := spec.NewSecretsDir(f.secretsDir)
	if err != nil {
		return fail(err)
	}
	passwords, brokerSecrets, err := e.readPasswords(f.dir, st, secrets)
	if err != nil {
		return fail(err)
	}
	backends, err := schemaBackends(&f.reg, e.getenv, st)
	if err != nil {
		return fail(err)
	}
	throttle, err := f.reassign.throttleOpt()
	if err != nil {
		return fail(err)
	}
	var cl *kgo.Client
	var live *reconcile.Live
	if x != nil {
		cl, live, err = x.finish(ctx, st, backends, passwords)
	} else if cl, err = f.connect(ctx, e); err == nil {
		if live, err = f.observe(ctx, cl, reconcile.ObserveOptions{Desired: st, Backends: backends, Passwords: passwords, ReadEarly: true}); err != nil {
			cl.Close()
		}
	}
	if err != nil {
		return nil, err
	}
	source, claim := gitsync.DirSourceID(f.dir), f.explicitInv()
	plan := reconcile.Diff(st, live, reconcile.DiffOptions{
		AllowDelete: f.allowDelete, AllowHardDelete: f.allowHard, IgnoreConfigs: f.ignoreConfigs, Passwords: passwords, BrokerSecrets: brokerSecrets,
		MaxDeletes: maxDeletesOpt(f.maxDeletes), AllowEmpty: f.allowEmpty, Source: source, ClaimInventory: claim,
		Selector: sel, MaxPartitionsPerBroker: f.maxPartitions,
		Throttle: throttle, MaxPartitionsInFlight: f.reassign.maxInFlight,
	})
	return &prepared{cl: cl, live: live, plan: plan, source: source, claim: claim, desired: desired, backends: backends}, nil
}

func newPlan(e *env) *cobra.Command {
	var f planFlags
	var rf reportFlags
	var out string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would change; exit 0 no changes, 1 error, 2 changes (with --detailed-exitcode)",
		Args:  outArgs(&rf, &out),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := rf.check(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			f.hashDesired = out != ""
			p, err := f.prepare(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer p.cl.Close()
			rev := revisionOf(f.dir, rf.revision)
			if out != "" {
				if err := savePlan(e, &f, p, out, rev); err != nil {
					return &exitError{code: ExitError, err: err}
				}
			}
			return rf.finish(e, p.plan, rev)
		},
	}
	f.add(cmd, e.getenv)
	rf.add(cmd)
	cmd.Flags().StringVar(&out, "out", "", "also save the plan to this file, for kgitops apply FILE to apply exactly it (Terraform's -out FILE works too); it holds no secret")
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
