package spec

import (
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SCRAM mechanisms.
const (
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// SCRAM iteration counts: Kafka accepts MinIterations to MaxIterations.
const (
	MinIterations     = 4096
	MaxIterations     = 16384
	DefaultIterations = 8192
)

// User is a SCRAM user: the credential kgitops sets for it. Its name is
// the SCRAM user name; its principal is User:<name>.
type User struct {
	Name         string
	Labels       map[string]string
	Annotations  map[string]string // kgitops.io/delete removes the user's credentials
	Mechanism    string            // SCRAM-SHA-256 or SCRAM-SHA-512
	Iterations   int32
	PasswordFrom PasswordSource

	Pos Pos // the document's "kind:" line
}

// PasswordSource says where a user's password is. Exactly one field is
// set. The repo never holds the password itself.
type PasswordSource struct {
	Env  string // the environment variable that holds it
	File string // the file that holds it, relative to --secrets-dir (default: the working directory)
}

// passwordHint says what to write instead of an inline password.
const passwordHint = "a password is never written in the repo: give passwordFrom: {env: NAME} or {file: PATH}"

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// decodeUser reads a User document. Its messages quote no value but a
// mechanism or a number: a password written in the wrong place must not
// reach the output.
func decodeUser(d *decoder, doc document, st *State) {
	u := User{Name: doc.Name, Labels: doc.Labels, Annotations: doc.Annotations, Iterations: DefaultIterations, Pos: doc.Pos}
	if doc.Spec == nil {
		d.errorf(doc.SpecAt, "add spec: {scram: {mechanism: SCRAM-SHA-512, passwordFrom: {env: NAME}}}", "spec is missing")
		return
	}
	fs, inline, ok := d.secretFields(doc.Spec, "spec", "scram")
	if !ok {
		return
	}
	sf, ok := fs["scram"]
	if !ok {
		d.errorf(doc.SpecAt, "add scram: {mechanism: SCRAM-SHA-512, passwordFrom: {env: NAME}} under spec", "scram is missing")
		return
	}
	fs, inlineToo, ok := d.secretFields(sf.Value, "scram", "mechanism", "iterations", "passwordFrom")
	if !ok {
		return
	}
	inline = inline || inlineToo
	if f, ok := fs["mechanism"]; !ok {
		d.errorf(sf.Key, "add mechanism: SCRAM-SHA-512 or SCRAM-SHA-256 under scram", "mechanism is missing")
	} else if s, ok := d.text(f, "SCRAM-SHA-256 or SCRAM-SHA-512"); ok {
		u.Mechanism = strings.ToUpper(s)
		if u.Mechanism != MechanismSCRAMSHA256 && u.Mechanism != MechanismSCRAMSHA512 {
			d.errorf(f.Value, "write SCRAM-SHA-256 or SCRAM-SHA-512", "unknown SCRAM mechanism %q", s)
		}
	}
	if f, ok := fs["iterations"]; ok {
		if _, num := parseDecimal(f.Value.Value); !num && f.Value.Kind == yaml.ScalarNode && !isNull(f.Value) {
			d.errorf(f.Value, "", "iterations must be a whole number from %d to %d", MinIterations, MaxIterations)
		} else if n, ok := d.integer(f, intRange{lo: MinIterations, hi: MaxIterations, bits: 32}); ok {
			u.Iterations = int32(n)
		}
	}
	if f, ok := fs["passwordFrom"]; !ok {
		if !inline { // else it is said already
			d.errorf(sf.Key, passwordHint, "passwordFrom is missing")
		}
	} else {
		u.PasswordFrom = d.passwordSource(f)
	}
	if doc.Name != "" {
		st.Users = append(st.Users, u)
	}
}

// passwordSource reads passwordFrom: {env: NAME} or {file: PATH}.
func (d *decoder) passwordSource(f field) PasswordSource {
	return d.secretSource(f, "passwordFrom", passwordHint)
}

// secretSource reads a field named name that says where a secret is:
// {env: NAME} or {file: PATH}. hint says what to write when it gives
// neither.
func (d *decoder) secretSource(f field, name, hint string) PasswordSource {
	var s PasswordSource
	fs, inline, ok := d.secretFields(f.Value, name, "env", "file")
	if !ok {
		return s
	}
	ef, env := fs["env"]
	ff, file := fs["file"]
	switch {
	case env && file:
		d.errorf(f.Key, "keep one of them", "%s gives both env and file", name)
	case !env && !file && !inline:
		d.errorf(f.Key, hint, "%s gives neither env nor file", name)
	case env:
		ef.Name = name + ".env"
		if v, ok := d.name(ef); ok && !envName.MatchString(v) {
			d.errorf(ef.Value, "write the variable's name: letters, digits and _, not starting with a digit",
				"%s.env is not the name of an environment variable", name)
		} else {
			s.Env = v
		}
	case file:
		ff.Name = name + ".file"
		s.File, _ = d.name(ff)
	}
	return s
}

// userSecretFields are the mappings of a User that secretFields reads.
var userSecretFields = []string{"spec", "scram", "passwordFrom"}

// secretFields is fields for a mapping that may hold a password by
// mistake. It never quotes a value: not when n is not a mapping, and not
// for a "password" key, which it reports and drops; inline says whether
// there was one.
func (d *decoder) secretFields(n *yaml.Node, name string, known ...string) (fs map[string]field, inline, ok bool) {
	if n.Kind != yaml.MappingNode {
		what := "a list"
		if n.Kind == yaml.ScalarNode {
			what = "text"
		}
		hint := ""
		switch name {
		case "passwordFrom":
			hint = "write passwordFrom: {env: NAME} or {file: PATH}; if that text is the password, change it: it is in the Git history"
		case "valueFrom":
			hint = "write valueFrom: {env: NAME} or {file: PATH}; if that text is the secret, change it: it is in the Git history"
		}
		d.errorf(n, hint, "%s must be a mapping, got %s", name, what)
		return nil, false, false
	}
	clean := *n
	clean.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k != nil && k.Kind == yaml.ScalarNode && strings.EqualFold(k.Value, "password") {
			if !slices.Contains(userSecretFields, name) { // a BrokerConfig's key or its valueFrom
				d.errorf(k, "move it to an environment variable or a file, give valueFrom: {env: NAME} or {file: PATH}, and change the secret: it is in the Git history",
					"a secret is written in the repo")
				inline = true
				continue
			}
			d.errorf(k, "move it to an environment variable or a file, give passwordFrom: {env: NAME} or {file: PATH}, and change the password: it is in the Git history",
				"a password is written in the repo")
			inline = true
			continue
		}
		clean.Content = append(clean.Content, n.Content[i], n.Content[i+1])
	}
	fs, ok = d.fields(&clean, name, known...)
	return fs, inline, ok
}
