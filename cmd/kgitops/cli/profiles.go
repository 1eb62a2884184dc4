package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/spec"
)

func newProfiles(e *env) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "Show the topic profiles: the built-in ones with their reasons, and with --dir the repo's",
		Long: `profiles lists the TopicProfiles a Topic can name with spec.profile: kgitops' built-in
ones, each with the reasons for its values, and with --dir the repo's own, which replace a
built-in profile of the same name.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			profiles := spec.BuiltinProfiles()
			if dir != "" {
				st, err := e.loadDir(dir)
				if err != nil {
					return &exitError{code: ExitError, err: err}
				}
				profiles = effectiveProfiles(st)
			}
			switch output {
			case "text":
				return writeProfilesText(e.stdout, profiles)
			case "json":
				return writeProfilesJSON(e.stdout, profiles)
			}
			return &exitError{code: ExitError, err: fmt.Errorf("-o %q: want text or json", output)}
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "also show the repo's profiles, and which one wins for each name")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}

// effectiveProfiles is every profile a topic of st can name: the repo's,
// and the built-in ones it does not replace.
func effectiveProfiles(st *spec.State) []spec.TopicProfile {
	out := slices.Clone(st.Profiles)
	for _, b := range spec.BuiltinProfiles() {
		if p, _ := st.Profile(b.Name); p.BuiltIn {
			out = append(out, b)
		}
	}
	return out
}

func writeProfilesText(w io.Writer, profiles []spec.TopicProfile) error {
	var b strings.Builder
	for i, p := range profiles {
		if i > 0 {
			b.WriteString("\n")
		}
		origin := "built-in"
		if !p.BuiltIn {
			origin = "the repo's, at " + p.Pos.String()
			if _, ok := spec.BuiltinProfile(p.Name); ok {
				origin += "; replaces the built-in one"
			}
		}
		fmt.Fprintf(&b, "%s (%s)\n", p.Name, origin)
		if p.Partitions > 0 {
			fmt.Fprintf(&b, "  partitions:        %d\n", p.Partitions)
		}
		if p.ReplicationFactor > 0 {
			fmt.Fprintf(&b, "  replicationFactor: %d\n", p.ReplicationFactor)
		}
		if len(p.Configs) > 0 {
			b.WriteString("  configs:\n")
			for _, k := range slices.Sorted(maps.Keys(p.Configs)) {
				fmt.Fprintf(&b, "    %s: %s\n", k, spec.ShowValue(k, p.Configs[k]))
			}
		}
		if p.Description != "" {
			for _, line := range wrap(p.Description, 96) {
				fmt.Fprintf(&b, "  %s\n", line)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// profileJSON is one profile in profiles -o json.
type profileJSON struct {
	Name              string            `json:"name"`
	BuiltIn           bool              `json:"builtIn"`
	File              string            `json:"file,omitempty"`
	Line              int               `json:"line,omitempty"`
	Partitions        int32             `json:"partitions,omitempty"`
	ReplicationFactor int16             `json:"replicationFactor,omitempty"`
	Configs           map[string]string `json:"configs,omitempty"`
	Rationale         string            `json:"rationale,omitempty"`
}

func writeProfilesJSON(w io.Writer, profiles []spec.TopicProfile) error {
	out := struct {
		Profiles []profileJSON `json:"profiles"`
	}{Profiles: []profileJSON{}}
	for _, p := range profiles {
		out.Profiles = append(out.Profiles, profileJSON{Name: p.Name, BuiltIn: p.BuiltIn, File: p.Pos.File, Line: p.Pos.Line,
			Partitions: p.Partitions, ReplicationFactor: p.ReplicationFactor, Configs: p.Configs, Rationale: p.Description})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
