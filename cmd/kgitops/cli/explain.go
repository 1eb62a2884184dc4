package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/explain"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/spec"
)

type explainFlags struct {
	conn     kconn.Options
	connVars *envflag.Set
	dir      string
	output   string
}

func newExplain(e *env) *cobra.Command {
	var f explainFlags
	cmd := &cobra.Command{
		Use:   "explain TOPIC [--dir D] [--bootstrap-servers HOST:PORT[,...]] [-o text|json]",
		Short: "Show every effective config of a topic and where it comes from",
		Long: `explain shows, for every config of a topic, its effective value and where it comes from:
the topic itself, its profile, a dynamic broker or cluster default, a static broker setting
(server.properties) or Kafka's default. It flags values that are unusual for the topic's
profile, and values that conflict with the brokers' or the clients' settings.

Offline (no --bootstrap-servers), it explains the topic as the repo in --dir declares it, over
Kafka's defaults. With --bootstrap-servers it reads the topic from the cluster, and compares it
with the repo's when the repo declares it. It changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), e, args[0])
		},
	}
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVar(&f.dir, "dir", ".", "folder holding the desired state (*.yaml, *.yml, recursively)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	return cmd
}

func (f *explainFlags) run(ctx context.Context, e *env, topic string) error {
	var render func(io.Writer, explain.Explanation) error
	switch f.output {
	case "text":
		render = explain.RenderText
	case "json":
		render = explain.RenderJSON
	default:
		return &exitError{code: ExitError, err: fmt.Errorf("-o %q: want text or json", f.output)}
	}
	if err := f.connVars.Fill(e.getenv); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	live := len(f.conn.Bootstrap) > 0

	// The repo is required offline; live, it is read when there is one.
	var st *spec.State
	if err := checkDir(f.dir); err == nil || !live {
		s, err := e.loadDir(f.dir)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		st = s
	}
	var repo *spec.Topic
	if st != nil {
		if t, ok := st.Topic(topic); ok {
			repo = &t
		}
	}
	if !live {
		if repo == nil {
			return &exitError{code: ExitError, err: fmt.Errorf("%s declares no topic %q; give --bootstrap-servers to explain a topic of the cluster", f.dir, topic)}
		}
		return f.finish(e, render, explain.Offline(*repo, st, f.dir))
	}

	if err := f.conn.Complete(); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	lt, err := explain.Observe(ctx, cl, topic)
	if err != nil {
		if errors.Is(err, explain.ErrNoTopic) && repo != nil {
			err = fmt.Errorf("%w; the repo declares it at %s: apply creates it (explain it offline without --bootstrap-servers)", err, repo.Pos.Under(f.dir))
		}
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	return f.finish(e, render, explain.Live(lt, repo, st, f.dir))
}

// finish renders the explanation; a flag of severity error exits 1.
func (f *explainFlags) finish(e *env, render func(io.Writer, explain.Explanation) error, x explain.Explanation) error {
	if err := render(e.stdout, x); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	for _, fl := range x.Flags {
		if fl.Severity == spec.SeverityError {
			return silentExit(ExitError)
		}
	}
	return nil
}
