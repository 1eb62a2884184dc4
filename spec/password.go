package spec

import (
	"fmt"
	"strings"
)

// ReadPassword reads u's password from where PasswordFrom says, through
// getenv and readFile (os.Getenv and os.ReadFile, or fakes in tests): the
// loader itself never reads one. One trailing newline of a file is
// dropped; an empty password is an error. Errors name the user and the
// variable or file, never the content; readFile's error is wrapped as is.
func (u User) ReadPassword(getenv func(string) string, readFile func(string) ([]byte, error)) (string, error) {
	src := u.PasswordFrom
	switch {
	case src.Env != "" && src.File != "":
		return "", fmt.Errorf("password of user %q: passwordFrom gives both env and file", u.Name)
	case src.Env != "":
		p := getenv(src.Env)
		if p == "" {
			return "", fmt.Errorf("password of user %q: environment variable %s is empty or not set", u.Name, src.Env)
		}
		return p, nil
	case src.File != "":
		data, err := readFile(src.File)
		if err != nil {
			return "", fmt.Errorf("password of user %q: read %s: %w", u.Name, src.File, err)
		}
		p := string(data)
		if s, ok := strings.CutSuffix(p, "\n"); ok {
			p = strings.TrimSuffix(s, "\r")
		}
		if p == "" {
			return "", fmt.Errorf("password of user %q: file %s is empty", u.Name, src.File)
		}
		return p, nil
	}
	return "", fmt.Errorf("password of user %q: passwordFrom gives neither env nor file", u.Name)
}
