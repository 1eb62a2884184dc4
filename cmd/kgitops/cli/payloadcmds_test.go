package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// kgitopsPayload is the kgitops test helper for tail and produce: it runs
// the CLI in-process like Run, and registers the two commands itself when
// newRoot does not (yet) list them, so that their tests run either way.
func kgitopsPayload(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return environ[k] }}
	root := newRoot(e)
	registered := map[string]bool{}
	for _, c := range root.Commands() {
		registered[c.Name()] = true
	}
	if !registered["tail"] {
		root.AddCommand(newTail(e))
	}
	if !registered["produce"] {
		root.AddCommand(newProduce(e))
	}
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	code := ExitOK
	if err := root.ExecuteContext(ctx); err != nil {
		code = ExitError
		var xe *exitError
		switch {
		case errors.As(err, &xe):
			code = xe.code
			if xe.err != nil {
				fmt.Fprintf(&errb, "Error: %s\n", xe.err)
			}
		default:
			fmt.Fprintf(&errb, "Error: %s\n", err)
		}
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
