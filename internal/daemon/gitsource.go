package daemon

import (
	"context"
	"io/fs"

	"github.com/kgitops/kgitops/gitsync"
)

// GitSource is a Source that fetches a git repository and reads the ref's
// commit under Path, without a work tree.
type GitSource struct {
	Repo *gitsync.Repo
	URL  string // for Describe; credentials are stripped
	Ref  string
	Path string
}

// Describe implements Source.
func (g GitSource) Describe() string {
	d := gitsync.Redact(g.URL) + "@" + g.Ref
	if g.Path != "" && g.Path != "." {
		d += " path " + g.Path
	}
	return d
}

// Sync implements Source.
func (g GitSource) Sync(ctx context.Context) (Revision, fs.FS, error) {
	rev, err := g.Repo.Fetch(ctx)
	if err != nil {
		return Revision{}, nil, err
	}
	return g.read(rev)
}

// ReadRevision implements RevisionReader from the cache, without a fetch.
func (g GitSource) ReadRevision(_ context.Context, id string) (Revision, fs.FS, error) {
	rev, err := g.Repo.Resolve(id)
	if err != nil {
		return Revision{}, nil, err
	}
	return g.read(rev)
}

// read returns a commit's files under Path.
func (g GitSource) read(rev gitsync.Revision) (Revision, fs.FS, error) {
	files, err := g.Repo.Files(rev.SHA, g.Path)
	if err != nil {
		return Revision{}, nil, err
	}
	return Revision{ID: rev.SHA, Time: rev.CommitTime, Subject: rev.Subject, Root: g.Path}, files, nil
}
