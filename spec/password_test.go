package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPassword(t *testing.T) {
	env := map[string]string{"SET": "from-env", "EMPTY": ""}
	files := map[string]string{
		"/lf":    "from-file\n",
		"/crlf":  "from-file\r\n",
		"/two":   "from-file\n\n",
		"/none":  "from-file",
		"/empty": "\n",
		"/space": " spaced \n",
	}
	getenv := func(k string) string { return env[k] }
	readFile := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	tests := []struct {
		name    string
		src     PasswordSource
		want    string
		wantErr string
	}{
		{"env", PasswordSource{Env: "SET"}, "from-env", ""},
		{"env empty", PasswordSource{Env: "EMPTY"}, "", `password of user "u": environment variable EMPTY is empty or not set`},
		{"env unset", PasswordSource{Env: "UNSET"}, "", `password of user "u": environment variable UNSET is empty or not set`},
		{"file", PasswordSource{File: "/lf"}, "from-file", ""},
		{"file crlf", PasswordSource{File: "/crlf"}, "from-file", ""},
		{"file one newline stripped", PasswordSource{File: "/two"}, "from-file\n", ""},
		{"file without newline", PasswordSource{File: "/none"}, "from-file", ""},
		{"file spaces kept", PasswordSource{File: "/space"}, " spaced ", ""},
		{"file empty", PasswordSource{File: "/empty"}, "", `password of user "u": file /empty is empty`},
		{"file missing", PasswordSource{File: "/missing"}, "", `password of user "u": read /missing: open /missing: file does not exist`},
		{"neither", PasswordSource{}, "", `password of user "u": passwordFrom gives neither env nor file`},
		{"both", PasswordSource{Env: "SET", File: "/lf"}, "", `password of user "u": passwordFrom gives both env and file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := User{Name: "u", PasswordFrom: tt.src}
			got, err := u.ReadPassword(getenv, readFile)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ReadPassword() error = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "from-") {
					t.Errorf("error %q contains the password", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ReadPassword() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	u := User{Name: "u", PasswordFrom: PasswordSource{File: "/missing"}}
	if _, err := u.ReadPassword(getenv, readFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

// TestPasswordNeverEchoed loads passwords written where they must never be
// and checks that no message quotes one of them.
func TestPasswordNeverEchoed(t *testing.T) {
	data, err := os.ReadFile("testdata/bad/user-password/a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load("testdata/bad/user-password")
	if err == nil {
		t.Fatal("load succeeded")
	}
	secrets := 0
	for _, word := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune(" \t\n:{}\"", r) }) {
		if strings.HasPrefix(word, "s3cret") {
			secrets++
			if strings.Contains(err.Error(), word) {
				t.Errorf("a message quotes the password %q:\n%v", word, err)
			}
		}
	}
	if secrets < 8 {
		t.Errorf("found %d secrets in the fixture, want at least 8", secrets)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a message quotes a password:\n%v", err)
	}
}

// secretsFixture is a secrets folder inside a parent folder that holds a
// file the repo must not reach.
func secretsFixture(t *testing.T) (parent, dir string) {
	t.Helper()
	parent = t.TempDir()
	dir = filepath.Join(parent, "secrets")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(parent, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("outside", "not-for-kafka\n")
	write("secrets/billing", "from-file\n")
	write("secrets/team/shop", "from-shop\n")
	write("secrets/max", strings.Repeat("m", MaxPasswordFileSize))
	write("secrets/too-big", strings.Repeat("m", MaxPasswordFileSize+1))
	// A Kubernetes Secret volume: relative links through ..data.
	write("secrets/k8s/..2026_01_02_03_04_05.000000001/orders", "from-k8s\n")
	link("..2026_01_02_03_04_05.000000001", "secrets/k8s/..data")
	link("..data/orders", "secrets/k8s/orders")
	link("../outside", "secrets/escape")
	link("team/../../outside", "secrets/escape-deep")
	link(filepath.Join(dir, "billing"), "secrets/absolute-inside")
	link("/dev/zero", "secrets/zero")
	return parent, dir
}

func TestSecretsDirReadFile(t *testing.T) {
	parent, dir := secretsFixture(t)
	sd, err := NewSecretsDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	const fix = "put the file under --secrets-dir {dir} and write its path relative to it"
	tests := []struct {
		name    string
		file    string
		want    string
		wantErr string
	}{
		{"relative", "billing", "from-file\n", ""},
		{"in a subfolder", "team/shop", "from-shop\n", ""},
		{"dot slash", "./billing", "from-file\n", ""},
		{"dot dot that stays inside", "team/../billing", "from-file\n", ""},
		{"Kubernetes links inside the folder", "k8s/orders", "from-k8s\n", ""},
		{"exactly the size limit", "max", strings.Repeat("m", MaxPasswordFileSize), ""},
		{"absolute", "{parent}/outside", "", "an absolute path is not allowed: " + fix},
		{"absolute, even inside", "{dir}/billing", "", "an absolute path is not allowed: " + fix},
		{"dot dot", "../outside", "", "the path leaves --secrets-dir {dir}: " + fix},
		{"dot dot deeper", "team/../../outside", "", "the path leaves --secrets-dir {dir}: " + fix},
		{"link leading out", "escape", "", "a symbolic link on the way leads out of --secrets-dir {dir} or is absolute: " + fix + " (relative links inside the folder are fine)"},
		{"link leading out through a subfolder", "escape-deep", "", "a symbolic link on the way leads out of --secrets-dir {dir} or is absolute: " + fix + " (relative links inside the folder are fine)"},
		{"absolute link, even inside", "absolute-inside", "", "a symbolic link on the way leads out of --secrets-dir {dir} or is absolute: " + fix + " (relative links inside the folder are fine)"},
		{"link to /dev/zero", "zero", "", "a symbolic link on the way leads out of --secrets-dir {dir} or is absolute: " + fix + " (relative links inside the folder are fine)"},
		{"a folder", "team", "", "a folder, not a regular file: a password file must be a plain file"},
		{"the folder itself", ".", "", "a folder, not a regular file: a password file must be a plain file"},
		{"too big", "too-big", "", "larger than 64 KiB: a password file holds the password alone"},
		{"missing", "nope", "", "file does not exist in --secrets-dir {dir}"},
	}
	expand := strings.NewReplacer("{dir}", dir, "{parent}", parent).Replace
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sd.ReadFile(expand(tt.file))
			if tt.wantErr != "" {
				if err == nil || err.Error() != expand(tt.wantErr) {
					t.Fatalf("ReadFile(%s) error = %v\nwant %s", tt.file, err, expand(tt.wantErr))
				}
				if strings.Contains(err.Error(), "not-for-kafka") {
					t.Errorf("the error shows the file's content: %v", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("ReadFile(%s) = %.20q, %v; want %.20q", tt.file, got, err, tt.want)
			}
		})
	}
	if _, err := sd.ReadFile("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file's error %v does not wrap fs.ErrNotExist", err)
	}
}

// Without --secrets-dir, files are read from the working directory; an
// absolute path inside it still works, as it did before --secrets-dir.
func TestSecretsDirDefaultsToWorkingDirectory(t *testing.T) {
	parent, dir := secretsFixture(t)
	t.Chdir(dir)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var sd SecretsDir
	for _, name := range []string{"billing", filepath.Join(wd, "billing"), "k8s/orders"} {
		if _, err := sd.ReadFile(name); err != nil {
			t.Errorf("ReadFile(%s): %v", name, err)
		}
	}
	const fix = "put the file under a folder, pass that folder as --secrets-dir, and write the file's path relative to it"
	where := "the working directory " + wd + " (no --secrets-dir given)"
	for name, want := range map[string]string{
		filepath.Join(parent, "outside"): "an absolute path outside " + where + ": " + fix,
		"../outside":                     "the path leaves " + where + ": " + fix,
		"escape":                         "a symbolic link on the way leads out of " + where + " or is absolute: " + fix + " (relative links inside the folder are fine)",
	} {
		if _, err := sd.ReadFile(name); err == nil || err.Error() != want {
			t.Errorf("ReadFile(%s) error = %v\nwant %s", name, err, want)
		}
	}
}

func TestNewSecretsDir(t *testing.T) {
	_, dir := secretsFixture(t)
	for name, want := range map[string]string{
		filepath.Join(dir, "nope"):    "--secrets-dir: stat " + filepath.Join(dir, "nope") + ": no such file or directory",
		filepath.Join(dir, "billing"): "--secrets-dir " + filepath.Join(dir, "billing") + " is not a folder",
	} {
		if _, err := NewSecretsDir(name); err == nil || err.Error() != want {
			t.Errorf("NewSecretsDir(%s) error = %v, want %s", name, err, want)
		}
	}
}

// The message a user sees names the user, the file and what to do.
func TestReadPasswordUnderSecretsDir(t *testing.T) {
	_, dir := secretsFixture(t)
	sd, err := NewSecretsDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	u := User{Name: "billing", PasswordFrom: PasswordSource{File: "billing"}}
	if pw, err := u.ReadPassword(os.Getenv, sd.ReadFile); err != nil || pw != "from-file" {
		t.Fatalf("ReadPassword = %q, %v", pw, err)
	}
	u.PasswordFrom.File = "/etc/passwd"
	want := `password of user "billing": read /etc/passwd: an absolute path is not allowed: put the file under --secrets-dir ` + dir + " and write its path relative to it"
	if _, err := u.ReadPassword(os.Getenv, sd.ReadFile); err == nil || err.Error() != want {
		t.Fatalf("ReadPassword error = %v\nwant %s", err, want)
	}
}
