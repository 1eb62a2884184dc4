package gitsync

import (
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
)

// SourceID names where a desired state comes from, the same way whoever
// reads it: "git:HOST/PATH//SUBDIR" for a folder inside a git repository
// with a remote (the remote's URL without scheme, user, credentials or a
// trailing ".git", so that CI's HTTPS checkout and the daemon's SSH clone
// of one repo are one source), else "dir:ABSOLUTE-PATH". An inventory
// records the source that owns it.
func SourceID(repoURL, subdir string) string {
	u := NormalizeURL(repoURL)
	sub := strings.Trim(path.Clean("/"+filepath.ToSlash(subdir)), "/")
	return "git:" + u + "//" + sub
}

// DirSourceID is the SourceID of a folder: the one of its git repository
// and path inside it when the folder is in a work tree whose "origin" (or
// only) remote has a URL, else its absolute path.
func DirSourceID(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "dir:" + dir
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return "dir:" + abs
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "dir:" + abs
	}
	remotes, err := repo.Remotes()
	if err != nil || len(remotes) == 0 {
		return "dir:" + abs
	}
	remote := remotes[0]
	for _, r := range remotes {
		if r.Config().Name == "origin" {
			remote = r
		}
	}
	urls := remote.Config().URLs
	if len(urls) == 0 {
		return "dir:" + abs
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return "dir:" + abs
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "dir:" + abs
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "dir:" + abs
	}
	return SourceID(urls[0], rel)
}

// NormalizeURL reduces a repository URL to HOST/PATH: no scheme, user,
// password, port, query or ".git" suffix, lower-case host; scp-style
// "git@host:org/repo" reads as "host/org/repo". A local path stays a
// cleaned absolute path.
func NormalizeURL(raw string) string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		if m := scpLike.FindStringSubmatch(s); m != nil {
			return strings.ToLower(m[1]) + "/" + trimRepoPath(m[2])
		}
		if abs, err := filepath.Abs(s); err == nil {
			return filepath.ToSlash(abs)
		}
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return Redact(s)
	}
	if u.Scheme == "file" {
		return path.Clean(u.Path)
	}
	return strings.ToLower(u.Hostname()) + "/" + trimRepoPath(u.Path)
}

// scpLike is git's scp-style remote: [user@]host:path.
var scpLike = regexp.MustCompile(`^(?:[^@/:]+@)?([^@/:]+):(.+)$`)

func trimRepoPath(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	return strings.TrimSuffix(p, ".git")
}
