package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// What the loader reads, and what it refuses:
//
//   - It walks the folder in lexical order, skipping hidden directories
//     (.git) whole, and reads the regular files named *.yaml or *.yml that
//     are not hidden. Every other file is listed in State.Skipped.
//   - It refuses, by their mode and before opening them, manifests that
//     are not regular files: named pipes, devices, sockets. Opening a pipe
//     would wait for a writer forever.
//   - A manifest that is a symbolic link is read only when it leads, link
//     by link, to a regular file inside the folder that is not hidden. The
//     link is resolved with Lstat and ReadLink, so that a link out of the
//     folder (to /etc/passwd, to a secret, to /dev/zero) is refused
//     without its target ever being opened. A link to a file the load
//     reads anyway is skipped, so that nothing is read twice. Links to
//     directories are never followed.
//   - Sizes and document counts are bounded by LoadOptions.

// manifest is a file the load reads.
type manifest struct {
	path   string // where the walk found it; positions name this path
	target string // the file read: path, or where its link leads
	size   int64  // as the file system reported it before opening
}

// listing is what the walk found.
type listing struct {
	files   []manifest
	skipped []SkippedFile
	errs    Errors // manifests refused for what they are
}

// listFiles walks fsys and sorts its files into those to read, those
// skipped and those refused. Its error is an I/O error.
func listFiles(fsys fs.FS) (*listing, error) {
	ls := &listing{}
	var others []string // skipped by their names, for skipReason
	var links []manifest
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == ".":
			if !e.IsDir() {
				return errors.New("not a directory")
			}
			return nil
		case e.IsDir() && strings.HasPrefix(e.Name(), "."):
			return fs.SkipDir
		case e.IsDir():
			return nil
		case !isManifestName(e.Name()):
			if e.Type()&fs.ModeSymlink != 0 && !strings.HasPrefix(e.Name(), ".") {
				if reason := linkedDir(fsys, p); reason != "" {
					ls.skipped = append(ls.skipped, SkippedFile{Path: p, Reason: reason})
					return nil
				}
			}
			others = append(others, p)
			return nil
		case e.Type()&fs.ModeSymlink != 0:
			target, size, perr := resolveLink(fsys, p)
			if perr != nil {
				ls.errs = append(ls.errs, *perr)
				return nil
			}
			links = append(links, manifest{path: p, target: target, size: size})
			return nil
		case !e.Type().IsRegular():
			ls.errs = append(ls.errs, notRegular(p, e.Type(), ""))
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() { // changed since it was listed
			ls.errs = append(ls.errs, notRegular(p, fi.Mode(), ""))
			return nil
		}
		ls.files = append(ls.files, manifest{path: p, target: p, size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}

	loaded := map[string]bool{}
	for _, m := range ls.files {
		loaded[m.path] = true
	}
	// A link to a file read anyway is skipped: its documents would all be
	// declared twice.
	readAs := map[string]string{}
	for _, m := range links {
		switch first, ok := readAs[m.target]; {
		case loaded[m.target]:
			ls.skipped = append(ls.skipped, SkippedFile{Path: m.path, Reason: "a symbolic link to " + m.target + ", which is loaded already"})
		case ok:
			ls.skipped = append(ls.skipped, SkippedFile{Path: m.path, Reason: "a symbolic link to " + m.target + ", which is loaded already as " + first})
		default:
			readAs[m.target] = m.path
			ls.files = append(ls.files, m)
			loaded[m.path] = true
		}
	}
	for _, p := range others {
		reason, renamed := skipReason(p, loaded)
		ls.skipped = append(ls.skipped, SkippedFile{Path: p, Reason: reason, LooksRenamed: renamed})
	}
	slices.SortFunc(ls.files, func(a, b manifest) int { return strings.Compare(a.path, b.path) })
	slices.SortFunc(ls.skipped, func(a, b SkippedFile) int { return strings.Compare(a.Path, b.Path) })
	return ls, nil
}

// errOutside is why a link that leaves the folder is refused.
var errOutside = errors.New("outside the folder")

// resolveLink follows the link p, link by link, inside fsys: to a regular
// file that is not hidden, whose clean path and size it returns. Anything
// else is an Error at p. Only links are read, with ReadLink; nothing is
// opened.
func resolveLink(fsys fs.FS, p string) (string, int64, *Error) {
	refuse := func(msg, hint string) (string, int64, *Error) {
		return "", 0, &Error{Pos: Pos{File: p}, Msg: msg, Hint: hint}
	}
	const onlyInside = "kgitops reads only regular files inside the folder it loads: copy the file in, or remove the link"
	target, fi, err := follow(fsys, p)
	var first string // the link's own target, as ls -l shows it
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		first, _ = rl.ReadLink(p)
	}
	switch {
	case errors.Is(err, errOutside):
		return refuse(fmt.Sprintf("a symbolic link to %q, which leads outside the folder", first), onlyInside)
	case errors.Is(err, errLoop):
		return refuse("a symbolic link that leads through more than 40 links", "point it straight at a file, or remove it")
	case errors.Is(err, errNoLinks):
		return refuse("a symbolic link, which this file system cannot resolve", "copy the file in, or remove the link")
	case err != nil:
		return refuse(fmt.Sprintf("a symbolic link to %q, which does not exist", first), "point it at a file in the folder, or remove it")
	case fi.IsDir():
		return refuse("a symbolic link to a directory", "kgitops does not follow links to directories: name the link without .yaml, or remove it")
	case !fi.Mode().IsRegular():
		e := notRegular(p, fi.Mode(), "a symbolic link to ")
		return "", 0, &e
	case hiddenPath(target):
		return refuse("a symbolic link to "+target+", a hidden file", "kgitops reads no hidden file, such as .git/config: copy the file in, or remove the link")
	}
	return target, fi.Size(), nil
}

// linkedDir says why a link that is not named like a manifest is
// skipped, when it leads to a directory or out of the folder; "" for
// other links. It reads only links.
func linkedDir(fsys fs.FS, p string) string {
	_, fi, err := follow(fsys, p)
	switch {
	case errors.Is(err, errOutside):
		return skipLinkOut
	case err == nil && fi.IsDir():
		return skipLinkedDir
	}
	return ""
}

var (
	errLoop    = errors.New("too many levels of symbolic links")
	errNoLinks = errors.New("the file system cannot read symbolic links")
)

// maxLinks bounds how many links one path may go through, as Linux's 40
// does.
const maxLinks = 40

// follow resolves every link in p lexically inside fsys, with Lstat and
// ReadLink, and describes where it leads without following any link out
// of fsys: a target that is absolute or climbs above the root is
// errOutside.
func follow(fsys fs.FS, p string) (string, fs.FileInfo, error) {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return "", nil, errNoLinks
	}
	rest := strings.Split(p, "/")
	var done []string // resolved elements, none of them a link
	var fi fs.FileInfo
	for hops := 0; len(rest) > 0; {
		cur := path.Join(append(done, rest[0])...)
		info, err := rl.Lstat(cur)
		if err != nil {
			return "", nil, err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			if len(rest) > 1 && !info.IsDir() {
				return "", nil, fs.ErrNotExist
			}
			done, rest, fi = append(done, rest[0]), rest[1:], info
			continue
		}
		if hops++; hops > maxLinks {
			return "", nil, errLoop
		}
		t, err := rl.ReadLink(cur)
		if err != nil {
			return "", nil, err
		}
		slashed := filepath.ToSlash(t)
		joined := path.Join(path.Join(done...), slashed)
		if path.IsAbs(slashed) || filepath.VolumeName(t) != "" || joined == ".." || strings.HasPrefix(joined, "../") {
			return "", nil, errOutside
		}
		done, rest = nil, append(split(joined), rest[1:]...)
		if len(rest) == 0 { // the link leads to the root itself
			info, err := rl.Lstat(".")
			if err != nil {
				return "", nil, err
			}
			return ".", info, nil
		}
	}
	return path.Join(done...), fi, nil
}

// split cuts a clean slash path into its elements; "." has none.
func split(p string) []string {
	if p == "." || p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// hiddenPath reports whether any element of p starts with '.'.
func hiddenPath(p string) bool {
	for _, e := range split(p) {
		if strings.HasPrefix(e, ".") {
			return true
		}
	}
	return false
}

// notRegular is the Error for a manifest that is no regular file; what
// prefixes its description ("a symbolic link to ").
func notRegular(p string, m fs.FileMode, what string) Error {
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "device"
	}
	return Error{
		Pos:  Pos{File: p},
		Msg:  fmt.Sprintf("%sa %s, not a regular file", what, kind),
		Hint: "kgitops reads only regular files: remove it, or rename it so that it does not end in .yaml",
	}
}

// budget is what is left of a load's byte limits.
type budget struct {
	opts LoadOptions
	read int64 // bytes read so far
}

// errStop marks a limit past which a load reads no more files.
var errStop = errors.New("stop reading")

// readManifest reads one file within the limits. A file past a limit is an
// Error at it; past the total, the error also wraps errStop. Any other
// error is an I/O error.
func (b *budget) readManifest(fsys fs.FS, m manifest) ([]byte, *Error, error) {
	tooBig := func(holds string) *Error {
		return &Error{Pos: Pos{File: m.path},
			Msg:  fmt.Sprintf("the file holds %s the %s a file may hold", holds, byteSize(b.opts.MaxFileSize)),
			Hint: "split it into smaller files"}
	}
	tooMuch := &Error{Pos: Pos{File: m.path},
		Msg:  fmt.Sprintf("the files up to this one hold more than %s, the most one load reads; nothing after it was read", byteSize(b.opts.MaxTotalSize)),
		Hint: "split the repo into folders, each loaded with its own --dir and --inventory-name"}
	switch {
	case m.size > b.opts.MaxFileSize:
		return nil, tooBig(byteSize(m.size) + ", more than"), nil
	case b.read+m.size > b.opts.MaxTotalSize:
		return nil, tooMuch, errStop
	}
	f, err := fsys.Open(m.target)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() { // replaced since it was listed
		e := notRegular(m.path, fi.Mode(), "")
		return nil, &e, nil
	}
	limit := min(b.opts.MaxFileSize, b.opts.MaxTotalSize-b.read)
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit { // it grew while it was read
		if limit == b.opts.MaxFileSize {
			return nil, tooBig("more than"), nil
		}
		return nil, tooMuch, errStop
	}
	b.read += int64(len(data))
	return data, nil, nil
}
