package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/payload"
	"github.com/kgitops/kgitops/produce"
)

type produceFlags struct {
	conn        kconn.Options
	connVars    *envflag.Set
	reg         registryFlags
	format      string
	key, value  string
	keySchema   string
	valueSchema string
	keyMessage  string // --key-message: the Protobuf message of --key-schema
	keyGiven    bool   // --key was given, maybe empty
	valueMsg    string // --value-message
	acks        string
	compression string
	output      string
	input       string
}

func newProduce(e *env) *cobra.Command {
	var f produceFlags
	cmd := &cobra.Command{
		Use:   "produce TOPIC [--format text|json] [--key K --value V] [--value-schema SUBJECT[:VERSION]] [--acks all|1|0] [--compression C]",
		Short: "Write records to a topic from stdin, or one from --key/--value",
		Long: `produce writes records to a topic and prints the partition and offset of each.

It reads stdin, one record a line: KEY<TAB>VALUE, or a line without a TAB as a value with a null
key. With --format json each line is {"key":..,"value":..,"headers":{..},"partition":N}, every
field optional; a string key or value is written as its text, any other JSON as its JSON. With
--value (and --key) it writes that one record instead.

--value-schema SUBJECT[:VERSION] (and --key-schema) encodes JSON input with that registered schema
in the Confluent wire format (--schema-registry), Avro, Protobuf (the schema's first message) or
JSON Schema, and refuses input that does not match, naming its line and field. It stops at the
first such line; the lines before it are written.

With --acks 0 the brokers acknowledge nothing, so produce cannot print offsets.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.keyGiven = cmd.Flags().Changed("key") // --key "" is an empty key, not a null one
			one := cmd.Flags().Changed("value") || f.keyGiven
			return f.run(cmd.Context(), e, args[0], one)
		},
	}
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	f.reg.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "input format: text (KEY<TAB>VALUE lines) or json (JSON lines)")
	fl.StringVar(&f.key, "key", "", "the key of the one record to write (instead of stdin)")
	fl.StringVar(&f.value, "value", "", "the value of the one record to write (instead of stdin)")
	fl.StringVar(&f.keySchema, "key-schema", "", "encode keys with this registered schema, SUBJECT[:VERSION] (default version: latest)")
	fl.StringVar(&f.valueSchema, "value-schema", "", "encode values with this registered schema, SUBJECT[:VERSION] (default version: latest)")
	fl.StringVar(&f.keyMessage, "key-message", "", "with a Protobuf --key-schema: the message to encode (default: the schema's first)")
	fl.StringVar(&f.valueMsg, "value-message", "", "with a Protobuf --value-schema: the message to encode, such as shop.Order (default: the schema's first)")
	fl.StringVar(&f.acks, "acks", "all", "acknowledgements to wait for: all, 1 (the leader) or 0 (none: no offsets to print)")
	fl.StringVar(&f.compression, "compression", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json (an object per record)")
	fl.StringVarP(&f.input, "input", "i", "-", "file to read records from; - is stdin")
	return cmd
}

// clientOpts turns --acks and --compression into producer options.
func (f *produceFlags) clientOpts() ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.RecordPartitioner(produce.Partitioner())}
	switch f.acks {
	case "all", "-1":
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, fmt.Errorf("--acks %q: want all, 1 or 0", f.acks)
	}
	var c kgo.CompressionCodec
	switch strings.ToLower(f.compression) {
	case "none", "":
		c = kgo.NoCompression()
	case "gzip":
		c = kgo.GzipCompression()
	case "snappy":
		c = kgo.SnappyCompression()
	case "lz4":
		c = kgo.Lz4Compression()
	case "zstd":
		c = kgo.ZstdCompression()
	default:
		return nil, fmt.Errorf("--compression %q: want none, gzip, snappy, lz4 or zstd", f.compression)
	}
	return append(opts, kgo.ProducerBatchCompression(c)), nil
}

// codec looks up the schemas the flags name.
func (f *produceFlags) codec(ctx context.Context, e *env) (produce.Codec, error) {
	c := produce.Codec{Format: f.format}
	if f.format != produce.FormatText && f.format != produce.FormatJSON {
		return c, fmt.Errorf("--format %q: want text or json", f.format)
	}
	if f.keyMessage != "" && f.keySchema == "" {
		return c, fmt.Errorf("--key-message needs --key-schema")
	}
	if f.valueMsg != "" && f.valueSchema == "" {
		return c, fmt.Errorf("--value-message needs --value-schema")
	}
	if f.keySchema == "" && f.valueSchema == "" {
		return c, nil
	}
	reg, err := f.reg.registry(e.getenv)
	if err != nil {
		return c, err
	}
	if reg == nil {
		return c, fmt.Errorf("--key-schema and --value-schema need --schema-registry (or %s)", envRegistryURL)
	}
	for _, s := range []struct {
		flag, val, message string
		enc                **payload.Encoder
	}{{"--key-schema", f.keySchema, f.keyMessage, &c.Key}, {"--value-schema", f.valueSchema, f.valueMsg, &c.Value}} {
		if s.val == "" {
			continue
		}
		subject, version, err := payload.ParseSubject(s.val)
		if err != nil {
			return c, fmt.Errorf("%s %w", s.flag, err)
		}
		enc, err := payload.NewEncoder(ctx, reg, subject, version)
		if err != nil {
			return c, fmt.Errorf("%s: %w", s.flag, err)
		}
		if s.message != "" {
			if err := enc.UseMessage(s.message); err != nil {
				return c, fmt.Errorf("%s: %w", strings.Replace(s.flag, "-schema", "-message", 1), err)
			}
		}
		*s.enc = enc
	}
	return c, nil
}

func (f *produceFlags) run(ctx context.Context, e *env, topic string, one bool) error {
	fail := func(err error) error { return &exitError{code: ExitError, err: err} }
	if f.output != "text" && f.output != "json" {
		return fail(fmt.Errorf("-o %q: want text or json", f.output))
	}
	opts, err := f.clientOpts()
	if err != nil {
		return fail(err)
	}
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return fail(err)
	}
	if len(f.conn.Bootstrap) == 0 {
		return fail(errors.New("produce needs --bootstrap-servers (or KGITOPS_BOOTSTRAP_SERVERS)"))
	}
	// --timeout bounds connecting, the schema lookups and each record's
	// delivery, not the run: input may take as long as it takes to come.
	opts = append(opts, kgo.RecordDeliveryTimeout(f.conn.Timeout))
	setup, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	c, err := f.codec(setup, e)
	if err != nil {
		return fail(err)
	}
	var in io.Reader = os.Stdin
	if one {
		if f.format == produce.FormatJSON {
			return fail(errors.New("--key and --value write one record as given; leave out --format json"))
		}
		line := f.value
		if f.keyGiven {
			line = f.key + "\t" + f.value
		}
		if strings.ContainsAny(f.value, "\n") || strings.Contains(f.key, "\t") {
			return fail(errors.New("--key may not hold a TAB and --value may not hold a newline; write such records from stdin with --format json"))
		}
		in = strings.NewReader(line + "\n")
	} else if f.input != "-" {
		file, err := openInput(ctx, f.input)
		if err != nil {
			return fail(fmt.Errorf("--input: %w", err))
		}
		defer file.Close()
		in = file
	}

	cl, _, err := f.conn.ConnectWith(setup, e.log, opts...)
	if err != nil {
		return fail(err)
	}
	defer cl.Close()

	noAcks := f.acks == "0"
	if noAcks {
		fmt.Fprintln(e.stderr, "produce: --acks 0: the brokers acknowledge nothing, so there are no offsets to print")
	}
	var out bytes.Buffer
	failed := false
	err = produce.Lines(ctx, cl, topic, c, in, func(r produce.Result) {
		out.Reset()
		switch {
		case r.Err != nil:
			failed = true
			fmt.Fprintf(e.stderr, "Error: %s\n", kconn.Explain(r.Err))
			return
		case noAcks:
			r.Offset = -1
		}
		if f.output == "json" {
			b, _ := json.Marshal(r)
			out.Write(append(b, '\n'))
		} else if noAcks {
			fmt.Fprintf(&out, "line %d: partition %d\n", r.Line, r.Partition)
		} else {
			fmt.Fprintf(&out, "line %d: partition %d offset %d\n", r.Line, r.Partition, r.Offset)
		}
		_, _ = e.stdout.Write(out.Bytes())
	})
	if err != nil {
		if _, printed := errors.AsType[*produce.RecordsError](err); printed && failed {
			return silentExit(ExitError) // each failed record is printed above
		}
		return fail(kconn.Explain(err))
	}
	return nil
}

// openInput opens --input, which may be a named pipe (<(cmd) too): its
// open waits for a writer, and Ctrl-C must still stop produce meanwhile.
func openInput(ctx context.Context, name string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() { // close it if it ever opens
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s: %w", name, context.Cause(ctx))
	}
}
