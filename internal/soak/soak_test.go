package soak

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/benchrepo"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// soakConfig is what the environment asks of the soak.
type soakConfig struct {
	duration    time.Duration // KGITOPS_SOAK: the soak clock, after the first apply converged
	topics      int           // KGITOPS_SOAK_TOPICS, default 5000
	interval    time.Duration // KGITOPS_SOAK_INTERVAL: the daemon's --interval, default 10s
	pushEvery   time.Duration // KGITOPS_SOAK_PUSH_EVERY, default 1m
	report      string        // KGITOPS_SOAK_REPORT: a file for the summary, besides the test log
	sampleEvery time.Duration // 10s, or less for a short soak (30 samples at least)
	bound       time.Duration // a drift is reverted, a push applied, within it
}

// pollSlack is what the soak adds to two intervals: its checks poll the
// cluster every 500 ms and /status every 200 ms, so a revert is seen up to
// that much after it happened.
const pollSlack = time.Second

func configFromEnv(t *testing.T) soakConfig {
	raw := os.Getenv("KGITOPS_SOAK")
	if raw == "" {
		t.Skip("the soak runs with make soak, or KGITOPS_SOAK=30m (a duration) and a real broker")
	}
	c := soakConfig{topics: 5000, interval: 10 * time.Second, pushEvery: time.Minute, report: os.Getenv("KGITOPS_SOAK_REPORT")}
	var err error
	if c.duration, err = time.ParseDuration(raw); err != nil || c.duration <= 0 {
		t.Fatalf("KGITOPS_SOAK=%q: want a duration such as 30m", raw)
	}
	if v := os.Getenv("KGITOPS_SOAK_TOPICS"); v != "" {
		if c.topics, err = strconv.Atoi(v); err != nil || c.topics < 100 {
			t.Fatalf("KGITOPS_SOAK_TOPICS=%q: want a number, 100 or more", v)
		}
	}
	for env, d := range map[string]*time.Duration{"KGITOPS_SOAK_INTERVAL": &c.interval, "KGITOPS_SOAK_PUSH_EVERY": &c.pushEvery} {
		if v := os.Getenv(env); v != "" {
			if *d, err = time.ParseDuration(v); err != nil || *d <= 0 {
				t.Fatalf("%s=%q: want a duration", env, v)
			}
		}
	}
	c.sampleEvery = min(10*time.Second, c.duration/30)
	c.bound = 2*c.interval + pollSlack
	return c
}

// TestSoak runs kgitops run for KGITOPS_SOAK against the real broker, on
// a repo of KGITOPS_SOAK_TOPICS topics (plus ACLs and quotas) served over
// file://, while out-of-band drift is injected every 2-5 s and a commit
// is pushed (with a push webhook) every KGITOPS_SOAK_PUSH_EVERY. It fails
// when a drift is not reverted within two intervals, a push is not
// applied within two intervals, the daemon's RSS, heap or goroutines grow
// from the first third of the soak to the last, /status and /metrics
// disagree, a pass fails, the cluster does not match the repo once the
// soak settles, or the daemon does not exit 0 on SIGINT. It prints a
// summary for the README.
func TestSoak(t *testing.T) {
	cfg := configFromEnv(t)
	c := kafkatest.RealBroker(t)
	if c == nil {
		t.Fatal("the soak needs the real broker (KGITOPS_TEST_KAFKA); make soak starts one")
	}
	dir := t.TempDir()
	bin, err := benchrepo.Build(".", dir)
	if err != nil {
		t.Fatal(err)
	}
	cl := c.Client(t)
	adm := c.Admin(t)
	prefix := kafkatest.Unique("soak")
	m := newModel(prefix, cfg.topics)
	t.Cleanup(func() {
		if os.Getenv("KGITOPS_SOAK_KEEP_TOPICS") == "1" {
			t.Log("KGITOPS_SOAK_KEEP_TOPICS=1: the soak's topics stay (the broker is thrown away)")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		if err := deleteAll(ctx, adm, m); err != nil {
			t.Logf("delete the soak's resources: %v", err)
		}
		t.Logf("deleted the soak's %d topics, ACLs and quotas in %s", len(m.allTopics()), time.Since(start).Round(time.Second))
	})
	g := newGitRepo(t)
	first, err := g.commit(m, fmt.Sprintf("soak: %d topics, %d principals' ACLs, %d quotas", cfg.topics, soakPrincipals, soakQuotaUsers))
	if err != nil {
		t.Fatal(err)
	}

	logFile := filepath.Join(dir, "kgitops-run.log")
	started := time.Now()
	p, err := startDaemon(bin, logFile, filepath.Join(dir, "webhook-secret"),
		"--repo", "file://"+g.bare, "--ref", "main", "--path", "kafka", "--git-cache-dir", filepath.Join(dir, "git-cache"),
		"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--inventory-name", prefix,
		"--interval", cfg.interval.String(), "--max-partitions-per-broker", "1000000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("kgitops run's log: %s (kept: KGITOPS_SOAK_REPORT's folder has a copy when set)", logFile)
		}
	})

	// The first apply creates everything; the soak clock starts once the
	// cluster is at the first commit and a pass found nothing left.
	converged := waitFor(t, 15*time.Minute, "the first commit applied and no drift left", func() bool {
		st, err := p.status(context.Background())
		return err == nil && st.LastAppliedRevision == first && len(st.Drift) == 0 && len(st.Errors) == 0
	})
	firstApply := converged.Sub(started)
	t.Logf("kgitops run applied %d topics, %d principals' ACLs and %d quotas and converged in %s; soaking for %s",
		cfg.topics, soakPrincipals, soakQuotaUsers, firstApply.Round(time.Millisecond), cfg.duration)

	ctx, stop := context.WithTimeout(context.Background(), cfg.duration)
	defer stop()
	smp := &sampler{p: p, every: cfg.sampleEvery}
	inj := &injector{m: m, cl: cl, adm: adm, bound: cfg.bound, poll: 500 * time.Millisecond, busy: map[string]bool{}}
	psh := &pusher{m: m, g: g, p: p, adm: adm, every: cfg.pushEvery, bound: cfg.bound}
	sctx, stopSampling := context.WithCancel(context.Background())
	sampling := make(chan struct{})
	go func() { smp.run(sctx); close(sampling) }()
	injecting := make(chan struct{})
	go func() { inj.run(ctx); close(injecting) }()
	pushing := make(chan struct{})
	go func() { psh.run(ctx); close(pushing) }()
	<-ctx.Done()
	<-pushing
	<-injecting // and every drift's check has ended
	soaked := time.Since(converged)

	// Settle: the last commit applied, no drift, no error.
	pushes, head := psh.all()
	if head == "" {
		head = first
	}
	var settleErr string
	settled := waitForOr(3*cfg.interval+time.Minute, func() bool {
		st, err := p.status(context.Background())
		if err != nil {
			settleErr = err.Error()
			return false
		}
		settleErr = fmt.Sprintf("lastAppliedRevision %s (want %s), %d drift, errors %v", st.LastAppliedRevision, head, len(st.Drift), st.Errors)
		return st.LastAppliedRevision == head && len(st.Drift) == 0 && len(st.Errors) == 0
	})
	smp.take(context.Background())
	stopSampling()
	<-sampling

	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	if !settled {
		fail("the daemon did not settle within %s after the soak: %s", 3*cfg.interval+time.Minute, settleErr)
	}
	if err := finalMismatch(adm, m); err != nil {
		fail("the cluster does not match the repo after the soak: %v", err)
	}
	last, _ := p.status(context.Background())
	finalScrape, err := p.metrics(context.Background())
	if err != nil {
		fail("read /metrics at the end: %v", err)
	}
	code, took, err := p.stop(15 * time.Second)
	if err != nil || code != 0 {
		fail("SIGINT: exit %d after %s: %v", code, took.Round(time.Millisecond), err)
	}
	logs, err := readPassLog(logFile, converged)
	if err != nil {
		fail("read the daemon's log: %v", err)
	}
	if cfg.report != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.report), 0o755); err != nil {
			t.Fatal(err)
		}
		if data, err := os.ReadFile(logFile); err == nil {
			_ = os.WriteFile(strings.TrimSuffix(cfg.report, filepath.Ext(cfg.report))+"-kgitops-run.log", data, 0o644)
		}
	}

	samples, sampleErrs := smp.all()
	rep := report{cfg: cfg, broker: strings.Join(c.Bootstrap, ","), firstApply: firstApply, soaked: soaked, drifts: inj.all(), pushes: pushes, samples: samples,
		sampleErrs: sampleErrs, logs: logs, last: last, scrape: finalScrape, exitCode: code, exitTook: took}
	failures = append(failures, rep.judge()...)
	text := rep.String(failures)
	t.Log("\n" + text)
	if cfg.report != "" {
		if err := os.WriteFile(cfg.report, []byte(text), 0o644); err != nil {
			t.Errorf("write %s: %v", cfg.report, err)
		}
	}
	for _, f := range failures {
		t.Error(f)
	}
}

func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	if !waitForOr(within, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
	return time.Now()
}

// waitForOr polls cond every 200 ms and says whether it held within.
func waitForOr(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
	return true
}
