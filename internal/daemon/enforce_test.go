package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// The tests in this file pin the five ways the daemon used to stop
// enforcing (issue: "a daemon that never stops enforcing"): in each, the
// newest revision or the cluster is in a state kgitops cannot or must not
// apply, and a hand-made change to an unrelated topic must still be
// reverted within two intervals.

const enforceInterval = time.Second

// enforcer is a harness with two topics already applied: unrelated, whose
// retention.ms is the drift the tests make, and target, which each case
// gets into trouble.
type enforcer struct {
	*harness
	unrelated, target string
	good              string // the applied revision
	files             map[string]string
}

func newEnforcer(t *testing.T, c *kafkatest.Cluster, tweak ...func(*Config)) *enforcer {
	t.Helper()
	h := newHarness(t, c, ModeApply, append([]func(*Config){func(cfg *Config) { cfg.Interval = enforceInterval }}, tweak...)...)
	e := &enforcer{harness: h, unrelated: kafkatest.Unique("unrelated"), target: kafkatest.Unique("target")}
	e.files = map[string]string{
		"unrelated.yaml": topicYAML(e.unrelated, 1, "retention.ms: 3600000"),
		"target.yaml":    topicYAML(e.target, 3),
	}
	e.good = h.src.push(e.files)
	h.start()
	h.waitFor("the good revision applied", func(s Status) bool { return s.LastAppliedRevision == e.good && s.LastError == "" })
	return e
}

// push commits the good files with some replaced or added.
func (e *enforcer) push(changes map[string]string) string {
	files := map[string]string{}
	for k, v := range e.files {
		files[k] = v
	}
	for k, v := range changes {
		files[k] = v
	}
	return e.src.push(files)
}

// driftIsReverted changes the unrelated topic by hand and checks that the
// daemon puts it back within two intervals: by the end of the second pass
// that starts after the change. Passes are counted, not wall-clock time,
// so that a loaded machine cannot fail the test while the daemon keeps its
// rhythm; the wall-clock time is logged.
func (e *enforcer) driftIsReverted(t *testing.T) {
	t.Helper()
	setTopicConfig(t, e.c, e.unrelated, "retention.ms", "1000")
	changed, base := time.Now(), e.d.Status().Passes
	deadline := changed.Add(30 * time.Second)
	for {
		if v, _ := topicConfig(t, e.c, e.unrelated, "retention.ms"); v == "3600000" {
			t.Logf("drift reverted %v after the change", time.Since(changed).Round(10*time.Millisecond))
			return
		}
		// The pass running at the change may have observed before it;
		// the next two must have reverted it.
		if s := e.d.Status(); s.Passes >= base+3 {
			t.Fatalf("drift on %s not reverted within two intervals (%d passes since the change); status: %+v", e.unrelated, s.Passes-base, s)
		}
		if time.Now().After(deadline) {
			t.Fatalf("drift on %s not reverted, and the daemon ran %d passes in 30 s; status: %+v", e.unrelated, e.d.Status().Passes-base, e.d.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// hasError says whether the status lists a problem of class whose text
// holds want.
func hasError(s Status, class ErrorClass, want string) bool {
	for _, pe := range s.Errors {
		if pe.Class == string(class) && strings.Contains(pe.Error, want) {
			return true
		}
	}
	return false
}

// Case 1: a commit whose plan is refused (it shrinks a topic's partitions)
// is held back as a whole; the enforced revision is still enforced, and
// the refusal is shown in full on every pass.
func TestEnforcesWhileNewestIsRefused(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c)
		other := kafkatest.Unique("other")
		bad := e.push(map[string]string{"target.yaml": topicYAML(e.target, 1), "other.yaml": topicYAML(other, 1)})
		s := e.waitFor("the refused revision held back", func(s Status) bool {
			return s.HeldBack != nil && s.HeldBack.Revision == bad && s.HeldBack.Class == "refused"
		})
		if s.EnforcedRevision != e.good || s.NewestRevision != bad || !strings.Contains(s.HeldBack.Error, "partitions cannot shrink from 3 to 1") {
			t.Fatalf("status with a refused head: %+v", s)
		}
		e.driftIsReverted(t)
		// Passes later still show the whole refusal, not "see the earlier error".
		s = e.passesAfter(2)
		if !hasError(s, ClassRefused, "partitions cannot shrink from 3 to 1") || s.ErrorClass != "refused" {
			t.Fatalf("a later pass does not show the refusal: %+v", s.Errors)
		}
		if got := e.metric("kgitops_newest_revision_info", map[string]string{"revision": bad, "held_back": "refused"}); got != 1 {
			t.Errorf("kgitops_newest_revision_info{revision=%s,held_back=refused} = %v", bad, got)
		}
		if got := e.metric("kgitops_enforced_revision_info", map[string]string{"revision": e.good}); got != 1 {
			t.Errorf("kgitops_enforced_revision_info{revision=%s} = %v", e.good, got)
		}
		if got := e.metric("kgitops_reconcile_errors_total", map[string]string{"class": "refused"}); got < 1 {
			t.Errorf("kgitops_reconcile_errors_total{class=refused} = %v", got)
		}
		// A bad commit never partly applies: the other topic is not there.
		if _, ok := topicConfig(t, c, other, "retention.ms"); ok || topicExists(t, c, other) {
			t.Fatalf("topic %s of the refused revision was created", other)
		}
	})
}

// Case 2: a commit that names a password from an environment variable
// that is not set yet is held back, not retried in a tight loop; the
// enforced revision is still enforced; once the secret is there, the
// revision goes through without a new commit.
func TestEnforcesWhileASecretIsMissing(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		env := &fakeEnv{vars: map[string]string{}}
		e := newEnforcer(t, c, func(cfg *Config) { cfg.Passwords = env.passwords })
		user := kafkatest.Unique("app")
		envVar := "KGITOPS_TEST_PW_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(user))
		withUser := e.push(map[string]string{"users.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: User
metadata:
  name: %s
spec:
  scram:
    mechanism: SCRAM-SHA-256
    passwordFrom:
      env: %s
`, user, envVar)})
		s := e.waitFor("the revision held back for its secret", func(s Status) bool {
			return s.HeldBack != nil && s.HeldBack.Revision == withUser && s.HeldBack.Class == "spec"
		})
		if s.EnforcedRevision != e.good || !strings.Contains(s.HeldBack.Error, envVar) {
			t.Fatalf("status with a missing secret: %+v", s.HeldBack)
		}
		e.driftIsReverted(t)
		env.set(envVar, "s3cret-"+user)
		e.waitFor("the revision accepted once the secret is there", func(s Status) bool {
			return s.EnforcedRevision == withUser && s.HeldBack == nil && s.LastAppliedRevision == withUser
		})
		// A rotated secret is applied on a later pass, without a new commit.
		before := e.metric("kgitops_applied_changes_total", map[string]string{"kind": "User", "action": "update"})
		env.set(envVar, "r0tated-"+user)
		e.waitFor("the rotated password applied", func(Status) bool {
			return e.metric("kgitops_applied_changes_total", map[string]string{"kind": "User", "action": "update"}) > before
		})
		for _, pe := range e.d.Status().Errors {
			if strings.Contains(pe.Error, "s3cret") || strings.Contains(pe.Error, "r0tated") {
				t.Fatalf("a password reached the status: %q", pe.Error)
			}
		}
	})
}

// Case 3: git cannot be reached (the repo moved, the ref was deleted): the
// cached, enforced revision is still enforced.
func TestEnforcesWhileGitIsUnreachable(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c)
		e.src.fail(errors.New(`fetch https://git.example/platform/kafka.git: no branch, tag or commit "main"`))
		s := e.waitFor("git failure reported", func(s Status) bool { return !s.GitReachable && s.ErrorClass == "git_unreachable" })
		if s.EnforcedRevision != e.good {
			t.Fatalf("enforced revision with git down: %+v", s)
		}
		e.driftIsReverted(t)
		if got := e.metric("kgitops_reconcile_errors_total", map[string]string{"class": "git_unreachable"}); got < 1 {
			t.Errorf("kgitops_reconcile_errors_total{class=git_unreachable} = %v", got)
		}
	})
}

// A fetch that hangs past its own deadline (go-git once did, over file://
// on a full disk) does not hold the pass: the enforced revision is still
// enforced, the status says the fetch has not returned, no second fetch
// starts, and once it returns the new revision is applied.
func TestEnforcesWhileAFetchHangs(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c, func(cfg *Config) { cfg.SyncWait = 300 * time.Millisecond })
		release := make(chan struct{})
		var once sync.Once
		free := func() { once.Do(func() { close(release) }) }
		t.Cleanup(free) // before the daemon stops, should the test fail
		e.src.mu.Lock()
		e.src.hang = release
		e.src.mu.Unlock()
		next := e.push(map[string]string{"more.yaml": topicYAML(kafkatest.Unique("more"), 1)})
		s := e.waitFor("the hanging fetch reported", func(s Status) bool {
			return !s.GitReachable && strings.Contains(s.LastError, "has not returned")
		})
		if s.EnforcedRevision != e.good || !strings.Contains(s.LastError, "revision "+e.good+" is enforced meanwhile") {
			t.Fatalf("status while a fetch hangs: %+v", s)
		}
		syncs := func() int {
			e.src.mu.Lock()
			defer e.src.mu.Unlock()
			return e.src.syncs
		}
		before := syncs()
		e.driftIsReverted(t)
		if after := syncs(); after != before {
			t.Errorf("%d more fetches began while one hung, want none", after-before)
		}

		free()
		e.waitFor("the new revision applied once the fetch returned", func(s Status) bool {
			return s.GitReachable && s.LastAppliedRevision == next && s.LastError == ""
		})
	})
}

// After a restart while git cannot be reached, or while the newest
// revision is refused, the daemon enforces the revision the inventory says
// it enforced before, read from the cache.
func TestEnforcesTheCachedRevisionAfterARestart(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c)
		e.stop()
		inv := e.inv
		restart := func(why string) {
			t.Helper()
			h := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Interval = enforceInterval; cfg.Inventory = inv })
			h.src, h.inv = e.src, inv
			h.d.cfg.Source = e.src
			e.harness = h
			h.start()
			h.waitFor("the cached revision enforced and applied after a restart "+why, func(s Status) bool {
				return s.EnforcedRevision == e.good && s.LastAppliedRevision == e.good
			})
			e.driftIsReverted(t)
			h.stop()
		}
		e.src.fail(errors.New("dial tcp 192.0.2.1:443: connect: connection refused"))
		restart("with git down")
		e.src.fail(nil)
		e.push(map[string]string{"target.yaml": topicYAML(e.target, 1)}) // refused: shrinks
		restart("with a refused head")
	})
}

// Case 4: someone raises a topic's partitions out of band, so the repo
// asks for fewer than live. Only that topic is blocked and reported as
// drift that needs a person; everything else is reconciled, and a new
// commit that changes something else is accepted.
func TestEnforcesAroundATopicRaisedOutOfBand(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := c.Admin(t).CreatePartitions(ctx, 3, e.target); err != nil {
			t.Fatal(err)
		}
		s := e.waitFor("the raised topic blocked", func(s Status) bool {
			for _, d := range s.Drift {
				if d.Name == e.target && d.Action == "blocked" {
					return true
				}
			}
			return false
		})
		if s.HeldBack != nil || s.EnforcedRevision != e.good || !hasError(s, ClassRefused, "partitions cannot shrink from 6 to 3") {
			t.Fatalf("status with a topic raised out of band: %+v", s)
		}
		e.driftIsReverted(t)
		// A new commit that leaves the raised topic as it is goes through.
		extra := kafkatest.Unique("extra")
		next := e.push(map[string]string{"extra.yaml": topicYAML(extra, 1)})
		e.waitFor("a commit that leaves the raised topic alone applied", func(s Status) bool {
			return s.EnforcedRevision == next && s.LastAppliedRevision == next
		})
		if !topicExists(t, c, extra) {
			t.Fatalf("topic %s of the new commit was not created", extra)
		}
		// Adopting the live count in git ends the block.
		fixed := e.push(map[string]string{"extra.yaml": topicYAML(extra, 1), "target.yaml": topicYAML(e.target, 6)})
		e.waitFor("the block ends once git agrees", func(s Status) bool {
			return s.EnforcedRevision == fixed && s.LastError == "" && len(s.Drift) == 0
		})
	})
}

// Case 5 on kfake: one broker of three is down (fenced) while the repo
// holds a new RF-3 topic. The topic waits, with a message that says so and
// never suggests lowering the replication factor; the rest is enforced;
// the topic is created once the broker is back. kfake has no fenced
// brokers, so DescribeCluster is answered as Kafka answers it then.
func TestEnforcesWhileABrokerIsDownFake(t *testing.T) {
	c := kafkatest.NewFake(t)
	var mu sync.Mutex
	down := int32(-1)
	c.Fake.ControlKey(int16(kmsg.DescribeCluster), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		if down < 0 {
			return nil, nil, false
		}
		resp := req.(*kmsg.DescribeClusterRequest).ResponseKind().(*kmsg.DescribeClusterResponse)
		resp.ClusterID = "kfake"
		for i := range int32(3) {
			b := kmsg.NewDescribeClusterResponseBroker()
			b.NodeID, b.Host, b.Port, b.IsFenced = i, "127.0.0.1", 1, i == down
			resp.Brokers = append(resp.Brokers, b)
		}
		return resp, nil, true
	})
	e := newEnforcer(t, c)
	mu.Lock()
	down = 2
	mu.Unlock()
	brokerDownCase(t, e, func() {
		mu.Lock()
		down = -1
		mu.Unlock()
	})
}

// Case 5 on three real Kafka nodes: one is stopped.
func TestEnforcesWhileABrokerIsDownKafka(t *testing.T) {
	n := kafkatest.ThreeNodes(t)
	if n == nil {
		t.Skip("no real Kafka configured (KGITOPS_TEST_KAFKA); `make test` runs this on three real nodes")
	}
	e := newEnforcer(t, n.Cluster, func(cfg *Config) { cfg.PassTimeout = 20 * time.Second })
	n.StopNode(t, 3)
	brokerDownCase(t, e, func() { n.StartNode(t, 3) })
}

func brokerDownCase(t *testing.T, e *enforcer, bringBack func()) {
	t.Helper()
	rf3 := kafkatest.Unique("rf3")
	rev := e.push(map[string]string{"rf3.yaml": strings.Replace(topicYAML(rf3, 3), "replicationFactor: 1", "replicationFactor: 3", 1)})
	s := e.waitFor("the RF-3 topic waits for the broker", func(s Status) bool {
		for _, d := range s.Drift {
			if d.Name == rf3 && d.Action == "blocked" {
				return true
			}
		}
		return false
	})
	if s.EnforcedRevision != rev || s.HeldBack != nil {
		t.Fatalf("a revision whose topic waits for a broker is not enforced: %+v", s)
	}
	for _, d := range s.Drift {
		if d.Name != rf3 {
			continue
		}
		if !strings.Contains(d.Blocked, "waiting for brokers") || !strings.Contains(d.Blocked, "1 of the cluster's 3 registered brokers is down (broker ") || strings.Contains(d.Blocked, "or less") {
			t.Fatalf("blocked message: %q", d.Blocked)
		}
	}
	e.driftIsReverted(t)
	bringBack()
	e.waitFor("the RF-3 topic created once the broker is back", func(s Status) bool {
		return s.LastAppliedRevision == rev && s.LastError == "" && len(s.Drift) == 0
	})
	if !topicExists(t, e.c, rf3) {
		t.Fatalf("topic %s not created", rf3)
	}
}

func topicExists(t *testing.T, c *kafkatest.Cluster, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := c.Admin(t).Metadata(ctx, name)
	return err == nil && md.Topics[name].Err == nil
}

// fakeEnv is an environment a test changes while the daemon runs.
type fakeEnv struct {
	mu   sync.Mutex
	vars map[string]string
}

func (f *fakeEnv) set(k, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vars[k] = v
}

func (f *fakeEnv) passwords(st *spec.State, root string) (map[string]reconcile.Secret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]reconcile.Secret{}
	var errs []error
	for _, u := range st.Users {
		pw, err := u.ReadPassword(func(k string) string { return f.vars[k] }, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.Pos.Under(root), err))
			continue
		}
		out[u.Name] = reconcile.NewSecret(pw)
	}
	return out, errors.Join(errs...)
}

// A commit that breaks a policy rule of severity error is held back as
// refused, and the enforced revision is still enforced; the findings of
// the enforced plan show in kgitops_policy_findings.
func TestEnforcesWhileAPolicyRefusesTheNewest(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		e := newEnforcer(t, c)
		// Every topic of the good revision has replication factor 1: one
		// built-in warning each.
		s := e.passesAfter(1)
		if got := e.metric("kgitops_policy_findings", map[string]string{"severity": "warn"}); got < 2 {
			t.Errorf("kgitops_policy_findings{severity=warn} = %v, want the replication-factor-1 warnings", got)
		}
		other := kafkatest.Unique("other")
		bad := e.push(map[string]string{"other.yaml": topicYAML(other, 1), "policy.yaml": `apiVersion: kgitops.io/v1alpha1
kind: Policy
metadata: {name: house}
spec:
  match: {namePattern: '^other-'}
  topics:
    partitions: {min: 2}
`})
		s = e.waitFor("the revision that breaks a policy held back", func(s Status) bool {
			return s.HeldBack != nil && s.HeldBack.Revision == bad && s.HeldBack.Class == "refused"
		})
		if s.EnforcedRevision != e.good || !strings.Contains(s.HeldBack.Error, "partitions 1 is below the minimum 2") {
			t.Fatalf("status with a policy error: %+v", s.HeldBack)
		}
		e.driftIsReverted(t)
		if topicExists(t, c, other) {
			t.Fatalf("topic %s of the refused revision was created", other)
		}
	})
}
