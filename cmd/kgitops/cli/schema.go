package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/spec"
)

func newSchema(e *env) *cobra.Command {
	var kind, output string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of kgitops' documents, for editors and CI",
		Long: `Print the JSON Schema (draft 2020-12) of the documents kgitops reads.

An editor running the YAML language server (VS Code's YAML extension, and
others) then checks and completes kgitops files while they are typed:

  kgitops schema > kgitops.schema.json

and on the first line of a kgitops file:

  # yaml-language-server: $schema=./kgitops.schema.json

The schema checks each document alone; kgitops validate also checks what
spans documents, such as a name declared twice.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if output != "json" {
				return &exitError{code: ExitError, err: fmt.Errorf("-o %q: want json", output)}
			}
			out, err := spec.JSONSchema(kind)
			if err != nil {
				return &exitError{code: ExitError, err: fmt.Errorf("--kind: %w", err)}
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "print the schema of this kind only: "+strings.Join(spec.Kinds(), ", "))
	cmd.Flags().StringVarP(&output, "output", "o", "json", "output format: json")
	_ = cmd.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions(spec.Kinds(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
