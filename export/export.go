// Package export writes repo YAML from the state of a cluster: it is the
// inverse of package spec, which reads that YAML into a spec.State.
//
// Each function takes spec values or ACL entries and returns the files that
// spec loads back into the same values: Topics (with a Settings document
// for the config keys spec does not know), ACLs, Roles (ACLs written as
// RoleBindings where they match a built-in role) and Quotas. Users is the
// exception: a password cannot be read back, so it writes the users
// commented out. The output is deterministic: exporting twice writes the
// same bytes.
//
// The package deliberately does no I/O but WriteFiles, never talks to a
// cluster (package reconcile reads it and calls in here), and never decides
// what kgitops manages: which topics to export, and what to adopt into the
// inventory, is the caller's choice.
package export

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is one file of an export: a path relative to the output folder and
// its YAML.
type File struct {
	Path string
	Data []byte
}

// WriteFiles writes files under dir, creating folders as needed.
func WriteFiles(dir string, files []File) error {
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}
