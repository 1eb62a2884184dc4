package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/access"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/payload"
	"github.com/kgitops/kgitops/spec"
	"github.com/kgitops/kgitops/tail"
)

type tailFlags struct {
	conn       kconn.Options
	connVars   *envflag.Set
	reg        registryFlags
	from       string
	partitions []string
	limit      int
	follow     bool
	grep       string
	where      []string
	output     string
	isolation  string
}

func newTail(e *env) *cobra.Command {
	var f tailFlags
	cmd := &cobra.Command{
		Use:   "tail TOPIC [--from beginning|end|OFFSET|TIME|-N] [--follow] [--partition N] [--limit N] [--grep RE] [--where PATH=VALUE] [-o text|json]",
		Short: "Print a topic's records, decoded, from where you ask",
		Long: `tail prints a topic's records: partition, offset, timestamp, key, headers and value.

It seeks straight to --from in each partition (ListOffsets; it never reads the log up to there):
beginning, end, an offset, -N for the last N records of each partition, or an RFC 3339 time for
the first record at or after it. Without --from it starts at the beginning, or at the end when
following (as kcat -C and kafka-console-consumer do).

--follow waits for new records until interrupted; it is on when stdout is a terminal. Otherwise
tail stops once every partition reaches the end offset it had when tail started.

Values in the Confluent wire format are decoded with the schema registry (--schema-registry):
Avro, Protobuf and JSON Schema. Anything else shows as JSON when it parses, UTF-8 text, or hex.

tail joins no consumer group and commits no offset.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("follow") {
				f.follow = isTerminal(e.stdout)
			}
			return f.run(cmd.Context(), e, args[0])
		},
	}
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	f.reg.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "where to start in each partition: beginning, end, OFFSET, -N (the last N records) or an RFC 3339 time (default: end with --follow, else beginning)")
	fl.StringSliceVarP(&f.partitions, "partition", "p", nil, "partitions to read, repeated or comma-separated (default: all)")
	fl.IntVarP(&f.limit, "limit", "n", 0, "stop after printing this many records (default: no limit)")
	fl.StringVar(&f.isolation, "isolation", "read_uncommitted", "read_uncommitted: every record, aborted transactions' too (as kcat); read_committed: what a read_committed consumer sees")
	fl.BoolVarP(&f.follow, "follow", "f", false, "keep printing new records until interrupted (default: on when stdout is a terminal)")
	fl.StringVar(&f.grep, "grep", "", "print only records whose decoded key or value matches this regular expression")
	fl.StringArrayVar(&f.where, "where", nil, "print only records whose JSON value has PATH (dotted: user.id) equal to VALUE; repeat for AND")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text (a block per record) or json (an object per line)")
	return cmd
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (f *tailFlags) options(e *env) (tail.Options, error) {
	o := tail.Options{Limit: f.limit, Follow: f.follow}
	switch f.isolation {
	case "read_uncommitted":
	case "read_committed":
		o.Committed = true
	default:
		return o, fmt.Errorf("--isolation %q: want read_uncommitted or read_committed", f.isolation)
	}
	switch f.output {
	case "text":
		o.Write = tail.WriteText
		if isTerminal(e.stdout) {
			o.Write = tail.WritePretty // JSON indented and colored
		}
	case "json":
		o.Write = tail.WriteJSON
	default:
		return o, fmt.Errorf("-o %q: want text or json", f.output)
	}
	o.From = tail.Beginning
	if f.follow {
		o.From = tail.End
	}
	if f.from != "" {
		from, err := tail.ParseFrom(f.from)
		if err != nil {
			return o, err
		}
		o.From = from
	}
	for _, p := range f.partitions {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		if err != nil || n < 0 {
			return o, fmt.Errorf("--partition %q: want a partition number (0, 1, ...)", p)
		}
		o.Partitions = append(o.Partitions, int32(n))
	}
	if f.limit < 0 {
		return o, fmt.Errorf("--limit %d: want 0 (no limit) or more", f.limit)
	}
	filter, err := tail.NewFilter(f.grep, f.where)
	if err != nil {
		return o, err
	}
	o.Filter = filter
	reg, err := f.reg.registry(e.getenv)
	if err != nil {
		return o, err
	}
	o.Decoder = payload.NewDecoder(reg)
	return o, nil
}

func (f *tailFlags) run(ctx context.Context, e *env, topic string) error {
	o, err := f.options(e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	o.Topic = topic
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if len(f.conn.Bootstrap) == 0 {
		return &exitError{code: ExitError, err: errors.New("tail needs --bootstrap-servers (or KGITOPS_BOOTSTRAP_SERVERS)")}
	}
	copts := tail.ClientOpts()
	if o.Committed {
		copts = append(copts, tail.CommittedOpt())
	}
	cl, _, err := f.conn.ConnectWith(ctx, e.log, copts...)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer cl.Close()
	if !o.Follow {
		// Without --follow, the timeout bounds the whole command.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.conn.Timeout)
		defer cancel()
	}
	if _, err := tail.Run(ctx, cl, o, e.stdout); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("tail %q: not at the end after --timeout %s: %w", topic, f.conn.Timeout, err)
		}
		// A denied read names what grants it (access.Explain).
		if denied := access.Explain(err, connPrincipal(f.conn), "READ", access.Resource{Type: spec.ResourceTopic, Name: topic}, nil); denied != err {
			return &exitError{code: ExitError, err: denied}
		}
		return &exitError{code: ExitError, err: kconn.Explain(err)}
	}
	return nil
}
