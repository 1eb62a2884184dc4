package gitsync

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	git "github.com/go-git/go-git/v5"
)

// Repo is a git repository gitsync reads: a cache kept in step with a
// remote by Fetch (from Open), or an existing local repository (from
// OpenLocal). Its methods are safe for concurrent use; they take turns, so a
// read waits for a fetch in progress.
type Repo struct {
	mu   sync.Mutex
	repo *git.Repository
	dir  string // the cache, or the local repository's work tree or git dir
	name string // what errors and logs call the repository: a redacted URL or a path
	log  *slog.Logger

	opts    *Options // nil for a local repository
	local   bool
	last    string // SHA the last successful Fetch resolved, for logging moves
	suspect bool   // reading an object failed: the next Fetch clones again
}

// cacheMarker is the file that makes a directory a kgitops cache, which
// gitsync may delete and clone again. It holds the redacted URL.
const cacheMarker = "kgitops-cache"

// Open opens the cache directory of o's repository, creating it (as an
// empty bare repository) if needed, without touching the network. A cache
// that cannot be opened, or that holds another repository, is wiped and
// created again. A directory that is neither empty nor a kgitops cache is
// refused, never deleted. o must have been completed. log may be nil.
func Open(o Options, log *slog.Logger) (*Repo, error) {
	if !o.completed {
		return nil, errNotCompleted
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Repo{dir: o.CacheDir, name: o.redacted, opts: &o, log: log.With("repo", o.redacted)}
	switch o.proto {
	case "http":
		if !o.password.IsZero() || o.passFile {
			r.log.Warn("sending git credentials over plain HTTP; use an https:// URL")
		}
	case "ssh":
		if o.InsecureIgnoreHostKey {
			r.log.Warn("not checking the SSH host key (" + o.names().Name("InsecureIgnoreHostKey") + ")")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.openCache(); err != nil {
		return nil, err
	}
	return r, nil
}

// OpenLocal opens the existing repository that holds dir: a work tree (in
// dir or above it, found by its .git), a linked work tree or a bare
// repository. It is for reading commits offline: it never fetches, and
// nothing in gitsync writes to it.
func OpenLocal(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &Error{Op: "open repository", Repo: dir, msg: err.Error(), err: err}
	}
	// dir itself first, which may be a bare repository, then upwards for
	// a .git.
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if err != nil {
		e := &Error{Op: "open repository", Repo: abs, msg: err.Error(), err: err}
		if errors.Is(err, git.ErrRepositoryNotExists) {
			e.kind, e.Hint = kindNotFound, "no git repository here or in any parent directory"
		}
		return nil, e
	}
	return &Repo{repo: repo, dir: abs, name: abs, local: true, log: slog.New(slog.DiscardHandler)}, nil
}

// Describe names the repository for status pages and logs, without
// credentials: the redacted URL and ref, or the local path.
func (r *Repo) Describe() string {
	if r.opts == nil {
		return r.name
	}
	return r.opts.String()
}

// openCache opens the cache, or creates it when it is missing, empty,
// unreadable or holds another repository. r.mu must be held.
func (r *Repo) openCache() error {
	r.repo = nil
	want := r.markerText()
	got, err := os.ReadFile(filepath.Join(r.dir, cacheMarker))
	switch {
	case err == nil && string(got) != want:
		r.log.Info("git cache holds another repository; cloning again", "dir", r.dir)
		return r.recreate()
	case err == nil:
		repo, err := git.PlainOpen(r.dir)
		if err != nil {
			r.log.Warn("git cache is unreadable; cloning again", "dir", r.dir, "err", r.scrub(err))
			return r.recreate()
		}
		r.repo = repo
		return nil
	}
	if err := r.checkOwned(); err != nil {
		return err
	}
	return r.recreate()
}

// recreate deletes the cache and creates an empty bare repository with its
// marker. r.mu must be held. It deletes only an empty directory or one
// holding the marker: openCache has checked which.
func (r *Repo) recreate() error {
	r.repo, r.suspect = nil, false
	if err := os.RemoveAll(r.dir); err != nil {
		return r.cacheError("delete the cache", err)
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return r.cacheError("create the cache", err)
	}
	// The marker goes first: a directory left half made by a crash must
	// still be ours to delete.
	if err := os.WriteFile(filepath.Join(r.dir, cacheMarker), []byte(r.markerText()), 0o600); err != nil {
		return r.cacheError("create the cache", err)
	}
	repo, err := git.PlainInit(r.dir, true)
	if err != nil {
		return r.cacheError("create the cache", err)
	}
	r.repo = repo
	return nil
}

// wipe deletes the cache and creates it again, empty, after a local error.
// Like openCache, it refuses a directory that is neither empty nor marked
// as a cache. r.mu must be held.
func (r *Repo) wipe() error {
	if err := r.checkOwned(); err != nil {
		return err
	}
	return r.recreate()
}

// checkOwned returns an error unless the cache directory is missing, empty
// or holds the cache marker: the only directories gitsync may delete.
func (r *Repo) checkOwned() error {
	_, err := os.Stat(filepath.Join(r.dir, cacheMarker))
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return r.cacheError("read the cache marker", err)
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return r.cacheError("read the cache directory", err)
	}
	if len(entries) > 0 {
		return &Error{Op: "use the cache directory", Repo: r.dir,
			Hint: r.opts.names().HowToSet("CacheDir", "", false) + " with a new or empty directory",
			msg:  fmt.Sprintf("%s is neither empty nor a kgitops git cache (it has no %s file)", r.dir, cacheMarker)}
	}
	return nil
}

func (r *Repo) markerText() string {
	return "kgitops git cache; safe to delete\nurl: " + r.name + "\n"
}

// cacheError is a local failure with the cache directory.
func (r *Repo) cacheError(op string, err error) error {
	return &Error{Op: op, Repo: r.dir, msg: r.scrub(err).Error(), err: err}
}

// scrub returns err with its text rid of any credential, for logging.
func (r *Repo) scrub(err error) error {
	if err == nil || r.opts == nil {
		return err
	}
	return errors.New(scrubText(err.Error(), r.opts.secrets()...))
}

// scrubString is scrub for text.
func (r *Repo) scrubString(s string, extra ...string) string {
	if r.opts == nil {
		return s
	}
	return scrubText(s, append(r.opts.secrets(), extra...)...)
}
