package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/explain"
	"github.com/kgitops/kgitops/inspect"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/spec"
)

// inspectFlags are the flags of the commands that read topics and groups
// (describe, lag, offsets): the connection flags and -o.
type inspectFlags struct {
	conn     kconn.Options
	connVars *envflag.Set
	output   string
}

func (f *inspectFlags) register(cmd *cobra.Command) {
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
}

// check checks -o and completes the connection options.
func (f *inspectFlags) check(e *env) error {
	if f.output != "text" && f.output != "json" {
		return &exitError{code: ExitError, err: fmt.Errorf("-o %q: want text or json", f.output)}
	}
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

// principal is who the client logs in as, for permission errors.
func (f *inspectFlags) principal() string { return connPrincipal(f.conn) }

// connPrincipal is who a client of conn logs in as, for permission
// errors: User:NAME with SASL, else "the connected principal".
func connPrincipal(conn kconn.Options) string {
	if conn.SASLMechanism != "" {
		return "User:" + conn.SASLUsername
	}
	return "the connected principal"
}

// fail turns an error of reading or changing the cluster into exit 1,
// naming a missing permission when it is one.
func (f *inspectFlags) fail(err error, needs ...inspect.Need) error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("the cluster did not answer within --timeout %s: %w", f.conn.Timeout, err)
	}
	if d := inspect.Denied(err, f.principal(), needs...); inspect.IsDenied(d) {
		return &exitError{code: ExitError, err: d}
	}
	return &exitError{code: ExitError, err: kconn.Explain(err)}
}

// renderInspect writes v as JSON, or as text with text.
func renderInspect[T any](f *inspectFlags, w io.Writer, v T, text func(io.Writer, T) error) error {
	var err error
	if f.output == "json" {
		err = inspect.RenderJSON(w, v)
	} else {
		err = text(w, v)
	}
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	return nil
}

func newDescribe(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "describe topic|group NAME",
		Short: "Show a topic's partitions, configs and readers, or a group's members and offsets",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDescribeTopic(e), newDescribeGroup(e))
	return cmd
}

type describeTopicFlags struct {
	inspectFlags
	dir string
}

func newDescribeTopic(e *env) *cobra.Command {
	var f describeTopicFlags
	cmd := &cobra.Command{
		Use:   "topic NAME --bootstrap-servers HOST:PORT[,...] [--dir D] [-o text|json]",
		Short: "Show a topic's partitions, offsets, configs, drift from the repo and consumer groups",
		Long: `describe topic shows every partition of a topic with its leader, replicas, in-sync replicas
and log start and end offsets, flagging under-replicated and offline partitions; every effective
config with where it comes from (as explain shows it); with --dir, whether the repo declares the
topic and what drifted (what apply would change); and the consumer groups reading it, with their
lag. It changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), e, args[0])
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.dir, "dir", "", "folder holding the desired state, to compare the topic with (default: no comparison)")
	return cmd
}

func (f *describeTopicFlags) run(ctx context.Context, e *env, topic string) error {
	if err := f.check(e); err != nil {
		return err
	}
	var st *spec.State
	if f.dir != "" {
		s, err := e.loadDir(f.dir)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		st = s
	}
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	obs, err := inspect.ObserveTopic(ctx, cl, topic)
	if err != nil {
		if errors.Is(err, inspect.ErrNoTopic) || errors.Is(err, explain.ErrNoTopic) {
			return &exitError{code: ExitError, err: err}
		}
		return f.fail(err, inspect.Need{Op: "DESCRIBE", Resource: "topic", Name: topic})
	}
	if obs.GroupsErr != nil {
		obs.GroupsErr = inspect.Denied(obs.GroupsErr, f.principal(), inspect.Need{Op: "DESCRIBE", Resource: "group", Name: "(the groups)"})
	}
	return renderInspect(&f.inspectFlags, e.stdout, inspect.DescribeTopic(obs, st, f.dir), inspect.RenderTopic)
}

func newDescribeGroup(e *env) *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "group NAME --bootstrap-servers HOST:PORT[,...] [-o text|json]",
		Short: "Show a consumer group's state, members, assignments, committed offsets and lag",
		Long: `describe group shows a consumer group, classic or KIP-848: its state, protocol (assignor)
and members (client id and host) with their assignments, and per partition the committed offset,
the end offset and the lag. It changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDescribeGroup(cmd.Context(), e, &f, args[0])
		},
	}
	f.register(cmd)
	return cmd
}

func runDescribeGroup(ctx context.Context, e *env, f *inspectFlags, group string) error {
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
	gs, err := inspect.ObserveGroups(ctx, cl, group)
	if err != nil {
		return f.fail(err, inspect.Need{Op: "DESCRIBE", Resource: "group", Name: group})
	}
	g := gs[0]
	b, err := inspect.ObserveBounds(ctx, adm, g.Topics()...)
	if err != nil {
		return f.fail(err)
	}
	return renderInspect(f, e.stdout, inspect.DescribeGroup(g, b), inspect.RenderGroup)
}
