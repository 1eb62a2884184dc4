// Package cli is kgitops' command line: it parses flags into options,
// wires the spec loader, the Kafka connection and the reconciler together,
// and turns outcomes into exit codes. Tests run it in-process through Run.
//
// It holds no reconciliation logic of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/internal/kconn"
)

// Version is set at build time with
// -ldflags "-X github.com/kgitops/kgitops/cmd/kgitops/cli.Version=v1.2.3".
var Version = "dev"

// Exit codes shared by every command.
const (
	ExitOK      = 0 // success; for plan: no changes
	ExitError   = 1 // invalid input, refused plan, failed change, unreachable cluster
	ExitChanges = 2 // plan --detailed-exitcode: there are changes
	// ExitDestructive is --fail-on destructive (or warn): the changes include
	// destructive ones. It wins over ExitChanges.
	ExitDestructive = 3
)

// exitError carries an exit code through cobra. A nil err means the command
// already printed what the user needs.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// silentExit returns an error that only sets the exit code.
func silentExit(code int) error { return &exitError{code: code} }

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// env is the process environment, injected so that tests control it.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	log            *slog.Logger
}

// Run executes kgitops with args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	// plan and apply read the cluster while the repo loads: the two may
	// write to stderr (a warning, a log line) at once.
	stderr = &lockedWriter{w: stderr}
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var xe *exitError
	if errors.As(err, &xe) {
		if xe.err != nil {
			fmt.Fprintf(stderr, "Error: %s\n", xe.err)
		}
		return xe.code
	}
	fmt.Fprintf(stderr, "Error: %s\n", err)
	return ExitError
}

func newRoot(e *env) *cobra.Command {
	var logLevel, logFormat string
	root := &cobra.Command{
		Use:           "kgitops",
		Short:         "Keep an Apache Kafka cluster in the state declared in git",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			l, err := newLogger(e.stderr, logLevel, logFormat)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			e.log = l
			warnUnsafe(cmd, e)
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", envOr(e.getenv, "KGITOPS_LOG_LEVEL", "error"), "log level: debug, info, warn or error; results and errors are printed whatever the level; kgitops run logs at info unless this or the variable is set [$KGITOPS_LOG_LEVEL]")
	root.PersistentFlags().StringVar(&logFormat, "log-format", envOr(e.getenv, "KGITOPS_LOG_FORMAT", "text"), "log format: text or json [$KGITOPS_LOG_FORMAT]")
	root.AddCommand(
		newValidate(e),
		newPlan(e),
		newApply(e),
		newExport(e),
		newDoctor(e),
		newAdopt(e),
		newRun(e),
		newDiff(e),
		newSchema(e),
		newProfiles(e),
		newExplain(e),
		newAccess(e),
		newTail(e),
		newProduce(e),
		newDemo(e),
		newDescribe(e),
		newLag(e),
		newOffsets(e),
		newReassign(e),
		newRebalance(e),
		newVersion(e),
	)
	return root
}

// warnUnsafe prints, before any work, a warning for each flag that weakens
// security. kgitops run gets the same warnings in its log instead (from
// kconn.NewClient), as its stderr is a log stream.
func warnUnsafe(cmd *cobra.Command, e *env) {
	if cmd.Name() == "run" {
		return
	}
	if fl := cmd.Flags().Lookup("tls-insecure-skip-verify"); fl != nil && fl.Value.String() == "true" {
		fmt.Fprintln(e.stderr, "Warning: "+kconn.InsecureSkipVerifyWarning+".")
	}
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kgitops' version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.stdout, "kgitops %s\n", Version)
			return err
		},
	}
}
