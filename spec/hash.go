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
// refuses (an Errors), without opening anything else. Skipped files, such
// as a README or a backup, do not enter the hash. A saved plan keeps it,
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
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
