package envflag

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestPrecedenceAndSources(t *testing.T) {
	env := map[string]string{"X_NAME": "from-env", "X_OTHER": "env-other", "X_WAIT": "2m", "X_BAD": "soon"}
	getenv := func(k string) string { return env[k] }
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	var name, other, empty string
	var wait, bad time.Duration
	fs.StringVar(&name, "name", "", "")
	fs.StringVar(&other, "other", "default", "")
	fs.StringVar(&empty, "empty", "", "")
	fs.DurationVar(&wait, "wait", 0, "")
	fs.DurationVar(&bad, "bad", 0, "")
	if err := fs.Parse([]string{"--name", "from-flag"}); err != nil {
		t.Fatal(err)
	}
	f := Fallbacks{Flags: fs, EnvFor: func(flag string) string { return "X_" + strings.ToUpper(flag) }}
	f.Reset()
	f.String(getenv, "name", &name)
	f.String(getenv, "other", &other)
	f.String(getenv, "empty", &empty)
	if err := f.Duration(getenv, "wait", &wait); err != nil {
		t.Fatal(err)
	}
	if name != "from-flag" || other != "env-other" || empty != "" || wait != 2*time.Minute {
		t.Errorf("values: name=%q other=%q empty=%q wait=%v", name, other, empty, wait)
	}
	if f.Source("name") != "--name" || f.Source("other") != "X_OTHER" || !f.FromEnv("wait") || f.FromEnv("name") {
		t.Errorf("sources: %s %s", f.Source("name"), f.Source("other"))
	}
	if err := f.Duration(getenv, "bad", &bad); err == nil || !strings.Contains(err.Error(), "X_BAD") || strings.Contains(err.Error(), "--bad") {
		t.Errorf("bad duration: %v", err)
	}
}

func TestWithoutFlags(t *testing.T) {
	f := Fallbacks{EnvFor: func(flag string) string { return "E_" + flag }}
	set, unset := "kept", ""
	getenv := func(string) string { return "env" }
	f.String(getenv, "a", &set)
	f.String(getenv, "b", &unset)
	if set != "kept" || unset != "env" || f.Source("b") != "E_b" {
		t.Errorf("set=%q unset=%q source=%q", set, unset, f.Source("b"))
	}
}
