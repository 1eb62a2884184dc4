package gitsync

import (
	"bytes"
	"io"
	"io/fs"
	"time"
)

// fileInfo describes a file or directory of a treeFS.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (i *fileInfo) Name() string       { return i.name }
func (i *fileInfo) Size() int64        { return i.size }
func (i *fileInfo) Mode() fs.FileMode  { return i.mode }
func (i *fileInfo) ModTime() time.Time { return i.mtime }
func (i *fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *fileInfo) Sys() any           { return nil }

// dirEntry is one entry of a treeFS directory. Its Info, like os.Lstat,
// describes a symbolic link itself.
type dirEntry struct {
	fsys *treeFS
	name string
	n    node
}

func (d *dirEntry) Name() string      { return d.name }
func (d *dirEntry) IsDir() bool       { return d.Type().IsDir() }
func (d *dirEntry) Type() fs.FileMode { return fsMode(d.n.mode).Type() }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }

func (d *dirEntry) Info() (fs.FileInfo, error) {
	d.fsys.r.mu.Lock()
	defer d.fsys.r.mu.Unlock()
	size, err := d.fsys.size(d.n)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.name, Err: err}
	}
	return d.fsys.info(d.name, d.n, size), nil
}

// file is an open regular file, its content read in full.
type file struct {
	info *fileInfo
	data []byte
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

func (f *file) Read(p []byte) (int, error) {
	if f.r == nil {
		f.r = bytes.NewReader(f.data)
	}
	return f.r.Read(p)
}

// dirFile is an open directory.
type dirFile struct {
	info    *fileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errIsDir}
}

// ReadDir implements fs.ReadDirFile.
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}
