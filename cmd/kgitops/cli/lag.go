package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/inspect"
)

type lagFlags struct {
	inspectFlags
	watch    bool
	interval time.Duration
	minLag   int64
	partial  bool // a read left out some groups: exit 1 after showing the others
}

func newLag(e *env) *cobra.Command {
	var f lagFlags
	cmd := &cobra.Command{
		Use:   "lag [GROUP...] --bootstrap-servers HOST:PORT[,...] [--watch [--interval 2s]] [--min-lag N] [-o text|json]",
		Short: "Show consumer groups' lag per topic, in total and by partition",
		Long: `lag shows, for each consumer group (every classic and KIP-848 group without GROUP) and each
topic it commits offsets for or is assigned, the lag in total and by partition: the log end
offset minus the committed offset. A partition without a committed offset counts from its log
start offset. --min-lag N shows only the topics whose lag is at least N.

With --watch it reads again every --interval: on a terminal it redraws in place, otherwise it
prints a new block each time (one JSON document per line-separated block with -o json). It stops
on Ctrl-C. It changes nothing.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), e, args)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.watch, "watch", false, "read again every --interval until interrupted")
	cmd.Flags().DurationVar(&f.interval, "interval", 2*time.Second, "how often --watch reads")
	cmd.Flags().Int64Var(&f.minLag, "min-lag", 0, "show only the topics of a group whose lag is at least N")
	return cmd
}

func (f *lagFlags) run(ctx context.Context, e *env, groups []string) error {
	if err := f.check(e); err != nil {
		return err
	}
	if f.interval <= 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("--interval %s: want a positive duration such as 2s", f.interval)}
	}
	if f.minLag < 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("--min-lag %d: want 0 or more", f.minLag)}
	}
	cctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	cl, adm, err := f.conn.Connect(cctx, e.log)
	cancel()
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()

	// read is one observation, bounded by --timeout.
	read := func() ([]inspect.GroupLag, error) {
		ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
		defer cancel()
		gs, err := inspect.ObserveGroups(ctx, cl, groups...)
		var partial *inspect.PartialError
		if errors.As(err, &partial) {
			// The groups that could be read are shown; the others named.
			fmt.Fprintf(e.stderr, "Warning: %v\n", err)
			f.partial, err = true, nil
		}
		if err != nil {
			var needs []inspect.Need
			for _, g := range groups {
				needs = append(needs, inspect.Need{Op: "DESCRIBE", Resource: "group", Name: g})
			}
			return nil, f.fail(err, needs...)
		}
		var topics []string
		for _, g := range gs {
			topics = append(topics, g.Topics()...)
		}
		b, err := inspect.ObserveBounds(ctx, adm, inspectUniq(topics)...)
		if err != nil {
			return nil, f.fail(err)
		}
		lags := make([]inspect.GroupLag, 0, len(gs))
		for _, g := range gs {
			lags = append(lags, inspect.Lags(g, b))
		}
		return inspect.MinLag(lags, f.minLag), nil
	}

	if !f.watch {
		lags, err := read()
		if err != nil {
			return err
		}
		if err := renderInspect(&f.inspectFlags, e.stdout, lags, inspect.RenderLags); err != nil {
			return err
		}
		if f.partial {
			return silentExit(ExitError) // some groups were left out, and named
		}
		return nil
	}
	tty := inspectIsTTY(e.stdout)
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		lags, err := read()
		if ctx.Err() != nil {
			return nil // interrupted
		}
		switch {
		case err != nil && inspect.IsDenied(err):
			return err // a missing permission does not come back by itself
		case err != nil:
			// A rolling restart moves coordinators and leaders, just when
			// lag is worth watching: say so, and read again at the next tick.
			fmt.Fprintf(e.stderr, "%s: %v (reading again in %s)\n", time.Now().Format(time.TimeOnly), err, f.interval)
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
			continue
		}
		if tty && f.output == "text" {
			fmt.Fprint(e.stdout, "\x1b[H\x1b[2J") // home, then clear the screen
		}
		if f.output == "text" {
			fmt.Fprintf(e.stdout, "%s, every %s\n", time.Now().Format(time.TimeOnly), f.interval)
		}
		if err := renderInspect(&f.inspectFlags, e.stdout, lags, inspect.RenderLags); err != nil {
			return err
		}
		if !tty && f.output == "text" {
			fmt.Fprintln(e.stdout)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// inspectIsTTY reports whether w is a terminal (a character device).
func inspectIsTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func inspectUniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
