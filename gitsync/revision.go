package gitsync

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Revision is one commit of the repository, as a ref resolved to it.
type Revision struct {
	SHA        string    // the full 40-hex commit id
	Ref        string    // the ref or revision as given
	CommitTime time.Time // the committer's time
	Subject    string    // the first line of the commit message
}

// String shows the revision for logs, as in "main@0123456789ab".
func (v Revision) String() string {
	sha := v.SHA
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return v.Ref + "@" + sha
}

// Resolve finds the commit rev names, without fetching: a branch, a tag, a
// full or abbreviated SHA, HEAD, HEAD~1, HEAD^2, origin/main and the like
// (what go-git's revision parser takes; no @{upstream} or ranges). An
// annotated tag resolves to its commit. In a cache from Open, the branches
// and tags are the remote's as of the last Fetch, and there is no HEAD.
func (r *Repo) Resolve(rev string) (Revision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.repo == nil {
		return Revision{}, &Error{Op: "resolve " + rev, Repo: r.name, msg: "the cache could not be opened"}
	}
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		e := &Error{Op: "resolve", Repo: r.name, msg: r.scrubString(err.Error()), err: err}
		switch {
		case errors.Is(err, plumbing.ErrReferenceNotFound), errors.Is(err, plumbing.ErrObjectNotFound),
			errors.Is(err, io.EOF), strings.HasPrefix(err.Error(), "Revision invalid"):
			e.kind = kindNotFound
			e.msg = fmt.Sprintf("no branch, tag or commit %q", rev)
			if !errors.Is(err, plumbing.ErrReferenceNotFound) {
				e.msg += ": " + err.Error()
			}
		}
		return Revision{}, e
	}
	c, err := peelToCommit(r.repo, *h)
	if err != nil {
		return Revision{}, r.readError("read commit "+h.String(), err)
	}
	return revisionOf(rev, c), nil
}

func revisionOf(ref string, c *object.Commit) Revision {
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	return Revision{SHA: c.Hash.String(), Ref: ref, CommitTime: c.Committer.When, Subject: strings.TrimSpace(subject)}
}

// peelToCommit returns the commit h names, directly or through annotated
// tags.
func peelToCommit(repo *git.Repository, h plumbing.Hash) (*object.Commit, error) {
	for range 10 {
		obj, err := repo.Object(plumbing.AnyObject, h)
		if err != nil {
			return nil, err
		}
		switch o := obj.(type) {
		case *object.Commit:
			return o, nil
		case *object.Tag:
			h = o.Target
		default:
			return nil, fmt.Errorf("%s is a %s, not a commit", h, obj.Type())
		}
	}
	return nil, fmt.Errorf("%s: too many nested tags", h)
}

// checkTree makes sure every tree and blob of c is in the repository.
func checkTree(repo *git.Repository, c *object.Commit) error {
	t, err := c.Tree()
	if err != nil {
		return err
	}
	seen := map[plumbing.Hash]bool{}
	var walk func(*object.Tree) error
	walk = func(t *object.Tree) error {
		for _, e := range t.Entries {
			if seen[e.Hash] {
				continue
			}
			seen[e.Hash] = true
			switch e.Mode {
			case filemode.Submodule:
			case filemode.Dir:
				sub, err := object.GetTree(repo.Storer, e.Hash)
				if err != nil {
					return fmt.Errorf("%s: %w", e.Name, err)
				}
				if err := walk(sub); err != nil {
					return fmt.Errorf("%s/%w", e.Name, err)
				}
			default:
				if err := repo.Storer.HasEncodedObject(e.Hash); err != nil {
					return fmt.Errorf("%s: %w", e.Name, err)
				}
			}
		}
		return nil
	}
	return walk(t)
}
