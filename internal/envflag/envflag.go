// Package envflag gives command-line flags environment-variable fallbacks:
// a flag the user gave wins, otherwise a non-empty variable fills it, and
// each value remembers where it came from so that an error can name the
// flag or the variable the user actually wrote. It reads nothing but what
// getenv returns and never logs a value.
package envflag

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// Fallbacks tracks one set of options' flags and their variables.
type Fallbacks struct {
	// Flags is the set the options registered on; nil for options built
	// in code, where a non-zero field counts as given.
	Flags *pflag.FlagSet
	// EnvFor names a flag's environment variable.
	EnvFor func(flag string) string

	from map[string]string // flag -> the variable its value came from
}

// Given reports whether the user gave flag, so that the environment must
// not override it. set says whether the field holds a non-zero value, which
// is all there is to go by without Flags.
func (f *Fallbacks) Given(flag string, set bool) bool {
	if f.Flags != nil && f.Flags.Lookup(flag) != nil {
		return f.Flags.Changed(flag)
	}
	return set
}

// Source names where a flag's value came from: its variable, or --flag.
func (f *Fallbacks) Source(flag string) string {
	if env, ok := f.from[flag]; ok {
		return env
	}
	return "--" + flag
}

// FromEnv reports whether flag's value came from its variable.
func (f *Fallbacks) FromEnv(flag string) bool {
	_, ok := f.from[flag]
	return ok
}

// Reset forgets where values came from, before filling them again.
func (f *Fallbacks) Reset() { f.from = map[string]string{} }

// Lookup returns the variable's value for a flag the user did not give,
// and records that the value came from it.
func (f *Fallbacks) Lookup(getenv func(string) string, flag string, set bool) (string, bool) {
	if f.Given(flag, set) {
		return "", false
	}
	env := f.EnvFor(flag)
	v := getenv(env)
	if v == "" {
		return "", false
	}
	if f.from == nil {
		f.from = map[string]string{}
	}
	f.from[flag] = env
	return v, true
}

// String fills *p from the variable unless the flag was given.
func (f *Fallbacks) String(getenv func(string) string, flag string, p *string) {
	if v, ok := f.Lookup(getenv, flag, *p != ""); ok {
		*p = v
	}
}

// Duration fills *p from the variable unless the flag was given.
func (f *Fallbacks) Duration(getenv func(string) string, flag string, p *time.Duration) error {
	v, ok := f.Lookup(getenv, flag, *p != 0)
	if !ok {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("%s: want a duration such as 30s or 2m: %w", f.EnvFor(flag), err)
	}
	*p = d
	return nil
}
