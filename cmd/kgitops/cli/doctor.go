package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/doctor"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
)

// ExitWarnings is doctor's exit code when the worst finding is a warning.
// It shares its value with plan's ExitChanges.
const ExitWarnings = ExitChanges

// doctorFlags are doctor's flags: the connection flags, but no inventory
// or repo, since doctor reads only the cluster.
type doctorFlags struct {
	conn          kconn.Options
	connVars      *envflag.Set
	output        string
	maxPartitions int
}

func newDoctor(e *env) *cobra.Command {
	var f doctorFlags
	cmd := &cobra.Command{
		Use:   "doctor --bootstrap-servers HOST:PORT[,...] [-o text|json|markdown]",
		Short: "Audit a live cluster against good practice and its own limits (no repo needed)",
		Long: `doctor reads the cluster and reports what is broken or risky: the KRaft controllers,
offline, under-replicated and under-min-ISR partitions, leader and replica balance, Kafka's
internal topics, dangerous broker defaults, disk use, partitions per broker, single-replica
topics and unbounded retention. Each finding says what was seen, why it matters and what to
change, with a kgitops YAML document where kgitops manages the thing. It changes nothing.

Exit codes: 0 when there is nothing to fix (information at most), 2 when the worst finding
is a warning, 1 for an error finding or when the cluster cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.Context(), e)
		},
	}
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text, json or markdown")
	cmd.Flags().IntVar(&f.maxPartitions, "max-partitions-per-broker", doctor.DefaultMaxPartitionsPerBroker,
		"partition replicas one broker may hold: above it is an error, from 80% of it a warning")
	return cmd
}

func (f *doctorFlags) run(ctx context.Context, e *env) error {
	render, err := f.renderer()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if f.maxPartitions < 1 {
		return &exitError{code: ExitError, err: fmt.Errorf("--max-partitions-per-broker %d: want at least 1", f.maxPartitions)}
	}
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	// --timeout bounds connecting and the whole reading of the cluster.
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	c, err := doctor.Observe(ctx, cl)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = kconn.ReadTimedOut(cl, f.conn.Timeout, err)
		}
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	for _, u := range c.Unread {
		e.log.Warn("could not read part of the cluster", "what", u.What, "err", u.Err)
	}
	r := doctor.NewReport(c, doctor.Check(c, doctor.Options{MaxPartitionsPerBroker: f.maxPartitions}))
	if err := render(e.stdout, r); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	switch r.Worst() {
	case doctor.Error:
		return silentExit(ExitError)
	case doctor.Warn:
		return silentExit(ExitWarnings)
	}
	return nil
}

// renderer is the function -o names.
func (f *doctorFlags) renderer() (func(w io.Writer, r doctor.Report) error, error) {
	switch f.output {
	case "text":
		return doctor.RenderText, nil
	case "json":
		return doctor.RenderJSON, nil
	case "markdown", "md":
		return doctor.RenderMarkdown, nil
	}
	return nil, fmt.Errorf("-o %q: want text, json or markdown", f.output)
}
