// Package secret holds a password, token or shared key so that it cannot
// reach a log line, an error, a plan or a status page by accident: a
// [Value] prints, formats and marshals as "[redacted]", and only
// [Value.Reveal] gives the text back, for the one call that needs it.
//
// This package deliberately does not read secrets from files or the
// environment, compare them, hash them or keep them out of memory: callers
// do the reading, and reconcile hashes SCRAM credentials itself.
package secret

import "fmt"

// redacted is what every way of printing a Value shows.
const redacted = "[redacted]"

// Value is a secret. The zero Value is the empty secret.
//
// The text sits behind a pointer, so that a struct printed with %#v or %+v
// shows an address even where it holds a Value in an unexported field,
// which fmt prints without calling its methods.
type Value struct{ s *string }

// New wraps s.
func New(s string) Value { return Value{&s} }

// Reveal returns the secret's text, for the one call that sends it on.
func (v Value) Reveal() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.Reveal() == "" }

// String returns "[redacted]".
func (Value) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (Value) GoString() string { return redacted }

// Format writes "[redacted]" for every verb and flag.
func (Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON returns the JSON string "[redacted]".
func (Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]", for encoders such as log/slog's.
func (Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
