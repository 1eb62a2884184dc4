package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ReadPassword reads u's password from where PasswordFrom says, through
// getenv and readFile (os.Getenv and SecretsDir.ReadFile, or fakes in
// tests): the loader itself never reads one. One trailing newline of a
// file is dropped; an empty password is an error. Errors name the user and
// the variable or file, never the content; readFile's error is wrapped as
// is.
func (u User) ReadPassword(getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	return u.PasswordFrom.read(fmt.Sprintf("password of user %q", u.Name), "passwordFrom", getenv, readFile)
}

// read reads the secret s points to, for ReadPassword and
// BrokerConfig.ReadSecret; what names the secret in errors, and field the
// document's field that says where it is.
func (s PasswordSource) read(what, field string, getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	switch {
	case s.Env != "" && s.File != "":
		return "", fmt.Errorf("%s: %s gives both env and file", what, field)
	case s.Env != "":
		p := getenv(s.Env)
		if p == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty or not set", what, s.Env)
		}
		return p, nil
	case s.File != "":
		data, err := readFile(s.File)
		if err != nil {
			return "", fmt.Errorf("%s: read %s: %w", what, s.File, err)
		}
		p := string(data)
		if t, ok := strings.CutSuffix(p, "\n"); ok {
			p = strings.TrimSuffix(t, "\r")
		}
		if p == "" {
			return "", fmt.Errorf("%s: file %s is empty", what, s.File)
		}
		return p, nil
	}
	return "", fmt.Errorf("%s: %s gives neither env nor file", what, field)
}

// MaxPasswordFileSize is the most a passwordFrom file may hold: a
// password, not a document.
const MaxPasswordFileSize = 64 << 10

// SecretsDir is the one folder whose files a User's passwordFrom may name
// (--secrets-dir): a repo, which anyone who opens a pull request can
// change, must not make kgitops read files from anywhere on disk.
//
// Its zero value is the working directory, for users who give no
// --secrets-dir. There, an absolute path that lies inside the working
// directory is accepted too, as before --secrets-dir existed; with a
// folder named, a path is always relative to it.
type SecretsDir struct {
	dir string // absolute; "" for the working directory
}

// NewSecretsDir returns the secrets folder dir, which must exist; ""
// means the working directory.
func NewSecretsDir(dir string) (SecretsDir, error) {
	if dir == "" {
		return SecretsDir{}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return SecretsDir{}, fmt.Errorf("--secrets-dir %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return SecretsDir{}, fmt.Errorf("--secrets-dir: %w", err)
	}
	if !st.IsDir() {
		return SecretsDir{}, fmt.Errorf("--secrets-dir %s is not a folder", dir)
	}
	return SecretsDir{dir: abs}, nil
}

// ReadFile reads the password file name, resolved under s. It refuses an
// absolute path (but one inside the working directory, when s is that), a
// path that leaves s with "..", a symbolic link that leads out of s or is
// absolute, anything but a regular file (without blocking on a named
// pipe), and a file larger than MaxPasswordFileSize. Each refusal says
// what to do instead.
func (s SecretsDir) ReadFile(name string) ([]byte, error) {
	dir, where, fix, err := s.resolve()
	if err != nil {
		return nil, err
	}
	if filepath.IsAbs(name) {
		if s.dir != "" {
			return nil, fmt.Errorf("an absolute path is not allowed: %s", fix)
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("an absolute path outside %s: %s", where, fix)
		}
		name = rel
	}
	if !filepath.IsLocal(name) {
		return nil, fmt.Errorf("the path leaves %s: %s", where, fix)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	defer root.Close()
	// O_NONBLOCK: opening a named pipe would otherwise wait for a writer.
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w in %s", fs.ErrNotExist, where)
		case errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent":
			// os.Root's refusal of a link that leaves dir or is absolute.
			return nil, fmt.Errorf("a symbolic link on the way leads out of %s or is absolute: %s (relative links inside the folder are fine)", where, fix)
		case errors.As(err, &pe):
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s, not a regular file: a password file must be a plain file", fileKind(st.Mode()))
	}
	tooLarge := fmt.Errorf("larger than %d KiB: a password file holds the password alone", MaxPasswordFileSize>>10)
	if st.Size() > MaxPasswordFileSize {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxPasswordFileSize+1)) // it may have grown since
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPasswordFileSize {
		return nil, tooLarge
	}
	return data, nil
}

// resolve returns s's folder, how errors name it, and what they tell
// users to do instead.
func (s SecretsDir) resolve() (dir, where, fix string, err error) {
	if s.dir != "" {
		return s.dir, "--secrets-dir " + s.dir, "put the file under --secrets-dir " + s.dir + " and write its path relative to it", nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", "", "", fmt.Errorf("no --secrets-dir given, and the working directory is unknown: %w", err)
	}
	return wd, "the working directory " + wd + " (no --secrets-dir given)",
		"put the file under a folder, pass that folder as --secrets-dir, and write the file's path relative to it", nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
