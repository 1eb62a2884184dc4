package spec

import (
	"cmp"
	"slices"
	"strings"
)

// Error is one problem in the repo, tied to where it was written.
type Error struct {
	Pos  Pos
	Msg  string // what is wrong, lowercase, no trailing period
	Hint string // what to write instead; may be empty
}

func (e Error) Error() string {
	s := e.Pos.String() + ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Errors is every problem found in one load. It is returned as a whole so
// that a user can fix them all in one go. A load that returns Errors has
// produced no State: nothing may be applied from it.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Rebase returns the errors with every file named under root (see
// Pos.Under).
func (es Errors) Rebase(root string) Errors {
	out := make(Errors, len(es))
	for i, e := range es {
		e.Pos = e.Pos.Under(root)
		out[i] = e
	}
	return out
}

// sorted orders errors by file, then line, then message, so output is stable.
func (es Errors) sorted() Errors {
	slices.SortStableFunc(es, func(a, b Error) int {
		if c := cmp.Compare(a.Pos.File, b.Pos.File); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Pos.Line, b.Pos.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Msg, b.Msg)
	})
	return es
}
