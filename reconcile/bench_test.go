package reconcile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/benchrepo"
	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

const benchTopics = 5000

// BenchmarkPlan plans a repo of 5,000 topics, each with config overrides,
// against a cluster that already holds them, and compares the plan's wall
// time with the bare fetch of the same data by kadm calls alone (metadata
// and the topics' configs). It runs on the real broker when one is given
// (make bench) and on kfake. Each figure is the median of 5 runs, each on a
// fresh client so that no metadata cache helps either side.
func BenchmarkPlan(b *testing.B) {
	clusters := []*kafkatest.Cluster{kafkatest.NewFake(b)}
	// A fresh broker of its own: deleting what the benchmark made from
	// the shared one took longer than the benchmark.
	if n := kafkatest.FreshCluster(b, 1, "1g"); n != nil {
		clusters = append(clusters, n.Cluster)
	}
	for _, c := range clusters {
		b.Run(c.Name, func(b *testing.B) { benchPlan(b, c) })
	}
}

func benchPlan(b *testing.B, c *kafkatest.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	prefix := kafkatest.Unique("bench")
	inv := InventoryRef{Name: prefix}
	st := &spec.State{}
	names := make([]string, benchTopics)
	for i := range benchTopics {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
		st.Topics = append(st.Topics, spec.Topic{Name: names[i], Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{
			"retention.ms":     fmt.Sprint(86400000 + i),
			"cleanup.policy":   "delete",
			"segment.bytes":    "104857600",
			"compression.type": "zstd",
		}})
	}

	setup := c.Client(b)
	start := time.Now()
	live, err := Observe(ctx, setup, ObserveOptions{Inventory: inv})
	if err != nil {
		b.Fatal(err)
	}
	// 5,000 single-partition topics on one broker is above the default
	// partitions-per-broker limit; the benchmark measures time, not that.
	opts := DiffOptions{MaxPartitionsPerBroker: 1 << 20}
	results, err := Apply(ctx, setup, Diff(st, live, opts), ApplyOptions{Inventory: inv, Brokers: live.Brokers})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			b.Fatalf("create %s: %v", r.Change.Name, r.Err)
		}
	}
	b.Logf("%s: created %d topics in %s", c.Name, benchTopics, time.Since(start).Round(time.Millisecond))
	b.Cleanup(func() { deleteTopics(b, setup, names) })

	fresh := func() *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap...))
		if err != nil {
			b.Fatal(err)
		}
		return cl
	}
	var planTimes, rawTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		for range 5 {
			cl := fresh()
			t0 := time.Now()
			live, err := Observe(ctx, cl, ObserveOptions{Inventory: inv})
			if err != nil {
				b.Fatal(err)
			}
			p := Diff(st, live, opts)
			planTimes = append(planTimes, time.Since(t0))
			cl.Close()
			if p.HasChanges() || len(p.Errors) > 0 {
				b.Fatalf("plan over %d applied topics is not empty: %+v", benchTopics, p.Summary)
			}

			cl = fresh()
			adm := kadm.NewClient(cl)
			t0 = time.Now()
			md, err := adm.Metadata(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := adm.DescribeTopicConfigs(ctx, md.Topics.Names()...); err != nil {
				b.Fatal(err)
			}
			rawTimes = append(rawTimes, time.Since(t0))
			cl.Close()
		}
	}
	b.StopTimer()
	plan, raw := median(planTimes), median(rawTimes)
	ratio := float64(plan) / float64(raw)
	b.ReportMetric(float64(plan.Milliseconds()), "plan-ms")
	b.ReportMetric(float64(raw.Milliseconds()), "raw-kadm-ms")
	b.ReportMetric(ratio, "plan/raw")
	b.Logf("%s: plan of %d topics %s (median of %d), raw kadm fetch %s, ratio %.2f",
		c.Name, benchTopics, plan.Round(time.Millisecond), len(planTimes), raw.Round(time.Millisecond), ratio)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func deleteTopics(b *testing.B, cl *kgo.Client, names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := kadm.NewClient(cl).DeleteTopics(ctx, names...); err != nil {
		b.Logf("delete benchmark topics: %v", err)
	}
}

// BenchmarkScale measures the Scale repo of issue 14 (benchrepo.Scale:
// 10,000 topics with two overrides, 500 ACL documents of 20 rules making
// 20,000 ACLs, 500 quotas, 200 SCRAM users) on kfake and, when one is
// given, the real broker:
//
//   - load-ms, load-acls-ms: spec.Load of the whole repo, and of its ACL
//     documents alone (median of 5);
//   - apply-s: `kgitops apply` of it all, once, as a process (it returns
//     once the brokers show what it made); raw-apply-s: the same made by
//     bare requests (rawApply) on a cluster as fresh, until the controller
//     acknowledged it, and raw-ready-s until the brokers show it (rawReady);
//   - plan-ms vs raw-kadm-ms: Observe and Diff (diff-ms: Diff alone) in this process against the
//     same state read by bare requests (Metadata, DescribeConfigs of every
//     topic, DescribeACLs, DescribeClientQuotas, DescribeUserSCRAMCredentials,
//     one after the other), each on a fresh client (median of 5);
//   - proc-plan-ms, proc-plan/raw and peak-rss-MB: `kgitops plan` as a
//     process, which also loads the repo and reads the passwords (median
//     wall time of 3, highest peak RSS);
//   - daemon-pass-ms, daemon-rss-MB, daemon-idle-rss-MB, daemon-heap-MB:
//     `kgitops run` at steady state (benchDaemon).
//
// The real broker's half runs on a fresh 1-node cluster of its own
// (kafkatest.FreshCluster), thrown away at the end.
func BenchmarkScale(b *testing.B) {
	bin, err := benchrepo.Build(".", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	clusters := []*kafkatest.Cluster{kafkatest.NewFake(b)}
	// A fresh broker of its own: deleting what the benchmark made from
	// the shared one took longer than the benchmark.
	if n := kafkatest.FreshCluster(b, 1, "1g"); n != nil {
		clusters = append(clusters, n.Cluster)
	}
	for _, c := range clusters {
		b.Run(c.Name, func(b *testing.B) { benchScale(b, c, bin) })
	}
}

func benchScale(b *testing.B, c *kafkatest.Cluster, bin string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	prefix := kafkatest.Unique("scale")
	sizes := benchrepo.Scale
	repo, err := benchrepo.Write(b.TempDir(), prefix, sizes)
	if err != nil {
		b.Fatal(err)
	}
	var loadTimes, aclTimes []time.Duration
	var st *spec.State
	for range 5 {
		t0 := time.Now()
		if st, err = spec.Load(repo.Dir); err != nil {
			b.Fatal(err)
		}
		loadTimes = append(loadTimes, time.Since(t0))
		t0 = time.Now()
		if _, err := spec.Load(filepath.Join(repo.Dir, "acls")); err != nil {
			b.Fatal(err)
		}
		aclTimes = append(aclTimes, time.Since(t0))
	}

	flags := []string{"--dir", repo.Dir, "--secrets-dir", repo.SecretsDir,
		"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--inventory-name", prefix,
		"--max-partitions-per-broker", "1048576", "--timeout", "15m"}
	cli := func(cmd string, more ...string) benchrepo.Run {
		b.Helper()
		r, err := benchrepo.Exec(bin, append(append([]string{cmd}, flags...), more...)...)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	passwords := map[string]Secret{}
	secrets, err := spec.NewSecretsDir(repo.SecretsDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range st.Users {
		pw, err := u.ReadPassword(os.Getenv, secrets.ReadFile)
		if err != nil {
			b.Fatal(err)
		}
		passwords[u.Name] = NewSecret(pw)
	}
	// The same state made by bare requests on a cluster of its own, as
	// fresh as the one kgitops applies to.
	rawCl := kafkatest.NewFake(b)
	if c.Real() {
		rawCl = kafkatest.FreshCluster(b, 1, "1g").Cluster
	}
	t0 := time.Now()
	rawApply(ctx, b, rawCl.Client(b), st, passwords)
	rawApplied := time.Since(t0)
	rawReady(ctx, b, rawCl.Client(b), st)
	rawIsReady := time.Since(t0)
	ap := cli("apply")
	if ap.ExitCode != 0 {
		b.Fatalf("kgitops apply: exit %d:\n%s", ap.ExitCode, tail(ap.Output, 40))
	}
	b.Logf("%s: kgitops apply of %d topics, %d ACLs, %d quotas, %d users: %s, peak RSS %.0f MB; the same by bare requests: acknowledged in %s, shown by the brokers (every partition led, every ACL listed) after %s",
		c.Name, sizes.Topics, sizes.ACLs(), sizes.Quotas, sizes.Users, ap.Wall.Round(time.Millisecond), ap.PeakMB(), rawApplied.Round(time.Millisecond), rawIsReady.Round(time.Millisecond))
	opts := DiffOptions{MaxPartitionsPerBroker: 1 << 20, Passwords: passwords}
	fresh := func() *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap...))
		if err != nil {
			b.Fatal(err)
		}
		return cl
	}
	// A real broker shows new ACLs, quotas and users some time after it
	// acknowledged them: wait for an empty plan before timing one.
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(2 * time.Second) {
		cl := fresh()
		live, err := Observe(ctx, cl, ObserveOptions{Inventory: InventoryRef{Name: prefix}, Desired: st})
		cl.Close()
		if err != nil {
			b.Fatal(err)
		}
		p := Diff(st, live, opts)
		if !p.HasChanges() && len(p.Errors) == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("plan of the applied repo is still not empty after 3 minutes: %+v %v", p.Summary, p.Errors)
		}
	}
	var planTimes, diffTimes, rawTimes, procTimes []time.Duration
	var peak int64
	b.ResetTimer()
	for range b.N {
		for range 5 {
			cl := fresh()
			t0 := time.Now()
			live, err := Observe(ctx, cl, ObserveOptions{Inventory: InventoryRef{Name: prefix}, Desired: st})
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			p := Diff(st, live, opts)
			planTimes = append(planTimes, time.Since(t0))
			diffTimes = append(diffTimes, time.Since(t1))
			cl.Close()
			if p.HasChanges() || len(p.Errors) > 0 {
				b.Fatalf("plan of the applied repo is not empty: %+v %v", p.Summary, p.Errors)
			}

			cl = fresh()
			t0 = time.Now()
			rawFetch(ctx, b, cl)
			rawTimes = append(rawTimes, time.Since(t0))
			cl.Close()
		}
		for range 3 {
			r := cli("plan", "--detailed-exitcode")
			if r.ExitCode != 0 {
				b.Fatalf("kgitops plan --detailed-exitcode: exit %d:\n%s", r.ExitCode, tail(r.Output, 40))
			}
			procTimes = append(procTimes, r.Wall)
			peak = max(peak, r.PeakRSS)
		}
	}
	daemonPass, daemonRSS, daemonIdle, daemonHeap := benchDaemon(b, bin, flags)
	b.StopTimer()
	load, acls := median(loadTimes), median(aclTimes)
	plan, raw, proc := median(planTimes), median(rawTimes), median(procTimes)
	b.ReportMetric(float64(load.Milliseconds()), "load-ms")
	b.ReportMetric(float64(acls.Milliseconds()), "load-acls-ms")
	b.ReportMetric(ap.Wall.Seconds(), "apply-s")
	b.ReportMetric(rawApplied.Seconds(), "raw-apply-s")
	b.ReportMetric(rawIsReady.Seconds(), "raw-ready-s")
	b.ReportMetric(float64(plan.Milliseconds()), "plan-ms")
	b.ReportMetric(float64(median(diffTimes).Milliseconds()), "diff-ms")
	b.ReportMetric(float64(raw.Milliseconds()), "raw-kadm-ms")
	b.ReportMetric(float64(plan)/float64(raw), "plan/raw")
	b.ReportMetric(float64(proc.Milliseconds()), "proc-plan-ms")
	b.ReportMetric(float64(proc)/float64(raw), "proc-plan/raw")
	b.ReportMetric(float64(peak)/1e6, "peak-rss-MB")
	b.ReportMetric(float64(daemonPass.Milliseconds()), "daemon-pass-ms")
	b.ReportMetric(daemonRSS/1e6, "daemon-rss-MB")
	b.ReportMetric(daemonIdle/1e6, "daemon-idle-rss-MB")
	b.ReportMetric(daemonHeap/1e6, "daemon-heap-MB")
	b.Logf("%s: load %s (ACL documents %s); plan in-process %s, raw kadm fetch %s, ratio %.2f; kgitops plan %s, ratio %.2f, peak RSS %.0f MB",
		c.Name, load.Round(time.Millisecond), acls.Round(time.Millisecond), plan.Round(time.Millisecond), raw.Round(time.Millisecond),
		float64(plan)/float64(raw), proc.Round(time.Millisecond), float64(proc)/float64(raw), float64(peak)/1e6)
	b.Logf("%s: kgitops run, steady state: a pass takes %s, RSS %.0f-%.0f MB, heap in use up to %.0f MB",
		c.Name, daemonPass.Round(time.Millisecond), daemonIdle/1e6, daemonRSS/1e6, daemonHeap/1e6)
}

// benchDaemon runs `kgitops run` on the applied repo for seven passes, 5 s
// apart, and returns the mean duration of the last five (the first two
// hash the users' passwords once, then remember them), and the highest
// RSS, the lowest (between passes) and the highest heap in use /metrics
// showed during them, read every 500 ms.
func benchDaemon(b *testing.B, bin string, flags []string) (pass time.Duration, rss, idle, heap float64) {
	b.Helper()
	d, err := benchrepo.StartDaemon(bin, append(append([]string{"run"}, flags...), "--interval", "5s", "--leader-election=false")...)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var sum2, count2 float64
	for {
		if d.Exited() {
			b.Fatalf("kgitops run exited:\n%s", tail(d.Output(), 40))
		}
		m, err := d.Metrics(ctx)
		if err == nil {
			if f := m.Sum("kgitops_reconcile_total", map[string]string{"result": "failure"}); f > 0 {
				b.Fatalf("kgitops run: %v failed passes:\n%s", f, tail(d.Output(), 40))
			}
			count, sum := m.Sum("kgitops_reconcile_duration_seconds_count", nil), m.Sum("kgitops_reconcile_duration_seconds_sum", nil)
			if count >= 2 && count2 == 0 {
				sum2, count2 = sum, count
			}
			if count2 > 0 {
				now := m.Sum("process_resident_memory_bytes", nil)
				rss, heap = max(rss, now), max(heap, m.Sum("go_memstats_heap_inuse_bytes", nil))
				if idle == 0 || now < idle {
					idle = now
				}
			}
			if count >= count2+5 && count2 > 0 {
				return time.Duration((sum - sum2) / (count - count2) * float64(time.Second)), rss, idle, heap
			}
		}
		select {
		case <-ctx.Done():
			b.Fatalf("kgitops run: not seven passes in 10 minutes:\n%s", tail(d.Output(), 40))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// rawFetch reads what a plan of the Scale repo reads, by bare kadm and
// kmsg requests: the topics, their configs, every ACL, every quota and
// every SCRAM user.
func rawFetch(ctx context.Context, b *testing.B, cl *kgo.Client) {
	b.Helper()
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := adm.DescribeTopicConfigs(ctx, md.Topics.Names()...); err != nil {
		b.Fatal(err)
	}
	if _, err := ReadACLs(ctx, cl); err != nil {
		b.Fatal(err)
	}
	if _, err := adm.DescribeClientQuotas(ctx, false, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := adm.DescribeUserSCRAMs(ctx); err != nil {
		b.Fatal(err)
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// rawApply makes what an apply of st makes on an empty cluster, by bare
// requests and nothing else: CreateTopics and CreateACLs in batches of
// maxRecordsPerRequest records (the controller's limit), one after the
// other as apply sends them, then one AlterClientQuotas and one
// AlterUserScramCredentials. No plan, no inventory, no waiting for the
// brokers to show the result: what the controller alone costs.
func rawApply(ctx context.Context, b *testing.B, cl *kgo.Client, st *spec.State, passwords map[string]Secret) {
	b.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 60000
	records := 0
	flushTopics := func() {
		if len(req.Topics) == 0 {
			return
		}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			b.Fatalf("raw CreateTopics: %v", err)
		}
		for _, t := range resp.Topics {
			if err := kafkaErr(t.ErrorCode, t.ErrorMessage); err != nil {
				b.Fatalf("raw CreateTopics %s: %v", t.Topic, err)
			}
		}
		req.Topics, records = nil, 0
	}
	for _, t := range st.Topics {
		n := 1 + int(t.Partitions) + len(t.Configs)
		if records+n > maxRecordsPerRequest {
			flushTopics()
		}
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = t.Name, t.Partitions, t.ReplicationFactor
		for _, k := range sortedKeys(t.Configs) {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(t.Configs[k])
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
		records += n
	}
	flushTopics()

	acls := kmsg.NewPtrCreateACLsRequest()
	flushACLs := func() {
		if len(acls.Creations) == 0 {
			return
		}
		resp, err := acls.RequestWith(ctx, cl)
		if err != nil {
			b.Fatalf("raw CreateACLs: %v", err)
		}
		for _, r := range resp.Results {
			if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
				b.Fatalf("raw CreateACLs: %v", err)
			}
		}
		acls.Creations = nil
	}
	for _, d := range st.DesiredACLs() {
		if len(acls.Creations) == maxRecordsPerRequest {
			flushACLs()
		}
		rt, pt, op, perm := aclEnums(d.Entry)
		cr := kmsg.NewCreateACLsRequestCreation()
		cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = rt, d.Entry.ResourceName, pt
		cr.Principal, cr.Host, cr.Operation, cr.PermissionType = d.Entry.Principal, d.Entry.Host, op, perm
		acls.Creations = append(acls.Creations, cr)
	}
	flushACLs()

	adm := kadm.NewClient(cl)
	var quotas []kadm.AlterClientQuotaEntry
	for _, q := range st.Quotas {
		e := kadm.AlterClientQuotaEntry{Entity: quotaEntity(q.Entity)}
		for _, k := range sortedKeys(q.Values) {
			e.Ops = append(e.Ops, kadm.AlterClientQuotaOp{Key: k, Value: q.Values[k]})
		}
		quotas = append(quotas, e)
	}
	if len(quotas) > 0 {
		if _, err := adm.AlterClientQuotas(ctx, quotas); err != nil {
			b.Fatalf("raw AlterClientQuotas: %v", err)
		}
	}
	var upserts []kadm.UpsertSCRAM
	for _, u := range st.Users {
		upserts = append(upserts, kadm.UpsertSCRAM{User: u.Name, Mechanism: scramMechanism(u.Mechanism),
			Iterations: u.Iterations, Password: passwords[u.Name].Reveal()})
	}
	if len(upserts) > 0 {
		if _, err := adm.AlterUserSCRAMs(ctx, nil, upserts); err != nil {
			b.Fatalf("raw AlterUserScramCredentials: %v", err)
		}
	}
}

// rawReady waits, by bare requests, until the brokers show what rawApply
// made: every topic with a leader for each partition (Metadata) and every
// ACL (DescribeACLs), polled every 250 ms.
func rawReady(ctx context.Context, b *testing.B, cl *kgo.Client, st *spec.State) {
	b.Helper()
	want := len(st.DesiredACLs())
	for {
		req := kmsg.NewPtrMetadataRequest()
		resp, err := req.RequestWith(ctx, cl)
		led := 0
		if err == nil {
			for _, t := range resp.Topics {
				ok := len(t.Partitions) > 0
				for _, p := range t.Partitions {
					ok = ok && p.Leader >= 0
				}
				if ok {
					led++
				}
			}
		}
		acls, aerr := ReadACLs(ctx, cl)
		if err == nil && aerr == nil && led >= len(st.Topics) && len(acls) >= want {
			return
		}
		select {
		case <-ctx.Done():
			b.Fatalf("raw apply: the brokers show %d of %d topics led and %d of %d ACLs: %v", led, len(st.Topics), len(acls), want, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
