package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/inspect"
)

func newOffsets(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "offsets reset GROUP --topic T --to earliest|latest|OFFSET|TIME|-N",
		Short: "Reset a consumer group's committed offsets",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newOffsetsReset(e))
	return cmd
}

type offsetsResetFlags struct {
	inspectFlags
	topic      string
	to         string
	partitions []int32
	execute    bool
}

func newOffsetsReset(e *env) *cobra.Command {
	var f offsetsResetFlags
	cmd := &cobra.Command{
		Use:   "reset GROUP --topic T --to earliest|latest|OFFSET|TIME|-N [--partition P,...] [--execute] --bootstrap-servers HOST:PORT[,...] [-o text|json]",
		Short: "Move a consumer group's committed offsets on a topic (a dry run without --execute)",
		Long: `offsets reset moves the committed offsets of GROUP on topic --topic to --to:
  earliest   the log start offset of each partition
  latest     the log end offset of each partition
  OFFSET     that offset on every partition (within the log start and end offsets)
  TIME       the first offset at or after an RFC 3339 time, such as 2025-01-31T12:00:00Z
             (the end when no record is that recent)
  -N         N records before the end of each partition, not below the log start

Without --execute it is a dry run: it prints the old and the new offset of each partition and
commits nothing. --execute commits them. It refuses a group with active members: their next
commit would overwrite the new offsets, so stop them first. --partition restricts the reset.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), e, args[0])
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.topic, "topic", "", "topic whose offsets to reset (required)")
	cmd.Flags().StringVar(&f.to, "to", "", "earliest, latest, OFFSET, TIME (RFC 3339) or -N (required)")
	cmd.Flags().Int32SliceVar(&f.partitions, "partition", nil, "reset only these partitions (default: all)")
	cmd.Flags().BoolVar(&f.execute, "execute", false, "commit the new offsets (default: a dry run)")
	return cmd
}

func (f *offsetsResetFlags) run(ctx context.Context, e *env, group string) error {
	if f.topic == "" {
		return &exitError{code: ExitError, err: errors.New("--topic is required: name the topic whose offsets to reset")}
	}
	if f.to == "" {
		return &exitError{code: ExitError, err: errors.New("--to is required: earliest, latest, OFFSET, TIME (RFC 3339) or -N")}
	}
	target, err := inspect.ParseTarget(f.to)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := f.check(e); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, adm, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	r, g, err := inspect.ObserveReset(ctx, cl, group, f.topic, target, f.partitions)
	if err != nil {
		return f.fail(err, inspect.Need{Op: "DESCRIBE", Resource: "group", Name: group}, inspect.Need{Op: "DESCRIBE", Resource: "topic", Name: f.topic})
	}
	if err := inspect.CheckInactive(g); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if f.execute {
		if err := inspect.CommitReset(ctx, adm, &r); err != nil {
			// Show which partitions failed before the error.
			_ = renderInspect(&f.inspectFlags, e.stdout, r, inspect.RenderReset)
			return f.fail(err, inspect.Need{Op: "READ", Resource: "group", Name: group}, inspect.Need{Op: "READ", Resource: "topic", Name: f.topic})
		}
	}
	return renderInspect(&f.inspectFlags, e.stdout, r, inspect.RenderReset)
}
