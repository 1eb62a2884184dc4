package cli

import (
	"fmt"
	"io"
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
			errs, warns := 0, 0
			for _, f := range st.Findings() {
				word := "Warning"
				if f.Severity == spec.SeverityError {
					word = "Error"
					errs++
				} else {
					warns++
				}
				fmt.Fprintf(e.stderr, "%s: %s: %s %s: %s (rule %s)\n", word, f.At().Under(dir), f.Kind, f.Name, f.Message, f.Rule)
			}
			if errs > 0 {
				return &exitError{code: ExitError, err: fmt.Errorf("%d policy error(s) in %s; nothing would be applied", errs, dir)}
			}
			if _, err := fmt.Fprintf(e.stdout, "%s is valid: %s.\n", dir, describeState(st)); err != nil {
				return err
			}
			if warns > 0 {
				fmt.Fprintf(e.stdout, "%d warning(s).\n", warns)
			}
			for _, p := range st.ProfileOverrides() {
				if _, err := fmt.Fprintf(e.stdout, "Profile %s: the repo's TopicProfile at %s replaces the built-in one; topics naming %s get the repo's.\n",
					p.Name, p.Pos.Under(dir), p.Name); err != nil {
					return err
				}
			}
			return listSkipped(e.stdout, dir, st.Skipped)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	return cmd
}

// maxListed is how many skipped files validate names, besides those that
// look like renamed manifests, which it always names.
const maxListed = 20

// listSkipped names the files the load skipped, and why, under dir.
func listSkipped(w io.Writer, dir string, skipped []spec.SkippedFile) error {
	if len(skipped) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Skipped %d file(s):\n", len(skipped))
	listed := 0
	for _, s := range skipped {
		if listed >= maxListed && !s.LooksRenamed {
			continue
		}
		listed++
		fmt.Fprintf(&b, "  %s (%s)\n", spec.Pos{File: s.Path}.Under(dir).File, s.Reason)
	}
	if n := len(skipped) - listed; n > 0 {
		fmt.Fprintf(&b, "  ... and %d more (--log-level debug lists every one)\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
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
