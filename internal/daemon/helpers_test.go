package daemon

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// memSource is a Source whose content a test changes between passes, as a
// push would. It can also be made to fail, as an unreachable repo does.
type memSource struct {
	mu      sync.Mutex
	rev     int
	files   fstest.MapFS
	err     error
	history map[string]fstest.MapFS // every pushed revision, as a git cache keeps them
	// hang, when set, holds every Sync until it is closed, whatever its
	// context says, as a transport that ignores its deadline would.
	hang  chan struct{}
	syncs int // Sync calls begun
}

// ReadRevision implements RevisionReader, as GitSource does from its cache.
func (s *memSource) ReadRevision(_ context.Context, id string) (Revision, fs.FS, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	files, ok := s.history[id]
	if !ok {
		return Revision{}, nil, fmt.Errorf("no revision %s in the cache", id)
	}
	return Revision{ID: id}, files, nil
}

func (s *memSource) Describe() string { return "test repo" }

func (s *memSource) Sync(context.Context) (Revision, fs.FS, error) {
	s.mu.Lock()
	hang := s.hang
	s.syncs++
	s.mu.Unlock()
	if hang != nil {
		<-hang
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Revision{}, nil, s.err
	}
	return Revision{ID: fmt.Sprintf("rev-%d", s.rev)}, s.files, nil
}

// push replaces the content with one new revision and returns its ID.
func (s *memSource) push(files map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rev++
	s.files = fstest.MapFS{}
	for p, c := range files {
		s.files[p] = &fstest.MapFile{Data: []byte(c)}
	}
	id := fmt.Sprintf("rev-%d", s.rev)
	if s.history == nil {
		s.history = map[string]fstest.MapFS{}
	}
	s.history[id] = s.files
	return id
}

func (s *memSource) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func topicYAML(name string, partitions int, configs ...string) string {
	s := fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: %d\n  replicationFactor: 1\n", name, partitions)
	if len(configs) > 0 {
		s += "  configs:\n"
		for _, c := range configs {
			s += "    " + c + "\n"
		}
	}
	return s
}

// harness runs one daemon against a cluster for a test.
type harness struct {
	t   *testing.T
	d   *Daemon
	src *memSource
	reg *prometheus.Registry
	c   *kafkatest.Cluster
	inv reconcile.InventoryRef
	// stop stops the daemon that start started.
	stop func()
}

func newHarness(t *testing.T, c *kafkatest.Cluster, mode Mode, tweak ...func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, src: &memSource{}, reg: prometheus.NewRegistry(), c: c, inv: reconcile.InventoryRef{Name: kafkatest.Unique("daemon")}}
	cfg := Config{
		Source: h.src, Client: c.Client(t), Metrics: NewMetrics(h.reg),
		Log:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Mode: mode, Interval: 200 * time.Millisecond, PassTimeout: 30 * time.Second, Inventory: h.inv,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	h.d = New(cfg)
	return h
}

// start runs the daemon until the test ends, or stop.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.d.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				h.t.Errorf("Run returned %v", err)
			}
		})
	}
	h.t.Cleanup(h.stop)
}

// waitFor polls the status until cond holds, or fails after 30 s.
func (h *harness) waitFor(what string, cond func(Status) bool) Status {
	h.t.Helper()
	return h.waitForLong(what, 30*time.Second, cond)
}

// waitForLong is waitFor with a deadline of its own.
func (h *harness) waitForLong(what string, limit time.Duration, cond func(Status) bool) Status {
	h.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := h.d.Status()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; status: %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// passesAfter waits for n more passes than have run now.
func (h *harness) passesAfter(n int) Status {
	h.t.Helper()
	base := h.d.Status().Passes
	return h.waitFor(fmt.Sprintf("%d more passes", n), func(s Status) bool { return s.Passes >= base+n })
}

// counter reads one sample of a metric from the registry.
func (h *harness) metric(name string, labels map[string]string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return -1
}
