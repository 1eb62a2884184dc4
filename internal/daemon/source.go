package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Revision identifies one version of the desired state.
type Revision struct {
	ID      string    // a full commit SHA, or a content hash for a plain folder
	Time    time.Time // the commit's time; zero for a folder
	Subject string    // the commit's subject line, if any
	// Root is where the files come from inside the source (a repo's
	// --path, or the folder), so that errors name files as users see them.
	Root string
}

// Source is where the desired state comes from: a git repository or a
// plain folder. Sync brings it up to date and returns the current revision
// and its files, rooted where the YAML lives.
type Source interface {
	Sync(ctx context.Context) (Revision, fs.FS, error)
	// Describe names the source for status pages and logs, without
	// credentials.
	Describe() string
}

// RevisionReader is a Source that can still read an older revision by its
// ID, as git can. After a restart the daemon reads the revision it last
// accepted, to judge the newest one's refusals against it.
type RevisionReader interface {
	ReadRevision(ctx context.Context, id string) (Revision, fs.FS, error)
}

// DirSource reads a plain local folder. Its revision is a hash of the
// YAML files' names and contents, so that an edit shows as a new revision.
type DirSource struct{ Dir string }

// Describe implements Source.
func (s DirSource) Describe() string { return s.Dir }

// Sync implements Source. It reads only regular files of at most
// maxHashedFile bytes; anything else (a FIFO, a device, a link, a huge
// file) enters the hash by its name, mode, size and link target, without
// being opened, so that a hostile file can neither hang the daemon nor
// exhaust its memory here (the loader then refuses it, with the reason).
// Hidden folders such as .git are skipped, as the loader skips them.
func (s DirSource) Sync(context.Context) (Revision, fs.FS, error) {
	fsys := os.DirFS(s.Dir)
	h := sha256.New()
	var paths []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p != "." && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case !d.IsDir():
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return Revision{}, nil, err
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(s.Dir, filepath.FromSlash(p))
		info, err := os.Lstat(full)
		if err != nil {
			return Revision{}, nil, err
		}
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00", p, info.Mode(), info.Size())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(full)
			h.Write([]byte(target))
		case info.Mode().IsRegular() && info.Size() <= maxHashedFile:
			data, err := os.ReadFile(full)
			if err != nil {
				return Revision{}, nil, err
			}
			h.Write(data)
		}
		h.Write([]byte{0})
	}
	return Revision{ID: "dir-sha256:" + hex.EncodeToString(h.Sum(nil))[:16], Root: s.Dir}, fsys, nil
}

// maxHashedFile is the largest file whose content enters a folder's
// revision hash: the loader's own limit per file.
const maxHashedFile = 10 << 20
