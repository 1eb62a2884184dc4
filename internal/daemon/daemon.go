package daemon

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// Mode says whether the daemon changes the cluster.
type Mode string

// The modes.
const (
	ModeApply  Mode = "apply"  // plan and apply (when leading)
	ModeDetect Mode = "detect" // plan and report only
)

// Elector says whether this replica may apply. A nil Elector in Config
// means this replica always leads.
type Elector interface {
	IsLeader() bool
}

// Fencer is an Elector that can check with the cluster, not only its own
// view, that this replica still leads (KafkaElector.Fence). The daemon
// asks it before each write batch of an apply, so that a leader deposed
// while paused stops within one batch.
type Fencer interface {
	Fence(ctx context.Context) error
}

// Nudger is an Elector that can pass a wake on to the leader: a webhook
// or POST /reconcile that reached a standby wakes the leader too.
type Nudger interface {
	Nudge(ctx context.Context) error
}

// Config is everything a Daemon needs. Source, Client and Metrics are
// required.
type Config struct {
	Source  Source
	Client  *kgo.Client // reused across passes; kgo reconnects by itself
	Metrics *Metrics
	Log     *slog.Logger

	Mode        Mode
	Interval    time.Duration // between successful passes (plus up to 10% jitter)
	PassTimeout time.Duration // bound on one pass; default 5m
	// SyncWait bounds how long a pass waits for Source.Sync before it
	// enforces the revision it has; default a quarter of PassTimeout. A
	// Sync that outlasts it (a transport that ignores its deadline) is
	// left to finish, and no other starts meanwhile.
	SyncWait    time.Duration
	AllowDelete bool
	// AllowHardDelete makes Schema deletions hard (see reconcile.DiffOptions).
	AllowHardDelete bool
	// Backends are the backends other than Kafka, such as the schema
	// registry under reconcile.BackendSchemaRegistry.
	Backends map[string]any
	// MaxDeletes and AllowEmpty are the guards against mass deletion (see
	// reconcile.DiffOptions).
	MaxDeletes *int
	AllowEmpty bool
	// MaxPartitionsPerBroker is the limit of the partitions-per-broker
	// check (reconcile.DiffOptions); 0: the default.
	MaxPartitionsPerBroker int
	// Throttle and MaxPartitionsInFlight bound the replica moves the
	// daemon starts (--throttle, --max-partitions-in-flight), over the
	// repo's Settings; nil and 0 keep them. A pass starts one batch; the
	// next passes start the rest as earlier ones finish.
	Throttle              *int64
	MaxPartitionsInFlight int
	// Selector keeps only the documents whose labels it picks (--selector);
	// resources outside it are never deleted.
	Selector spec.Selector
	// SourceID names where the desired state comes from, as the inventory
	// records it (gitsync.SourceID); ClaimInventory takes over an
	// inventory another source recorded.
	SourceID       string
	ClaimInventory bool
	IgnoreConfigs  []string
	Inventory      reconcile.InventoryRef
	// Passwords reads each declared User's password (env or file). It is
	// called on every pass, so a rotated secret file is picked up.
	// root is where the revision's files are (Revision.Root), for
	// errors that name a User's file:line as users see it.
	Passwords func(st *spec.State, root string) (map[string]reconcile.Secret, error)
	// BrokerSecrets reads each BrokerConfig's sensitive values (valueFrom),
	// keyed by reconcile.BrokerSecretKey, when and as Passwords reads
	// passwords.
	BrokerSecrets func(st *spec.State, root string) (map[string]reconcile.Secret, error)
	Leader        Elector
	Audit         *Auditor // nil: applied changes are only logged
	Now           func() time.Time
}

// Daemon runs reconcile passes until its context ends.
type Daemon struct {
	cfg  Config
	wake chan struct{}

	mu     sync.Mutex
	status Status

	// Between passes, only the loop goroutine touches these.
	enforced *goodState  // the revision being enforced: loaded, secrets read, plan not refused
	newest   *loaded     // the newest fetched revision, while it is not enforced
	heldBack *heldBack   // why the newest revision is not enforced
	failures int         // consecutive transient failures, for backoff
	syncing  chan synced // the Sync under way, if one outlasted its pass
	syncFrom time.Time   // when it started
}

// goodState is a validated desired state, the revision it came from, and
// the passwords its users name (read again on every pass; the last ones
// read are kept, so that a secret that disappears does not stop
// enforcing).
type goodState struct {
	rev       Revision
	state     *spec.State
	passwords map[string]reconcile.Secret
	// brokerSecrets are the BrokerConfigs' sensitive values, kept as
	// passwords are.
	brokerSecrets map[string]reconcile.Secret
}

// heldBack is why the newest revision is not enforced.
type heldBack struct {
	rev   Revision
	class ErrorClass
	err   error
}

// New returns a Daemon; Run starts it.
func New(cfg Config) *Daemon {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.PassTimeout <= 0 {
		cfg.PassTimeout = 5 * time.Minute
	}
	if cfg.SyncWait <= 0 {
		cfg.SyncWait = cfg.PassTimeout / 4
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeApply
	}
	if cfg.Passwords == nil {
		cfg.Passwords = func(*spec.State, string) (map[string]reconcile.Secret, error) { return nil, nil }
	}
	if cfg.BrokerSecrets == nil {
		cfg.BrokerSecrets = func(*spec.State, string) (map[string]reconcile.Secret, error) { return nil, nil }
	}
	d := &Daemon{cfg: cfg, wake: make(chan struct{}, 1)}
	d.status = Status{Mode: string(cfg.Mode), Source: cfg.Source.Describe(), Interval: cfg.Interval.String(), Drift: []DriftItem{}}
	return d
}

// Wake asks for a pass now instead of at the end of the current wait. It
// never blocks; wakes during a pass coalesce into one more pass.
func (d *Daemon) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Status returns a copy of the current status.
func (d *Daemon) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.status
	s.Drift = append([]DriftItem{}, s.Drift...)
	s.Leader = d.leading()
	return s
}

func (d *Daemon) leading() bool { return d.cfg.Leader == nil || d.cfg.Leader.IsLeader() }

// idleRelease is the shortest wait between passes after which the memory
// a pass used is returned to the system at once.
const idleRelease = 5 * time.Second

// Run runs passes until ctx ends, then returns nil: a pass in progress is
// cancelled through its context and no partial state is recorded as
// applied.
func (d *Daemon) Run(ctx context.Context) error {
	for {
		r := d.pass(ctx)
		if ctx.Err() != nil {
			d.cfg.Log.Info("stopping", "reason", context.Cause(ctx))
			return nil
		}
		wait := d.nextWait(r)
		d.update(func(s *Status) { s.NextPassAt = d.cfg.Now().Add(wait) })
		if wait >= idleRelease {
			// A pass reads the whole cluster: its garbage is the daemon's
			// largest memory, and Go gives it back to the system only
			// slowly. Between passes the daemon holds its state alone.
			debug.FreeOSMemory()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			d.cfg.Log.Info("stopping", "reason", context.Cause(ctx))
			return nil
		case <-d.wake:
			t.Stop()
			d.cfg.Log.Info("woken early")
		case <-t.C:
		}
	}
}

// jittered is the interval plus up to 10% jitter.
func (d *Daemon) jittered() time.Duration {
	return d.cfg.Interval + time.Duration(rand.Int64N(int64(d.cfg.Interval)/10+1))
}

func (d *Daemon) update(fn func(*Status)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fn(&d.status)
}

var errPartial = errors.New("some changes failed")
