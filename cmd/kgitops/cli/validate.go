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

// describeState counts what a repo declares, for humans.
func describeState(st *spec.State) string {
	parts := []string{fmt.Sprintf("%d topic(s)", len(st.Topics))}
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(len(st.ACLs), "ACL document(s)")
	add(len(st.Roles), "role(s)")
	add(len(st.RoleBindings), "role binding(s)")
	add(len(st.Users), "user(s)")
	add(len(st.Quotas), "quota(s)")
	if n := len(st.DesiredACLs()); n > 0 {
		parts = append(parts, fmt.Sprintf("%d ACL(s) once roles are expanded", n))
	}
	return strings.Join(parts, ", ")
}
