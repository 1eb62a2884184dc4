package spec

import (
	"errors"
	"io/fs"
	"os"
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
