package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/reconcile"
)

func newExport(e *env) *cobra.Command {
	var f clusterFlags
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the live cluster as kgitops YAML: topics (only their own overrides), ACLs, quotas and SCRAM user names",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &exitError{code: ExitError, err: errors.New("--out is required: the folder to write the YAML to")}
			}
			cl, err := f.connect(cmd.Context(), e)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			defer cl.Close()
			live, err := f.observe(cmd.Context(), cl, reconcile.ObserveOptions{AllAccess: true})
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			files := reconcile.Export(live)
			if err := reconcile.WriteExport(out, files); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			_, err = fmt.Fprintf(e.stdout, "Exported %d file(s) to %s.\n", len(files), out)
			return err
		},
	}
	f.add(cmd, e.getenv)
	cmd.Flags().StringVar(&out, "out", "", "folder to write the YAML to (created if missing)")
	return cmd
}
