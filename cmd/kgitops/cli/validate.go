package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidate(e *env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the repo's YAML offline; exit 0 when valid, 1 otherwise",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			st, err := e.loadDir(dir)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			_, err = fmt.Fprintf(e.stdout, "%s is valid: %d topic(s).\n", dir, len(st.Topics))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	return cmd
}
