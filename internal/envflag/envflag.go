// Package envflag binds command-line flags, each with an environment
// variable as a fallback, to the fields of an options struct: a flag the
// user gave wins, otherwise a non-empty variable fills the field, and each
// value remembers where it came from so that an error can name the flag or
// the variable the user actually wrote. A [Set] also tells the options'
// own validation how to name a field and how to set it.
//
// It reads nothing but what getenv returns and never logs a value. It
// deliberately does not validate values beyond parsing them, apply
// defaults other than the flags', or read files: the options' own package
// does that, knowing nothing of flags.
package envflag

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kgitops/kgitops/secret"
)

// Set binds one options struct's fields to flags and variables. Fields are
// named as in Go ("Timeout", "SASLPassword"), which is how the options'
// validation asks Source, Name and HowToSet about them.
type Set struct {
	envPrefix, flagPrefix string
	binds                 []*binding
	flags                 *pflag.FlagSet    // nil until Register: a non-zero field counts as given
	from                  map[string]string // field -> the variable its value came from
}

// binding is one field with its flag, its variable or both.
type binding struct {
	field, flag, env string
	help             string                               // the flag's help, with [$VARIABLE] at the end
	yieldTo          string                               // for a variable alone: the field whose explicit value wins over it
	add              func(fs *pflag.FlagSet, help string) // registers the flag
	set              func() bool                          // whether the field holds a non-zero value
	parse            func(env, v string) error            // fills the field from the variable's value
}

// New returns an empty Set whose variables are envPrefix and the flag's
// name in upper case with '-' as '_', after flagPrefix is cut off the
// name: with New("KGITOPS_GIT_", "git-"), --repo reads KGITOPS_GIT_REPO and
// --git-known-hosts reads KGITOPS_GIT_KNOWN_HOSTS.
func New(envPrefix, flagPrefix string) *Set {
	return &Set{envPrefix: envPrefix, flagPrefix: flagPrefix}
}

// bind adds a field with its flag and, when parse can read one, its
// variable.
func (s *Set) bind(field, flag, help string, add func(*pflag.FlagSet, string), set func() bool, parse func(env, v string) error) {
	b := &binding{field: field, flag: flag, help: help, add: add, set: set, parse: parse}
	if parse != nil {
		b.env = s.envPrefix + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(flag, s.flagPrefix), "-", "_"))
		b.help += " [$" + b.env + "]"
	}
	s.binds = append(s.binds, b)
}

// parser returns a parse func that sets *p to what conv makes of the
// variable's text; its error names the variable and says what it should
// hold.
func parser[T any](p *T, conv func(string) (T, error), want string) func(env, v string) error {
	return func(env, v string) error {
		x, err := conv(v)
		if err != nil {
			return fmt.Errorf("%s: want %s: %w", env, want, err)
		}
		*p = x
		return nil
	}
}

// String binds *p to --flag, with def as the flag's default.
func (s *Set) String(p *string, field, flag, def, help string) {
	add := func(fs *pflag.FlagSet, help string) { fs.StringVar(p, flag, def, help) }
	s.bind(field, flag, help, add, func() bool { return *p != "" }, parser(p, asText, ""))
}

// Strings binds *p to --flag; the variable holds the values separated by
// commas.
func (s *Set) Strings(p *[]string, field, flag, help string) {
	add := func(fs *pflag.FlagSet, help string) { fs.StringSliceVar(p, flag, nil, help) }
	split := func(v string) ([]string, error) { return strings.Split(v, ","), nil }
	s.bind(field, flag, help, add, func() bool { return len(*p) > 0 }, parser(p, split, ""))
}

// Duration binds *p to --flag, with def as the flag's default.
func (s *Set) Duration(p *time.Duration, field, flag string, def time.Duration, help string) {
	add := func(fs *pflag.FlagSet, help string) { fs.DurationVar(p, flag, def, help) }
	s.bind(field, flag, help, add, func() bool { return *p != 0 }, parser(p, time.ParseDuration, "a duration such as 30s or 2m"))
}

// Bool binds *p to --flag.
func (s *Set) Bool(p *bool, field, flag, help string) {
	add := func(fs *pflag.FlagSet, help string) { fs.BoolVar(p, flag, false, help) }
	s.bind(field, flag, help, add, func() bool { return *p }, parser(p, strconv.ParseBool, "true or false"))
}

// Unsafe binds *p to --flag alone, with no variable: a switch that weakens
// security must show on the command line, never be inherited from the
// environment.
func (s *Set) Unsafe(p *bool, field, flag, help string) {
	add := func(fs *pflag.FlagSet, help string) { fs.BoolVar(p, flag, false, help) }
	s.bind(field, flag, help, add, func() bool { return *p }, nil)
}

// Secret binds *p to the variable env alone: a secret on the command line
// would end up in shell history and process lists. When the field yieldTo
// holds a value that did not come from its variable (a flag, or code), the
// variable is not read, so that a password file the user passed wins over
// a password in the environment.
func (s *Set) Secret(p *secret.Value, field, env, yieldTo string) {
	wrap := func(v string) (secret.Value, error) { return secret.New(v), nil }
	s.binds = append(s.binds, &binding{field: field, env: env, yieldTo: yieldTo,
		set: func() bool { return !p.IsZero() }, parse: parser(p, wrap, "")})
}

func asText(v string) (string, error) { return v, nil }

// Register adds the flags to fs, each variable named at the end of its
// help as [$NAME]. Without Register, a field counts as given when it holds
// a non-zero value, as for options built in code.
func (s *Set) Register(fs *pflag.FlagSet) {
	s.flags = fs
	for _, b := range s.binds {
		if b.add != nil {
			b.add(fs, b.help)
		}
	}
}

// Fill reads the variable of each field the user did not give, in the
// order the fields were bound, and records where each value came from.
func (s *Set) Fill(getenv func(string) string) error {
	s.from = map[string]string{}
	for _, b := range s.binds {
		if b.env == "" || b.yieldTo != "" || s.given(b) {
			continue
		}
		if err := s.read(getenv, b); err != nil {
			return err
		}
	}
	// Secrets last: they yield to fields filled above.
	for _, b := range s.binds {
		if b.yieldTo == "" || s.given(b) {
			continue
		}
		if o := s.lookup(b.yieldTo); o != nil && o.set() && !s.FromEnv(o.field) {
			continue
		}
		if err := s.read(getenv, b); err != nil {
			return err
		}
	}
	return nil
}

func (s *Set) read(getenv func(string) string, b *binding) error {
	v := getenv(b.env)
	if v == "" {
		return nil
	}
	if err := b.parse(b.env, v); err != nil {
		return err
	}
	s.from[b.field] = b.env
	return nil
}

// given reports whether the user gave b's field, so that its variable must
// not override it: on the command line, or, without flags, in code.
func (s *Set) given(b *binding) bool {
	if b.flag != "" && s.flags != nil && s.flags.Lookup(b.flag) != nil {
		return s.flags.Changed(b.flag)
	}
	return b.set()
}

func (s *Set) lookup(field string) *binding {
	for _, b := range s.binds {
		if b.field == field {
			return b
		}
	}
	return nil
}

// FromEnv reports whether field's value came from its variable.
func (s *Set) FromEnv(field string) bool {
	_, ok := s.from[field]
	return ok
}

// Source says where field's value came from, as the user wrote it: its
// variable if Fill took it from there, else its flag.
func (s *Set) Source(field string) string {
	if env, ok := s.from[field]; ok {
		return env
	}
	return s.Name(field)
}

// Name is how to mention field: its flag, as "--timeout", or its variable
// when it has no flag. A field the Set does not bind is named
// "Options.<field>".
func (s *Set) Name(field string) string {
	switch b := s.lookup(field); {
	case b == nil:
		return "Options." + field
	case b.flag != "":
		return "--" + b.flag
	default:
		return b.env
	}
}

// HowToSet says how to give field a value, meta standing for the value:
// "pass --repo URL", and with orEnv "pass --repo URL or set
// KGITOPS_GIT_REPO". A field with no flag is "set KGITOPS_GIT_PASSWORD".
func (s *Set) HowToSet(field, meta string, orEnv bool) string {
	b := s.lookup(field)
	if b == nil || b.flag == "" {
		return "set " + s.Name(field)
	}
	how := "pass --" + b.flag
	if meta != "" {
		how += " " + meta
	}
	if orEnv && b.env != "" {
		how += " or set " + b.env
	}
	return how
}
