package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/internal/daemon"
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/secret"
	"github.com/kgitops/kgitops/spec"
)

// runFlags are the flags of kgitops run.
type runFlags struct {
	clusterFlags
	git               gitsync.Options
	gitVars           *envflag.Set // git's flags and variables
	path, dir         string
	interval          time.Duration
	passTimeout       time.Duration
	mode              string
	allowDelete       bool
	allowHard         bool // --allow-hard-delete
	reg               registryFlags
	allowEmpty        bool
	selector          string
	maxDeletes        int
	maxPartitions     int // --max-partitions-per-broker
	reassign          reassignFlags
	explicitInv       func() bool
	ignoreConfigs     []string
	listen            string
	webhookSecretFile string
	triggerTokenFile  string
	allowAnyTrigger   bool
	secretsDir        string
	auditTopic        string
	leaderElection    bool
	leaderTopic       string
	leaderSession     time.Duration
}

func newRun(e *env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Reconcile continuously from a git repo (or a folder): apply or detect drift, serve status and metrics",
		Long: `run pulls the repo, plans against the cluster and, in apply mode, applies, on every
pass, so that out-of-band drift is caught and reverted. It serves /healthz, /readyz,
/status, /metrics and a status page on --listen (loopback only unless told otherwise).
SIGHUP, POST /reconcile (with the bearer token of --trigger-token-file) or a push
webhook start a pass early; SIGTERM finishes cleanly and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runDaemon(cmd, e, &f); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return nil
		},
	}
	f.clusterFlags.add(cmd, e.getenv)
	f.gitVars = gitVars(&f.git)
	f.gitVars.Register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&f.path, "path", envOr(e.getenv, "KGITOPS_GIT_PATH", "."), "folder of the repo that holds the desired state [$KGITOPS_GIT_PATH]")
	fl.StringVar(&f.dir, "dir", "", "reconcile a plain local folder instead of a git repo")
	fl.DurationVar(&f.interval, "interval", time.Minute, "time between passes after a success (plus up to 10% jitter)")
	fl.DurationVar(&f.passTimeout, "pass-timeout", 5*time.Minute, "bound on one pass")
	fl.StringVar(&f.mode, "mode", envOr(e.getenv, "KGITOPS_MODE", "apply"), "apply: revert drift and apply commits; detect: only report [$KGITOPS_MODE]")
	fl.BoolVar(&f.allowDelete, "allow-delete", false, "delete resources kgitops created that the repo no longer declares")
	addSchemaFlags(cmd, &f.reg, &f.allowHard)
	addGuardFlags(cmd, &f.maxDeletes, &f.allowEmpty, defaultDaemonMaxDeletes)
	addCheckFlags(cmd, &f.maxPartitions)
	f.reassign.add(cmd)
	addSelectorFlag(cmd, &f.selector)
	f.explicitInv = inventoryChosen(cmd, e.getenv)
	fl.StringSliceVar(&f.ignoreConfigs, "ignore-config", nil, "topic config key to leave alone on every topic (repeatable)")
	fl.StringVar(&f.listen, "listen", envOr(e.getenv, "KGITOPS_LISTEN", defaultListen),
		"address for /healthz, /readyz, /status, /metrics, / and the POST endpoints; the default answers this host only, :9090 answers every interface (Kubernetes probes, Prometheus) [$KGITOPS_LISTEN]")
	fl.StringVar(&f.webhookSecretFile, "webhook-secret-file", "", "file holding the push webhook's shared secret (or set KGITOPS_WEBHOOK_SECRET); enables POST /webhook")
	fl.StringVar(&f.triggerTokenFile, "trigger-token-file", "", "file holding the bearer token POST /reconcile requires (or set "+envTriggerToken+"); without one, POST /reconcile answers 403")
	fl.BoolVar(&f.allowAnyTrigger, "allow-unauthenticated-trigger", false, "let anyone who reaches --listen start a pass with POST /reconcile, without a token")
	fl.StringVar(&f.secretsDir, "secrets-dir", envOr(e.getenv, envSecretsDir, ""), secretsDirUsage)
	fl.StringVar(&f.auditTopic, "audit-topic", "", "publish every applied change as a CloudEvents JSON event to this Kafka topic")
	fl.BoolVar(&f.leaderElection, "leader-election", true, "elect one applying replica through Kafka; the others detect only")
	fl.StringVar(&f.leaderTopic, "leader-topic", "__kgitops_leader", "single-partition topic of the leader election")
	fl.DurationVar(&f.leaderSession, "leader-session-timeout", 10*time.Second, "how long a leader that died keeps leading before another replica takes over")
	return cmd
}

// daemonGCPercent is the GOGC of kgitops run, unless GOGC is set: a pass
// reads the whole cluster, and Go's default lets the heap reach twice what
// the pass holds. At 50 the peak of a pass on 10,000 topics and 20,000
// ACLs fell from 130 to 114 MB, its duration unchanged (2026-12-04).
const daemonGCPercent = 50

func runDaemon(cmd *cobra.Command, e *env, f *runFlags) error {
	ctx := cmd.Context()
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(daemonGCPercent)
	}
	log := e.log
	if !cmd.Flags().Changed("log-level") && e.getenv("KGITOPS_LOG_LEVEL") == "" {
		// A daemon logs what it does: info, not the CLI's default of error.
		if l, err := newLogger(e.stderr, "info", logFormatOf(cmd)); err == nil {
			log = l
		}
	}
	selector, err := spec.ParseSelector(f.selector)
	if err != nil {
		return err
	}
	mode := daemon.Mode(f.mode)
	if mode != daemon.ModeApply && mode != daemon.ModeDetect {
		return fmt.Errorf("--mode %q: want apply or detect", f.mode)
	}
	source, err := f.source(e, log)
	if err != nil {
		return err
	}
	webhookSecret, err := readSecret(e.getenv, "KGITOPS_WEBHOOK_SECRET", f.webhookSecretFile)
	if err != nil {
		return err
	}
	trigger, err := triggerToken(e.getenv, f.triggerTokenFile, f.allowAnyTrigger)
	if err != nil {
		return err
	}
	secrets, err := spec.NewSecretsDir(f.secretsDir)
	if err != nil {
		return err
	}
	if err := completeFrom(f.connVars, e.getenv, f.conn.Complete); err != nil {
		return err
	}
	if err := f.readKey(e.getenv); err != nil {
		return err
	}
	f.log = log
	backends, err := f.reg.backends(e.getenv)
	if err != nil {
		return err
	}
	throttle, err := f.reassign.throttleOpt()
	if err != nil {
		return err
	}
	cl, err := f.conn.NewClient(log)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := f.guardInventory(ctx, cl, log, mode); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg := daemon.Config{
		Source: source, Client: cl, Metrics: daemon.NewMetrics(reg), Log: log,
		Mode: mode, Interval: f.interval, PassTimeout: f.passTimeout, SyncWait: f.syncWait(), AllowDelete: f.allowDelete, AllowHardDelete: f.allowHard, Backends: backends,
		MaxDeletes: maxDeletesOpt(f.maxDeletes), AllowEmpty: f.allowEmpty, Selector: selector, MaxPartitionsPerBroker: f.maxPartitions,
		Throttle: throttle, MaxPartitionsInFlight: f.reassign.maxInFlight,
		SourceID: f.sourceID(), ClaimInventory: f.explicitInv(),
		IgnoreConfigs: f.ignoreConfigs, Inventory: f.inventory(),
		Passwords: func(st *spec.State, root string) (map[string]reconcile.Secret, error) {
			pws, errs := passwordsOf(root, st, e.getenv, secrets)
			return pws, errors.Join(errs...)
		},
		BrokerSecrets: func(st *spec.State, root string) (map[string]reconcile.Secret, error) {
			bs, errs := brokerSecretsOf(root, st, e.getenv, secrets)
			return bs, errors.Join(errs...)
		},
	}
	if f.auditTopic != "" {
		cfg.Audit = &daemon.Auditor{Client: cl, Topic: f.auditTopic, Source: source.Describe()}
	}
	var wake atomic.Pointer[daemon.Daemon] // set below; the elector may call before
	if f.leaderElection {
		el := daemon.NewLazyElector(ctx, cl, daemon.ElectionOptions{
			Topic: f.leaderTopic, Group: "kgitops-leader-" + f.inventoryName, SessionTimeout: f.leaderSession,
			// A new leader applies at once instead of after an interval.
			OnChange: func(bool) {
				if d := wake.Load(); d != nil {
					d.Wake()
				}
			},
			// A webhook that reached a standby, passed on.
			OnNudge: func() {
				if d := wake.Load(); d != nil {
					d.Wake()
				}
			},
		}, log)
		defer el.Close()
		cfg.Leader = el
	}
	d := daemon.New(cfg)
	wake.Store(d)

	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", f.listen, err)
	}
	srv := &http.Server{
		Handler: d.Handler(daemon.HandlerOptions{Gatherer: reg, WebhookSecret: webhookSecret,
			TriggerToken: trigger, AllowUnauthenticatedTrigger: f.allowAnyTrigger}),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	log.Info("kgitops run started", "version", Version, "source", source.Describe(), "kafka", f.conn.String(),
		"mode", string(mode), "interval", f.interval.String(), "listen", ln.Addr().String(), "trigger", triggerMode(trigger, f.allowAnyTrigger))
	if a, ok := ln.Addr().(*net.TCPAddr); ok && f.allowAnyTrigger && !a.IP.IsLoopback() {
		log.Warn("--allow-unauthenticated-trigger: anyone who reaches " + ln.Addr().String() + " can start a pass with POST /reconcile; prefer --trigger-token-file")
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Info("SIGHUP: starting a pass")
			d.Wake()
		}
	}()

	runErr := d.Run(ctx)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	log.Info("kgitops run stopped")
	return runErr
}

// guardInventory checks the inventory once at startup: it warns when its
// records are not signed and when others may write its topic, and, with
// --inventory-trust-unsigned in apply mode, signs the unsigned records
// and trusts no unsigned record after that.
func (f *runFlags) guardInventory(ctx context.Context, cl *kgo.Client, log *slog.Logger, mode daemon.Mode) error {
	ctx, cancel := context.WithTimeout(ctx, f.conn.Timeout)
	defer cancel()
	if f.key.IsZero() {
		log.Warn("inventory records are not authenticated: anyone who can write "+f.inventoryTopic+" can make kgitops delete what a record names; sign them with --inventory-key-file or "+envInventoryKey,
			"topic", f.inventoryTopic)
	}
	if msg := inventoryWritersWarning(ctx, cl, f.inventoryTopic, f.ownPrincipal(), log); msg != "" {
		log.Warn(strings.TrimPrefix(msg, "Warning: "))
	}
	if !f.trustUnsigned || mode != daemon.ModeApply {
		return nil
	}
	keys, err := reconcile.SignInventory(ctx, cl, f.inventory())
	if err != nil {
		return fmt.Errorf("--inventory-trust-unsigned: %w", err)
	}
	log.Info("signed the inventory records written without a signature; drop --inventory-trust-unsigned from now on", "count", len(keys), "keys", keys)
	f.trustUnsigned = false
	return nil
}

// source is the git repo or the folder to reconcile from.
func (f *runFlags) source(e *env, log *slog.Logger) (daemon.Source, error) {
	switch {
	case f.dir != "" && f.git.URL != "":
		return nil, errors.New("give --repo or --dir, not both")
	case f.dir != "":
		if err := checkDir(f.dir); err != nil {
			return nil, err
		}
		return daemon.DirSource{Dir: f.dir}, nil
	}
	if err := completeFrom(f.gitVars, e.getenv, f.git.Complete); err != nil {
		return nil, err
	}
	if f.git.URL == "" {
		return nil, errors.New("no source given: pass --repo URL (or set KGITOPS_GIT_REPO), or --dir FOLDER")
	}
	repo, err := gitsync.Open(f.git, log)
	if err != nil {
		return nil, err
	}
	return daemon.GitSource{Repo: repo, URL: f.git.URL, Ref: f.git.Ref, Path: f.path}, nil
}

// syncWait is how long a pass waits for a fetch before it enforces what
// it has: --git-timeout and a margin (a fetch is bounded by it, unless
// its transport ignores it); for a folder, the daemon's default.
func (f *runFlags) syncWait() time.Duration {
	if f.dir != "" {
		return 0
	}
	return f.git.Timeout + 15*time.Second
}

// defaultDaemonMaxDeletes is run's --max-deletes: a daemon applies
// without a person reading the plan, so a commit that deletes more than
// this waits for someone to raise it.
const defaultDaemonMaxDeletes = 10

// sourceID names the daemon's source as an inventory records it.
func (f *runFlags) sourceID() string {
	if f.dir != "" {
		return gitsync.DirSourceID(f.dir)
	}
	return gitsync.SourceID(f.git.URL, f.path)
}

// defaultListen answers on this host only: /status names the brokers and
// the repo, and nothing outside should reach the POST endpoints unless
// the user says so with --listen :9090.
const defaultListen = "127.0.0.1:9090"

// envTriggerToken holds POST /reconcile's bearer token when no
// --trigger-token-file is given.
const envTriggerToken = "KGITOPS_TRIGGER_TOKEN"

// minTriggerTokenLen refuses tokens short enough to guess.
const minTriggerTokenLen = 16

// triggerToken reads POST /reconcile's bearer token from
// --trigger-token-file, or else from KGITOPS_TRIGGER_TOKEN, without the
// whitespace around it. The empty Value means no token. Errors name the
// source, never the token.
func triggerToken(getenv func(string) string, file string, allowAny bool) (secret.Value, error) {
	v, err := readSecret(getenv, envTriggerToken, file)
	if err != nil {
		return secret.Value{}, fmt.Errorf("--trigger-token-file: %w", err)
	}
	tok := strings.TrimSpace(v.Reveal())
	from := envTriggerToken
	if file != "" {
		from = "--trigger-token-file " + file
	}
	switch {
	case tok == "" && file != "":
		return secret.Value{}, fmt.Errorf("%s is empty", from)
	case tok == "":
		return secret.Value{}, nil
	case allowAny:
		return secret.Value{}, fmt.Errorf("--allow-unauthenticated-trigger and a trigger token (%s) contradict each other: drop one", from)
	case strings.HasPrefix(tok, "REPLACE_ME"):
		return secret.Value{}, fmt.Errorf("the trigger token in %s is still the example's placeholder: make one with `openssl rand -hex 32`", from)
	case len(tok) < minTriggerTokenLen:
		return secret.Value{}, fmt.Errorf("the trigger token in %s is shorter than %d characters: make one with `openssl rand -hex 32`", from, minTriggerTokenLen)
	case strings.ContainsFunc(tok, unicode.IsSpace):
		return secret.Value{}, fmt.Errorf("the trigger token in %s holds whitespace, which an Authorization header cannot carry", from)
	}
	return secret.New(tok), nil
}

// triggerMode says, for the log, who may use POST /reconcile.
func triggerMode(token secret.Value, allowAny bool) string {
	switch {
	case !token.IsZero():
		return "bearer token"
	case allowAny:
		return "anyone (--allow-unauthenticated-trigger)"
	}
	return "disabled (SIGHUP only)"
}

// readSecret reads a secret from a file, or else from an environment
// variable; the error names the source, never the content.
func readSecret(getenv func(string) string, env, file string) (secret.Value, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return secret.Value{}, fmt.Errorf("read secret file: %w", err)
		}
		return secret.New(strings.TrimRight(string(data), "\r\n")), nil
	}
	return secret.New(getenv(env)), nil
}

func logFormatOf(cmd *cobra.Command) string {
	if f := cmd.Flags().Lookup("log-format"); f != nil {
		return f.Value.String()
	}
	return "text"
}
