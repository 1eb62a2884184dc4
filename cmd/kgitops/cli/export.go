package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/export"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
)

// exportFlags are the flags of export and adopt.
type exportFlags struct {
	clusterFlags
	out    string
	layout string
	filter string
	roles  bool
	units  bool
	adopt  bool
	reg    registryFlags
}

func (f *exportFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.clusterFlags.add(cmd, getenv)
	fl := cmd.Flags()
	f.reg.register(fl)
	fl.StringVar(&f.out, "out", "", "folder to write the YAML to (created if missing)")
	fl.StringVar(&f.layout, "layout", "topic", "topic: one file per topic; team: one file per team prefix (the name up to its first '.', '-' or '_')")
	fl.StringVar(&f.filter, "filter", "", "export only the topics whose names match this regular expression (internal topics are never exported)")
	fl.BoolVar(&f.roles, "roles", false, "write ACL sets that match a built-in role as RoleBindings instead of raw ACLs")
	fl.BoolVar(&f.units, "units", false, "write .ms and .bytes config values with units (7d, 1GiB) where a unit holds them exactly")
}

func newExport(e *env) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the live cluster as kgitops YAML: topics (only their own overrides), ACLs, quotas and SCRAM user names",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.Context(), e)
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().BoolVar(&f.adopt, "adopt", false, "also record what was exported in the inventory, as if kgitops had created it (see adopt)")
	return cmd
}

func newAdopt(e *env) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "adopt",
		Short: "Export the cluster and record the exported topics, ACL principals and quotas as managed by kgitops",
		Long: `adopt is export --adopt: it writes the cluster as YAML and records the exported
resources in the inventory (under --inventory-name). From then on they count as created by
kgitops: removing one from the repo deletes it, but only with --allow-delete. SCRAM users are
not adopted, since their passwords cannot be read back.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.adopt = true
			return f.run(cmd.Context(), e)
		},
	}
	f.add(cmd, e.getenv)
	return cmd
}

func (f *exportFlags) run(ctx context.Context, e *env) error {
	if f.out == "" {
		return &exitError{code: ExitError, err: errors.New("--out is required: the folder to write the YAML to")}
	}
	opts := reconcile.ExportOptions{Layout: export.Layout(f.layout), Roles: f.roles, Units: f.units}
	if opts.Layout != export.LayoutTopic && opts.Layout != export.LayoutTeam {
		return &exitError{code: ExitError, err: fmt.Errorf("--layout %q: want topic or team", f.layout)}
	}
	if f.filter != "" {
		re, err := regexp.Compile(f.filter)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("--filter: %w", err)}
		}
		opts.Filter = re
	}
	backends, err := f.reg.backends(e.getenv)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	cl, err := f.connect(ctx, e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	live, err := f.observe(ctx, cl, reconcile.ObserveOptions{AllAccess: true, Backends: backends})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	files := reconcile.Export(live, opts)
	if err := export.WriteFiles(f.out, files); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	fmt.Fprintf(e.stdout, "Exported %d file(s) to %s.\n", len(files), f.out)
	if !f.adopt {
		return nil
	}
	keys := reconcile.AdoptionKeys(live, opts)
	actx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	if err := reconcile.Adopt(actx, cl, f.inventory(), live.Brokers, keys, time.Now()); err != nil {
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	fmt.Fprintf(e.stdout, "Adopted %d resource(s) into inventory %q: removing one from the repo now deletes it with --allow-delete.\n", len(keys), f.inventoryName)
	return nil
}
