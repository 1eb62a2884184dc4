package gitsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// mirrorSpecs fetch every branch and tag into the same name in the cache,
// forced, so that a force-push or a ref moved backwards is followed.
var mirrorSpecs = []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// Fetch brings the cache up to date with the remote and resolves the ref
// given in Options to a commit. It fetches only what the cache lacks; every
// branch and tag follows the remote even when it was rewritten, and those
// deleted on the remote are deleted from the cache. A full commit SHA that
// no branch or tag reaches is asked for by itself, which some servers
// refuse (IsNotFound). One fetch is bounded by Options.Timeout as well as
// by ctx.
//
// When the cache turns out to be corrupt (any failure that is not the
// network, the server or the credentials), Fetch deletes it and clones
// again, once. Every so often it also compacts the cache, dropping what no
// branch or tag reaches any more: the files of a commit that a force-push
// left behind may then no longer be readable.
func (r *Repo) Fetch(ctx context.Context) (Revision, error) {
	if r.local {
		return Revision{}, &Error{Op: "fetch", Repo: r.name, Hint: "a repository opened with OpenLocal is read offline", msg: "nothing to fetch from"}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	if r.suspect {
		r.log.Warn("git cache failed a read; deleting it and cloning again", "dir", r.dir)
		if err := r.wipe(); err != nil {
			return Revision{}, err
		}
	}
	rev, err := r.sync(ctx)
	if err != nil && classify(err) == kindLocal && ctx.Err() == nil {
		r.log.Warn("git cache is unusable; deleting it and cloning again", "dir", r.dir, "err", err)
		if werr := r.wipe(); werr != nil {
			return Revision{}, werr
		}
		rev, err = r.sync(ctx)
	}
	if err != nil {
		return Revision{}, err
	}
	r.log.Debug("fetched", "ref", rev.Ref, "revision", rev.SHA, "took", time.Since(start).Round(time.Millisecond))
	if rev.SHA != r.last {
		r.log.Info("new revision", "ref", rev.Ref, "revision", rev.SHA, "previous", r.last, "subject", rev.Subject)
		r.last = rev.SHA
	}
	return rev, nil
}

// sync is one try of Fetch. r.mu must be held.
func (r *Repo) sync(ctx context.Context) (Revision, error) {
	// Open the cache afresh on every fetch: that notices a deleted cache,
	// and drops go-git's in-memory object cache, which would hide damage
	// on disk.
	if err := r.openCache(); err != nil {
		return Revision{}, err
	}
	ref := r.opts.Ref
	if err := r.fetch(ctx, mirrorSpecs, true); err != nil {
		return Revision{}, err
	}
	if err := r.compact(); err != nil {
		return Revision{}, err
	}
	h, err := r.resolveRef(ref)
	if IsNotFound(err) && plumbing.IsHash(ref) {
		spec := config.RefSpec("+" + ref + ":refs/kgitops/commits/" + ref)
		if ferr := r.fetch(ctx, []config.RefSpec{spec}, false); ferr != nil {
			if classify(ferr) == kindNotFound {
				return Revision{}, err // the resolve error says it better
			}
			return Revision{}, ferr
		}
		h, err = r.resolveRef(ref)
	}
	if err != nil {
		return Revision{}, err
	}
	commit, err := peelToCommit(r.repo, h)
	if err != nil {
		return Revision{}, r.readError("read commit "+h.String(), err)
	}
	// Make sure all of the commit's tree is here, so that a cache missing
	// objects is cloned again now rather than failing later in Files.
	if err := checkTree(r.repo, commit); err != nil {
		return Revision{}, r.readError("read the tree of "+commit.Hash.String(), err)
	}
	return revisionOf(ref, commit), nil
}

// fetch runs one fetch with specs. r.mu must be held.
func (r *Repo) fetch(ctx context.Context, specs []config.RefSpec, prune bool) error {
	auth, err := r.opts.authMethod()
	if err != nil {
		return err
	}
	ca, err := r.opts.caBundle()
	if err != nil {
		return err
	}
	var secrets []string
	if b, ok := auth.(*githttp.BasicAuth); ok {
		secrets = append(secrets, b.Password)
	}
	fctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	fo := &git.FetchOptions{
		RefSpecs: specs,
		Auth:     auth,
		CABundle: ca,
		Tags:     git.NoTags, // the specs name the tags
		Force:    true,
		Prune:    prune,
	}
	if r.opts.proto == "ssh" {
		deadline, _ := fctx.Deadline()
		fo.ProxyOptions.URL = deadlineProxyURL(deadline)
	}
	remote := git.NewRemote(r.repo.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{r.opts.fetchURL}})
	err = remote.FetchContext(fctx, fo)
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	// The SSH connection's own deadline can fire a moment before fctx's.
	timedOut := (fctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded)) && ctx.Err() == nil
	return r.remoteError(err, timedOut, secrets)
}

// remoteError wraps a failed fetch, with a hint for what the user can do.
func (r *Repo) remoteError(err error, timedOut bool, secrets []string) error {
	e := &Error{Op: "fetch", Repo: r.name, kind: classifyCause(err), msg: r.scrubString(err.Error(), secrets...), err: err}
	if timedOut {
		e.kind, e.timeout = kindUnreachable, true
		e.Hint = fmt.Sprintf("no answer within %v (%s)", r.opts.Timeout, r.opts.names().Name("Timeout"))
		return e
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		// Not the server: the cache's own disk. Say so, and where. It is
		// retried as an unreachable server is (never a wipe and a new
		// clone, which would lose the revision the cache still holds).
		e.kind = kindUnreachable
		e.Hint = fmt.Sprintf("the git cache's disk is full (%s %s): free space there, or point %s at a larger disk; the last fetched revision is kept and read meanwhile",
			r.opts.names().Name("CacheDir"), r.opts.CacheDir, r.opts.names().Name("CacheDir"))
		return e
	}
	e.Hint = r.hint(err, e.kind)
	return e
}

// resolveRef finds what ref names in the cache: a full SHA, a full ref
// name, or a branch (which wins) or tag. r.mu must be held.
func (r *Repo) resolveRef(ref string) (plumbing.Hash, error) {
	if plumbing.IsHash(ref) {
		h := plumbing.NewHash(ref)
		if _, err := r.repo.Storer.EncodedObject(plumbing.AnyObject, h); err != nil {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				return h, &Error{Op: "resolve", Repo: r.name, kind: kindNotFound, err: err,
					msg: fmt.Sprintf("commit %s is on no branch or tag, and the server did not serve it", ref)}
			}
			return h, r.readError("read commit "+ref, err)
		}
		return h, nil
	}
	names := []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref), plumbing.NewTagReferenceName(ref)}
	if plumbing.ReferenceName(ref).IsBranch() || plumbing.ReferenceName(ref).IsTag() {
		names = []plumbing.ReferenceName{plumbing.ReferenceName(ref)}
	}
	for _, n := range names {
		got, err := r.repo.Reference(n, true)
		switch {
		case err == nil:
			return got.Hash(), nil
		case !errors.Is(err, plumbing.ErrReferenceNotFound):
			return plumbing.ZeroHash, r.readError("read ref "+n.String(), err)
		}
	}
	return plumbing.ZeroHash, &Error{Op: "resolve", Repo: r.name, kind: kindNotFound, err: plumbing.ErrReferenceNotFound,
		msg:  fmt.Sprintf("no branch or tag %q", ref),
		Hint: r.branchHint()}
}

// branchHint lists a few branches, to help with a mistyped ref.
func (r *Repo) branchHint() string {
	iter, err := r.repo.Branches()
	if err != nil {
		return ""
	}
	var names []string
	_ = iter.ForEach(func(ref *plumbing.Reference) error {
		if len(names) < 10 {
			names = append(names, ref.Name().Short())
		}
		return nil
	})
	if len(names) == 0 {
		return "the repository has no branches"
	}
	return fmt.Sprintf("%s with a branch (%s), a tag or a full commit SHA", r.opts.names().HowToSet("Ref", "", false), joinQuoted(names))
}

// readError is a failure reading the repository itself: corrupt, or
// missing objects.
func (r *Repo) readError(op string, err error) error {
	k := kindLocal
	if errors.Is(err, plumbing.ErrObjectNotFound) && r.local {
		k = kindNotFound
	}
	return &Error{Op: op, Repo: r.name, kind: k, msg: r.scrubString(err.Error()), err: err}
}
