package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/spec"
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
			_, err = fmt.Fprintf(e.stdout, "%s is valid: %s.\n", dir, describeState(st))
			return err
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	return cmd
}

// describeState counts what a repo declares, for humans, kind by kind as
// the loader's registry lists them.
func describeState(st *spec.State) string {
	var parts []string
	for _, c := range st.Counts() {
		parts = append(parts, fmt.Sprintf("%d %s", c.N, c.Noun))
	}
	if n := len(st.DesiredACLs()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d ACL(s) once roles are expanded", n))
	}
	return strings.Join(parts, ", ")
}
