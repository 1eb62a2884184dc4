package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
)

// HashDir is HashFS of the folder dir.
func HashDir(dir string) (string, error) {
	return HashFS(os.DirFS(dir))
}

// HashFS returns a content hash of the files LoadFS reads from fsys, as
// "sha256:HEX": each manifest's path, the file it leads to (itself, or a
// link's target) and its bytes, in the loader's order. It reads what the
// loader reads, within the default LoadOptions, and refuses what the loader
// refuses (an Errors), and the schema files Schema documents name.
// Other skipped files, such as a README or a backup, do not enter the hash. A saved plan keeps it,
// to tell whether the desired state changed since.
func HashFS(fsys fs.FS) (string, error) {
	ls, err := listFiles(fsys)
	if err != nil {
		return "", err
	}
	if len(ls.errs) > 0 {
		return "", ls.errs
	}
	b := &budget{opts: LoadOptions{}.withDefaults()}
	h := sha256.New()
	for _, m := range ls.files {
		data, perr, err := b.readManifest(fsys, m)
		if perr != nil {
			return "", Errors{*perr}
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", m.path, err)
		}
		fmt.Fprintf(h, "%d:%s\x00%d:%s\x00%d:", len(m.path), m.path, len(m.target), m.target, len(data))
		h.Write(data)
	}
	// The schema files Schema documents read are part of the desired
	// state too. A repo the loader refuses is refused where it is loaded.
	if st, err := LoadFS(fsys); err == nil {
		for _, sc := range st.Schemas {
			if sc.File != "" {
				fmt.Fprintf(h, "schema %d:%s\x00%d:", len(sc.File), sc.File, len(sc.Text))
				h.Write([]byte(sc.Text))
			}
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
