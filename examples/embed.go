// Package examples holds the example repo that `kgitops demo` applies and
// the README walks through. The YAML is embedded so that the binary can run
// the demo from anywhere.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed topics/*.yaml access/*.yaml
var files embed.FS

// FS returns the example repo: the folder that holds topics/ and access/.
func FS() fs.FS { return files }
