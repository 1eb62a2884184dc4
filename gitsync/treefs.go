package gitsync

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Files returns the files of commit sha (a full 40-hex id) under subdir
// ("" or "." for the whole tree) as a read-only fs.FS, read straight from
// the repository's objects: nothing is checked out. It implements
// fs.ReadFileFS, fs.ReadDirFS, fs.StatFS and fs.ReadLinkFS, and is safe for
// concurrent use. Files are modified at the commit's time, and read into
// memory whole when opened.
//
// Symbolic links are followed, like os.DirFS does, as long as they stay in
// the commit's tree: a link may point out of subdir into the rest of the
// repository, but one that is absolute or leaves the repository cannot be
// opened. ReadDir reports a link as fs.ModeSymlink, so fs.WalkDir does not
// descend into a linked directory. Submodules are left out.
//
// A missing subdir, or one that is a file, is an error that names it
// (IsNotFound).
func (r *Repo) Files(sha, subdir string) (fs.FS, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !plumbing.IsHash(sha) {
		return nil, &Error{Op: "read files", Repo: r.name, kind: kindNotFound, msg: fmt.Sprintf("%q is not a full 40-hex commit SHA", sha)}
	}
	if r.repo == nil {
		return nil, &Error{Op: "read files", Repo: r.name, msg: "the cache could not be opened"}
	}
	c, err := peelToCommit(r.repo, plumbing.NewHash(sha))
	if err != nil {
		e := r.readError("read commit "+sha, err).(*Error)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			e.kind = kindNotFound
		}
		return nil, e
	}
	f := &treeFS{r: r, root: c.TreeHash, mtime: c.Committer.When, commit: c.Hash.String()}
	sub := strings.Trim(path.Clean("/"+strings.ReplaceAll(subdir, "\\", "/")), "/")
	n, err := f.lookup(sub, true)
	var readErr *Error
	switch {
	case errors.As(err, &readErr):
		return nil, err
	case err == nil && n.mode == filemode.Dir:
		f.base = n.path
		return f, nil
	case err == nil:
		err = errors.New("it is a file, not a directory")
	case errors.Is(err, fs.ErrNotExist):
		err = errors.New("no such directory in the commit")
	}
	return nil, &Error{Op: "read files", Repo: r.name, kind: kindNotFound, err: err,
		msg: fmt.Sprintf("subdirectory %q of commit %s: %v", sub, shortSHA(sha), err)}
}

// treeFS is the fs.FS Files returns.
type treeFS struct {
	r      *Repo
	root   plumbing.Hash // the commit's root tree
	base   string        // subdir, as a path in that tree ("" for the root)
	mtime  time.Time
	commit string
}

// node is one entry of the tree, found by lookup.
type node struct {
	path string // where it is in the commit's tree, links resolved
	mode filemode.FileMode
	hash plumbing.Hash
}

// maxLinks bounds how many symbolic links one lookup follows, as Linux's
// 40 does.
const maxLinks = 40

// errIsDir is why a directory cannot be read as a file.
var errIsDir = errors.New("is a directory")

// errOutside is why a link that leaves the repository cannot be opened.
var errOutside = errors.New("symbolic link points outside the repository")

// lookup finds p, a clean slash path from the root of the commit's tree.
// It follows links in every directory of p, and in its last element too
// when follow is set. r.mu must be held.
func (f *treeFS) lookup(p string, follow bool) (node, error) {
	comps := split(p)
	cur := node{mode: filemode.Dir, hash: f.root}
	var done []string
	for hops, i := 0, 0; i < len(comps); {
		if cur.mode != filemode.Dir {
			return node{}, fs.ErrNotExist
		}
		t, err := object.GetTree(f.r.repo.Storer, cur.hash)
		if err != nil {
			return node{}, f.readErr(err)
		}
		e, err := t.FindEntry(comps[i])
		if err != nil || e.Mode == filemode.Submodule {
			return node{}, fs.ErrNotExist
		}
		if e.Mode == filemode.Symlink && (follow || i < len(comps)-1) {
			if hops++; hops > maxLinks {
				return node{}, errors.New("too many levels of symbolic links")
			}
			target, err := f.blob(e.Hash)
			if err != nil {
				return node{}, err
			}
			np := path.Join(path.Join(done...), string(target))
			if path.IsAbs(string(target)) || np == ".." || strings.HasPrefix(np, "../") {
				return node{}, errOutside
			}
			comps = append(split(np), comps[i+1:]...)
			cur, done, i = node{mode: filemode.Dir, hash: f.root}, nil, 0
			continue
		}
		done = append(done, comps[i])
		cur = node{mode: e.Mode, hash: e.Hash}
		i++
	}
	cur.path = path.Join(done...)
	return cur, nil
}

// split cuts a clean slash path into its elements; "" and "." have none.
func split(p string) []string {
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

// blob reads a blob's content. r.mu must be held.
func (f *treeFS) blob(h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(f.r.repo.Storer, h)
	if err != nil {
		return nil, f.readErr(err)
	}
	rc, err := b.Reader()
	if err != nil {
		return nil, f.readErr(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, f.readErr(err)
	}
	return data, nil
}

// readErr is a failure to read an object that the tree names. A missing
// object may just have been compacted away with the commit (and Fetch
// checks that the current revision has all of its objects), but one that
// cannot be read means a damaged cache, which the next Fetch clones again.
// r.mu must be held.
func (f *treeFS) readErr(err error) error {
	if !errors.Is(err, plumbing.ErrObjectNotFound) {
		f.r.suspect = true
	}
	return f.r.readError("read commit "+f.commit, err)
}

// find finds name, an fs.FS path, for op: following every link in it, and
// a link at its end too when follow is set. r.mu must be held.
func (f *treeFS) find(op, name string, follow bool) (node, error) {
	if !fs.ValidPath(name) {
		return node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if f.r.repo == nil {
		return node{}, &fs.PathError{Op: op, Path: name, Err: errors.New("the cache could not be opened")}
	}
	n, err := f.lookup(path.Join(f.base, name), follow)
	if err != nil {
		return node{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return n, nil
}

// Open implements fs.FS.
func (f *treeFS) Open(name string) (fs.File, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("open", name, true)
	if err != nil {
		return nil, err
	}
	if n.mode == filemode.Dir {
		entries, err := f.readDir(n)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &dirFile{info: f.info(path.Base(name), n, 0), entries: entries}, nil
	}
	data, err := f.blob(n.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: f.info(path.Base(name), n, int64(len(data))), data: data}, nil
}

// ReadFile implements fs.ReadFileFS.
func (f *treeFS) ReadFile(name string) ([]byte, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("read", name, true)
	if err != nil {
		return nil, err
	}
	if n.mode == filemode.Dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	data, err := f.blob(n.hash)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir implements fs.ReadDirFS: the entries sorted by name.
func (f *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	entries, err := f.readDir(n)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return entries, nil
}

// Stat implements fs.StatFS. It follows links, like os.Stat.
func (f *treeFS) Stat(name string) (fs.FileInfo, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("stat", name, true)
	if err != nil {
		return nil, err
	}
	size, err := f.size(n)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return f.info(path.Base(name), n, size), nil
}

// Lstat implements fs.ReadLinkFS: like Stat, but a symbolic link named by
// name itself is described, not followed.
func (f *treeFS) Lstat(name string) (fs.FileInfo, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("lstat", name, false)
	if err != nil {
		return nil, err
	}
	size, err := f.size(n)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return f.info(path.Base(name), n, size), nil
}

// ReadLink implements fs.ReadLinkFS: the target of the symbolic link name,
// as written in the repository.
func (f *treeFS) ReadLink(name string) (string, error) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	n, err := f.find("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	target, err := f.blob(n.hash)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(target), nil
}

// readDir lists the directory n, without submodules. r.mu must be held.
func (f *treeFS) readDir(n node) ([]fs.DirEntry, error) {
	t, err := object.GetTree(f.r.repo.Storer, n.hash)
	if err != nil {
		return nil, f.readErr(err)
	}
	var out []fs.DirEntry
	for _, e := range t.Entries {
		if e.Mode == filemode.Submodule {
			continue
		}
		out = append(out, &dirEntry{fsys: f, name: e.Name, n: node{path: path.Join(n.path, e.Name), mode: e.Mode, hash: e.Hash}})
	}
	// Git sorts a directory as if its name ended in "/"; fs wants plain
	// name order.
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// size is a blob's size, or 0 for a directory. r.mu must be held.
func (f *treeFS) size(n node) (int64, error) {
	if n.mode == filemode.Dir {
		return 0, nil
	}
	s, err := f.r.repo.Storer.EncodedObjectSize(n.hash)
	if err != nil {
		return 0, f.readErr(err)
	}
	return s, nil
}

func (f *treeFS) info(name string, n node, size int64) *fileInfo {
	if name == "." && n.path != "" {
		name = path.Base(n.path)
	}
	return &fileInfo{name: name, size: size, mode: fsMode(n.mode), mtime: f.mtime}
}

// fsMode maps a git file mode to an fs.FileMode.
func fsMode(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir:
		return fs.ModeDir | 0o555
	case filemode.Executable:
		return 0o555
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	}
	return 0o444
}

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
