package gitsync

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/syncbuf"
)

// testRemote is a bare repository in t.TempDir(), with a work tree that
// pushes to it.
type testRemote struct {
	t    *testing.T
	bare string // the bare repository, what gitsync fetches
	work string // a clone that commits and pushes
}

// newRemote makes a bare repository whose main branch has one commit
// holding files.
func newRemote(t *testing.T, files map[string]string) *testRemote {
	t.Helper()
	requireGit(t)
	dir := t.TempDir()
	r := &testRemote{t: t, bare: filepath.Join(dir, "remote.git"), work: filepath.Join(dir, "work")}
	runGit(t, dir, "init", "-q", "--bare", "-b", "main", r.bare)
	runGit(t, dir, "init", "-q", "-b", "main", r.work)
	runGit(t, r.work, "remote", "add", "origin", r.bare)
	r.commit("first", files)
	r.push("main")
	return r
}

// commit writes files (an empty content deletes the file) and commits them,
// returning the new commit's SHA.
func (r *testRemote) commit(msg string, files map[string]string) string {
	r.t.Helper()
	writeFiles(r.t, r.work, files)
	runGit(r.t, r.work, "add", "-A")
	runGit(r.t, r.work, "commit", "-q", "--allow-empty", "-m", msg)
	return r.head()
}

// push force-pushes the current commit to branch.
func (r *testRemote) push(branch string) {
	r.t.Helper()
	runGit(r.t, r.work, "push", "-q", "-f", "origin", "HEAD:refs/heads/"+branch)
}

func (r *testRemote) head() string {
	r.t.Helper()
	return runGit(r.t, r.work, "rev-parse", "HEAD")
}

// writeFiles writes each file under dir, or deletes it when its content is
// empty. A content starting with "->" makes a symbolic link to the rest.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(p)
		var err error
		switch {
		case content == "":
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(strings.TrimPrefix(content, "->"), p)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// runGit runs the git program in dir, with no user or system configuration,
// and returns its trimmed output.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_COMMITTER_DATE=2026-01-02T03:04:05Z", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// requireGit skips the test where the git program is missing. CI has it.
func requireGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is not installed; CI must install it")
		}
		t.Skip("git is not installed")
	}
}

// runFlags are the flags kgitops run sets the fields with.
var runFlags = map[string]string{
	"URL": "repo", "Ref": "ref", "CacheDir": "git-cache-dir", "Timeout": "git-timeout", "Username": "git-username",
	"PasswordFile": "git-password-file", "CAFile": "git-ca-file", "SSHKeyFile": "git-ssh-key-file",
	"SSHKeyPassphraseFile": "git-ssh-key-passphrase-file", "KnownHostsFile": "git-known-hosts",
	"InsecureIgnoreHostKey": "git-insecure-ignore-host-key",
}

// runNames names the fields by kgitops run's flags, so that the errors and
// hints these tests check read as users see them. Every value counts as
// given by its flag; the password has only its variable. cmd/kgitops/cli
// binds the real flags and variables, and its tests pin those.
type runNames struct{}

func (runNames) Source(field string) string { return runNames{}.Name(field) }

func (runNames) Name(field string) string {
	if field == "Password" {
		return "KGITOPS_GIT_PASSWORD"
	}
	return "--" + runFlags[field]
}

func (runNames) HowToSet(field, meta string, orEnv bool) string {
	if field == "Password" {
		return "set KGITOPS_GIT_PASSWORD"
	}
	how := "pass --" + runFlags[field]
	if meta != "" {
		how += " " + meta
	}
	if orEnv {
		how += " or set KGITOPS_GIT_" + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(runFlags[field], "git-"), "-", "_"))
	}
	return how
}

// completed returns o, completed with runNames, with a fresh cache
// directory when o names none.
func completed(t *testing.T, o Options) Options {
	t.Helper()
	if o.CacheDir == "" {
		o.CacheDir = filepath.Join(t.TempDir(), "cache")
	}
	o.Names = runNames{}
	if err := o.Complete(); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return o
}

// open opens o's cache with a logger writing to the returned buffer.
func open(t *testing.T, o Options) (*Repo, *syncbuf.Buffer) {
	t.Helper()
	buf := &syncbuf.Buffer{}
	r, err := Open(o, slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r, buf
}

// fetch runs Fetch and fails the test on an error.
func fetch(t *testing.T, r *Repo) Revision {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rev, err := r.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return rev
}

// fetchErr runs Fetch and fails the test unless it fails.
func fetchErr(t *testing.T, r *Repo) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rev, err := r.Fetch(ctx)
	if err == nil {
		t.Fatalf("Fetch: got revision %s, want an error", rev.SHA)
	}
	return err
}
