// Package gitsync is the only code in kgitops that talks to git. It keeps a
// bare clone of the desired-state repository in a cache directory, fetches
// it incrementally ([Repo.Fetch]), resolves a branch, tag or commit to a
// [Revision], and serves the files of any commit, under an optional
// subdirectory, as a read-only [io/fs.FS] ([Repo.Files]) for spec.LoadFS.
// [OpenLocal] opens an existing repository or work tree instead, for
// offline comparisons between two commits ([Repo.Resolve]).
//
// Repositories are reached over file:// (or a plain path), HTTPS (or plain
// HTTP) with a token or basic auth, or SSH with a private key whose server
// is checked against a known_hosts file. gitsync reads no flag and no
// environment variable: the caller fills [Options], and its [Names] lets
// errors name the flag or variable the user wrote (kgitops binds them in
// cmd/kgitops/cli).
//
// Credentials never reach a log line, an error or a status: URLs are shown
// through [Redact], and every error this package returns has had the
// password, token and passphrase scrubbed from its text. Errors are
// classified for the daemon's retry loop: [IsAuth] for a credential, host
// key or certificate problem, [IsNotFound] for a missing repository, ref or
// subdirectory, and [Reason] gives a short fixed label for metrics.
//
// This package deliberately does not check out a work tree, write to a
// repository it did not create, push, make shallow clones, run git hooks or
// fetch submodules (a submodule's entry is left out of [Repo.Files]). Fetching
// a file:// URL or a plain path runs the git-upload-pack program, so git must
// be installed for those; HTTPS and SSH need no git program. Two processes
// must not share one cache directory.
package gitsync
