package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/secret"
	"github.com/kgitops/kgitops/spec"
)

// clusterFlags are the flags of every command that talks to Kafka.
type clusterFlags struct {
	conn           kconn.Options
	connVars       *envflag.Set // conn's flags and variables
	inventoryName  string
	inventoryTopic string
	keyFile        string // --inventory-key-file
	trustUnsigned  bool   // --inventory-trust-unsigned
	key            secret.Value
	log            *slog.Logger
	env            *env // set by connect
	cmd            *cobra.Command
}

// envInventoryKey holds the inventory's MAC key when no
// --inventory-key-file is given.
const envInventoryKey = "KGITOPS_INVENTORY_KEY"

// minInventoryKeyLen refuses keys short enough to guess.
const minInventoryKeyLen = 16

func (f *clusterFlags) add(cmd *cobra.Command, getenv func(string) string) {
	f.connVars = kafkaVars(&f.conn)
	f.connVars.Register(cmd.Flags())
	cmd.Flags().StringVar(&f.inventoryName, "inventory-name", envOr(getenv, "KGITOPS_INVENTORY_NAME", reconcile.DefaultInventoryName),
		"name under which this repo's inventory of created resources is kept; repos sharing a cluster need different names [$KGITOPS_INVENTORY_NAME]")
	cmd.Flags().StringVar(&f.inventoryTopic, "inventory-topic", envOr(getenv, "KGITOPS_INVENTORY_TOPIC", reconcile.DefaultInventoryTopic),
		"compacted topic that holds the inventory [$KGITOPS_INVENTORY_TOPIC]")
	cmd.Flags().StringVar(&f.keyFile, "inventory-key-file", "",
		"file holding the key that signs inventory records (or set "+envInventoryKey+"); records without a valid signature are then ignored")
	cmd.Flags().BoolVar(&f.trustUnsigned, "inventory-trust-unsigned", false,
		"once, when a key is first set: trust this inventory's unsigned records; apply, adopt and run sign them")
	f.cmd = cmd
}

func (f *clusterFlags) inventory() reconcile.InventoryRef {
	return reconcile.InventoryRef{Topic: f.inventoryTopic, Name: f.inventoryName,
		Key: f.key, TrustUnsigned: f.trustUnsigned, Log: f.log}
}

// readKey reads the inventory key from --inventory-key-file, or else
// from KGITOPS_INVENTORY_KEY, without the whitespace around it. Errors
// name the source, never the key.
func (f *clusterFlags) readKey(getenv func(string) string) error {
	v, err := readSecret(getenv, envInventoryKey, f.keyFile)
	if err != nil {
		return fmt.Errorf("--inventory-key-file: %w", err)
	}
	key := strings.TrimSpace(v.Reveal())
	from := envInventoryKey
	if f.keyFile != "" {
		from = "--inventory-key-file " + f.keyFile
	}
	switch {
	case key == "" && f.keyFile != "":
		return fmt.Errorf("%s is empty", from)
	case key == "" && f.trustUnsigned:
		return fmt.Errorf("--inventory-trust-unsigned needs an inventory key: give --inventory-key-file or set %s", envInventoryKey)
	case key != "" && len(key) < minInventoryKeyLen:
		return fmt.Errorf("the inventory key in %s is shorter than %d characters: make one with `openssl rand -hex 32`", from, minInventoryKeyLen)
	}
	f.key = secret.New(key)
	return nil
}

// is says whether the command is one of names.
func (f *clusterFlags) is(names ...string) bool {
	return f.cmd != nil && slices.Contains(names, f.cmd.Name())
}

// flagOn says whether the command has the boolean flag name, set.
func (f *clusterFlags) flagOn(name string) bool {
	fl := f.cmd.Flags().Lookup(name)
	return fl != nil && fl.Value.String() == "true"
}

// writesInventory says whether the command writes the inventory: apply
// (not a dry run), adopt and export --adopt.
func (f *clusterFlags) writesInventory() bool {
	switch {
	case f.is("apply"):
		return !f.flagOn("dry-run")
	case f.is("adopt"):
		return true
	case f.is("export"):
		return f.flagOn("adopt")
	}
	return false
}

// ownPrincipal is the principal kgitops connects as, when it can tell:
// its SASL user.
func (f *clusterFlags) ownPrincipal() string {
	if f.conn.SASLMechanism == "" || f.conn.SASLUsername == "" {
		return ""
	}
	return "User:" + f.conn.SASLUsername
}

// signUnsigned, with --inventory-trust-unsigned, signs the inventory's
// unsigned records once and says which.
func (f *clusterFlags) signUnsigned(ctx context.Context, cl *kgo.Client, stderr io.Writer) error {
	keys, err := reconcile.SignInventory(ctx, cl, f.inventory())
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		fmt.Fprintf(stderr, "Signed %d inventory record(s) written without a signature (--inventory-trust-unsigned): %s. Drop --inventory-trust-unsigned from now on.\n",
			len(keys), listKeys(keys))
	}
	return nil
}

// warnInventory prints, for plan and apply, that the inventory is not
// authenticated, and which of its records were ignored or trusted.
func (f *clusterFlags) warnInventory(w io.Writer, inv reconcile.Inventory) {
	if f.key.IsZero() {
		if f.is("plan", "apply") {
			fmt.Fprintf(w, "Warning: inventory records are not authenticated: anyone who can write %s can make kgitops delete what a record names. "+
				"Sign them with --inventory-key-file or %s (see the README, What kgitops will never do).\n", f.inventoryTopic, envInventoryKey)
		}
		return
	}
	if inv.Unauthenticated == 0 {
		return
	}
	if f.trustUnsigned {
		fmt.Fprintf(w, "Warning: trusting %d inventory record(s) without a valid signature (--inventory-trust-unsigned): %s.\n",
			inv.Unauthenticated, listKeys(inv.UnauthenticatedKeys))
		return
	}
	fmt.Fprintf(w, "Warning: ignored %d inventory record(s) without a valid signature: kgitops did not write them, or wrote them before --inventory-key-file was set "+
		"(then run apply once with --inventory-trust-unsigned): %s.\n", inv.Unauthenticated, listKeys(inv.UnauthenticatedKeys))
}

// listKeys names up to ten record keys.
func listKeys(keys []string) string {
	const most = 10
	if len(keys) <= most {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:most], ", ") + fmt.Sprintf(" and %d more", len(keys)-most)
}

// warnWriters prints one warning when principals other than kgitops' own
// may write the inventory topic. It never fails the command.
func (f *clusterFlags) warnWriters(ctx context.Context, cl *kgo.Client, w io.Writer, log *slog.Logger, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if msg := inventoryWritersWarning(ctx, cl, f.inventoryTopic, f.ownPrincipal(), log); msg != "" {
		fmt.Fprintln(w, msg)
	}
}

// inventoryWritersWarning is the warning line about who may write topic,
// or "" when only kgitops may, or when the ACLs cannot be read.
func inventoryWritersWarning(ctx context.Context, cl *kgo.Client, topic, own string, log *slog.Logger) string {
	writers, err := reconcile.CheckInventoryWriters(ctx, cl, topic, own)
	switch {
	case errors.Is(err, reconcile.ErrNoAuthorizer):
		return fmt.Sprintf("Warning: the cluster has no authorizer: anyone who can connect can write %s and so make kgitops delete what a record names. "+
			"Enable an authorizer and grant ALL on it to kgitops' principal alone.", topic)
	case err != nil:
		log.Warn("could not check who can write the inventory topic", "topic", topic, "err", err)
		return ""
	case len(writers) == 0:
		return ""
	}
	self := "kgitops' own principal"
	if own != "" {
		self = own
	}
	return fmt.Sprintf("Warning: principals other than kgitops can write %s: %s. Remove the ACLs (literal, prefixed or '*') that allow them WRITE or ALL on it; only %s should.",
		topic, strings.Join(writers, ", "), self)
}

// connect checks the flags and opens a connection that is proven to work.
func (f *clusterFlags) connect(ctx context.Context, e *env) (*kgo.Client, error) {
	if msg, ok := spec.ValidTopicName(f.inventoryTopic); !ok {
		return nil, fmt.Errorf("--inventory-topic %q: %s", f.inventoryTopic, msg)
	}
	if f.inventoryName == "" || strings.ContainsAny(f.inventoryName, "/\x00") {
		return nil, fmt.Errorf("--inventory-name %q: must be non-empty and hold no '/'", f.inventoryName)
	}
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return nil, err
	}
	if err := f.readKey(e.getenv); err != nil {
		return nil, err
	}
	f.log, f.env = e.log, e
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	cl, _, err := f.conn.Connect(ctx, e.log)
	if err != nil {
		return nil, err
	}
	e.log.Info("connected", "cluster", f.conn.String())
	if f.trustUnsigned && f.writesInventory() {
		if err := f.signUnsigned(ctx, cl, e.stderr); err != nil {
			cl.Close()
			return nil, kconn.Explain(err)
		}
	}
	return cl, nil
}

// observe reads the live cluster within the timeout. For plan and
// apply, it then warns about the inventory's authentication and about
// who else may write its topic (on stderr; never an error).
func (f *clusterFlags) observe(ctx context.Context, cl *kgo.Client, opts reconcile.ObserveOptions) (*reconcile.Live, error) {
	octx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	opts.Inventory = f.inventory()
	live, err := reconcile.Observe(octx, cl, opts)
	return f.observed(ctx, cl, live, err)
}

// observed explains Observe's error, or gives the warnings of a read.
func (f *clusterFlags) observed(ctx context.Context, cl *kgo.Client, live *reconcile.Live, err error) (*reconcile.Live, error) {
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, kconn.ReadTimedOut(cl, f.conn.Timeout, err)
		}
		return nil, kconn.Explain(err)
	}
	if e := f.env; e != nil {
		f.warnInventory(e.stderr, live.Inventory)
		if f.is("plan", "apply") {
			f.warnWriters(ctx, cl, e.stderr, e.log, f.conn.Timeout)
		}
	}
	return live, nil
}

// early is a connection and the first wave of Observe (what does not
// depend on the repo: metadata, topic configs, inventory), begun while
// the repo is still being read, so that a plan's wall time is not the
// load's plus the cluster's. It reads only: a repo that does not load
// drops it, and its errors are never shown.
type early struct {
	f      *clusterFlags
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	cl     *kgo.Client
	obs    *reconcile.Observation
	err    error
	open   atomic.Bool // its log lines pass
}

// gatedHandler passes records to h while open holds.
type gatedHandler struct {
	h    slog.Handler
	open *atomic.Bool
}

func (g gatedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return g.open.Load() && g.h.Enabled(ctx, l)
}

func (g gatedHandler) Handle(ctx context.Context, r slog.Record) error {
	if !g.open.Load() {
		return nil
	}
	return g.h.Handle(ctx, r)
}

func (g gatedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return gatedHandler{h: g.h.WithAttrs(as), open: g.open}
}

func (g gatedHandler) WithGroup(name string) slog.Handler {
	return gatedHandler{h: g.h.WithGroup(name), open: g.open}
}

// beginEarly connects and starts reading. With --trust-unsigned, a
// connection signs the inventory's records (a write), so it waits for the
// repo: nil, and the caller connects afterwards.
func (f *clusterFlags) beginEarly(ctx context.Context, e *env, opts reconcile.ObserveOptions) *early {
	if f.trustUnsigned {
		return nil
	}
	x := &early{f: f, done: make(chan struct{})}
	x.open.Store(true)
	x.ctx, x.cancel = context.WithTimeout(ctx, f.conn.Timeout)
	// Its client logs through a gate that drop closes: a read given up
	// never prints (franz-go logs a cancelled dial, even after Close).
	ee := *e
	ee.log = slog.New(gatedHandler{h: e.log.Handler(), open: &x.open})
	go func() {
		defer close(x.done)
		x.cl, x.err = f.connect(x.ctx, &ee)
		if x.err == nil {
			opts.Inventory = f.inventory()
			x.obs = reconcile.BeginObserve(x.ctx, x.cl, opts)
		}
	}()
	return x
}

// drop abandons the early read: the repo did not load, or a flag is
// wrong.
func (x *early) drop() {
	if x == nil {
		return
	}
	x.open.Store(false)
	x.cancel() // a connection under way gives up at once
	<-x.done
	if x.cl != nil {
		x.cl.Close()
	}
}

// finish waits for the connection and completes the read for desired.
func (x *early) finish(ctx context.Context, desired *spec.State, backends map[string]any, passwords map[string]reconcile.Secret) (*kgo.Client, *reconcile.Live, error) {
	defer x.cancel()
	<-x.done
	if x.err != nil {
		return nil, nil, x.err
	}
	live, err := x.obs.Finish(desired, backends, passwords)
	live, err = x.f.observed(ctx, x.cl, live, err)
	if err != nil {
		x.cl.Close()
		return nil, nil, err
	}
	return x.cl, live, nil
}

// readPasswords reads every declared User's password, and every
// BrokerConfig's sensitive value, from the environment variable or the
// file under secrets its passwordFrom or valueFrom names, before any
// connection is made. Errors name the source, never a password; all of
// them are printed, and nothing is applied.
func (e *env) readPasswords(dir string, st *spec.State, secrets spec.SecretsDir) (passwords, brokerSecrets map[string]reconcile.Secret, err error) {
	passwords, brokerSecrets, errs := secretsOf(dir, st, e.getenv, secrets)
	for _, err := range errs {
		fmt.Fprintln(e.stderr, err)
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%d password(s) could not be read; nothing was applied", len(errs))
	}
	return passwords, brokerSecrets, nil
}

// passwordsOf reads every declared user's password, files from under
// secrets only; each error starts with the User's file:line, the file
// under dir.
func passwordsOf(dir string, st *spec.State, getenv func(string) string, secrets spec.SecretsDir) (map[string]reconcile.Secret, []error) {
	out := make(map[string]reconcile.Secret, len(st.Users))
	var errs []error
	for _, u := range st.Users {
		if spec.MarkedForDeletion(u.Annotations) {
			continue // its credentials are removed, not set
		}
		pw, err := u.ReadPassword(getenv, secrets.ReadFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.Pos.Under(dir), err))
			continue
		}
		out[u.Name] = reconcile.NewSecret(pw)
	}
	return out, errs
}

// loadDir loads the repo. When it does not load, it prints every problem
// to stderr, one line each, naming each file as the user would open it
// (relative to where they ran kgitops), and returns a one-line summary.
// When it loads, it logs every skipped file at debug level, and warns on
// stderr about each one that looks like a renamed manifest: its resources
// are not declared any more.
func (e *env) loadDir(dir string) (*spec.State, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	st, err := spec.Load(dir)
	if err == nil {
		for _, s := range st.Skipped {
			p := spec.Pos{File: s.Path}.Under(dir).File
			e.log.Debug("skipped a file", "file", p, "reason", s.Reason)
			if s.LooksRenamed {
				fmt.Fprintf(e.stderr, "Warning: skipped %s: %s\n", p, s.Reason)
			}
		}
		return st, nil
	}
	var errs spec.Errors
	if !errors.As(err, &errs) {
		return nil, err
	}
	for _, pe := range errs.Rebase(dir) {
		fmt.Fprintln(e.stderr, pe.Error())
	}
	return nil, fmt.Errorf("%d problem(s) found in %s; nothing was applied", len(errs), dir)
}

// checkDir says, naming it as it was given, why the --dir dir is not a
// folder to load.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("--dir %s: no such directory", dir)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--dir %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("--dir %s: not a directory (give the folder that holds the YAML files)", dir)
	}
	return nil
}
