package kafkatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Nodes is a real Apache Kafka cluster of three KRaft nodes that one test owns, so it
// may stop and start them. Every node is a broker and a controller (a voter of the
// KRaft quorum); node i has node.id i (1..3), broker.rack rack-a, rack-b or rack-c, and
// its own PLAINTEXT listener. The embedded Cluster, named "kafka-3node", bootstraps from
// all three; clients are User:ANONYMOUS, a super user (there is no SASL listener).
// Internal topics and topics created with replication factor -1 get 3 replicas.
//
// Brokers heartbeat every second and are fenced 3 s after their last heartbeat (Kafka's
// defaults are 2 s and 9 s), so a killed node is noticed quickly.
type Nodes struct {
	*Cluster

	script string           // internal/testbroker/cluster.sh
	env    []string         // its environment: state dir, ports, owner
	addrs  map[int32]string // node id -> PLAINTEXT address
}

// nodesTimeout bounds one cluster.sh command (start, stop-node, start-node).
const nodesTimeout = 3 * time.Minute

// ThreeNodes starts a 3-node real Kafka cluster for this test alone, stopped (and its
// data deleted) by t.Cleanup. It returns nil when no real broker is configured
// (KGITOPS_TEST_KAFKA unset), so the caller skips its real-cluster half; it fails the
// test when KGITOPS_REQUIRE_REAL_KAFKA=1 and none is configured, or when the cluster
// cannot start. The cluster runs from internal/testbroker/cluster.sh on free ports
// below the ephemeral range and in a state dir under <repo>/.kafka-test-cluster, which
// is kept when the test fails (for the nodes' logs). Starting takes 6-9 s on 2 cores
// (more while other JVMs start), so use it only in tests that need several brokers or a
// broker going down.
//
// If the test binary dies without running its cleanups (a -timeout panic, Ctrl-C), a
// watchdog started by cluster.sh stops the JVMs within a second.
func ThreeNodes(t testing.TB) *Nodes {
	t.Helper()
	if len(splitAddrs(os.Getenv(EnvBootstrap))) == 0 {
		if requireReal() {
			t.Fatalf("kafkatest: %s=1 but %s is not set; run the tests with `make test` (internal/testbroker/test.sh)", EnvRequireReal, EnvBootstrap)
		}
		return nil
	}
	return startNodes(t, 3, nil)
}

// ThreeNodesInRacks is ThreeNodes with node i in racks[i-1], such as a, a, b: two racks
// for three brokers, where a replication factor of 3 cannot spread over three racks.
func ThreeNodesInRacks(t testing.TB, racks ...string) *Nodes {
	t.Helper()
	if len(racks) != 3 {
		t.Fatalf("kafkatest: ThreeNodesInRacks wants 3 racks, got %d", len(racks))
	}
	if len(splitAddrs(os.Getenv(EnvBootstrap))) == 0 {
		if requireReal() {
			t.Fatalf("kafkatest: %s=1 but %s is not set; run the tests with `make test` (internal/testbroker/test.sh)", EnvRequireReal, EnvBootstrap)
		}
		return nil
	}
	return startNodes(t, 3, racks)
}

// FreshCluster is a real Kafka cluster of count nodes (1 to 26) for this caller alone,
// as ThreeNodes starts them, with heap for each JVM (such as "1g"; "" for the rig's
// default). A benchmark that fills a cluster uses it so that nothing needs deleting
// afterwards: the cluster and its data go at cleanup. Nil without a real broker.
func FreshCluster(t testing.TB, count int, heap string) *Nodes {
	t.Helper()
	if len(splitAddrs(os.Getenv(EnvBootstrap))) == 0 {
		if requireReal() {
			t.Fatalf("kafkatest: %s=1 but %s is not set; run the tests with `make test` (internal/testbroker/test.sh)", EnvRequireReal, EnvBootstrap)
		}
		return nil
	}
	if heap != "" {
		t.Setenv("KGITOPS_CLUSTER_HEAP", heap)
	}
	return startNodes(t, count, nil)
}

func startNodes(t testing.TB, count int, racks []string) *Nodes {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	script := filepath.Join(root, "internal", "testbroker", "cluster.sh")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("kafkatest: the 3-node rig: %v", err)
	}
	base := filepath.Join(root, ".kafka-test-cluster")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	dir, err := os.MkdirTemp(base, dirSafe.ReplaceAllString(t.Name(), "_")+"-")
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	port, err := freeBasePort(2 * count)
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	n := &Nodes{
		script: script,
		env: append(os.Environ(),
			"KGITOPS_CLUSTER_DIR="+dir,
			"KGITOPS_CLUSTER_NODES="+strconv.Itoa(count),
			"KGITOPS_CLUSTER_BASE_PORT="+strconv.Itoa(port),
			"KGITOPS_CLUSTER_OWNER_PID="+strconv.Itoa(os.Getpid()),
			"KGITOPS_CLUSTER_RACKS="+strings.Join(racks, ","),
		),
	}
	t.Cleanup(func() {
		if out, err := n.run("stop"); err != nil {
			t.Errorf("kafkatest: stop the %d-node cluster: %v\n%s", count, err, out)
		}
		if t.Failed() {
			t.Logf("kafkatest: the %d-node cluster's logs are kept in %s", count, dir)
			for id := 1; id <= count; id++ {
				logTail(t, id, filepath.Join(dir, fmt.Sprintf("node-%d", id), "logs", "server.log"))
			}
			return
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("kafkatest: %v", err)
		}
	})

	began := time.Now()
	if out, err := n.run("start"); err != nil {
		t.Fatalf("kafkatest: start a %d-node Kafka cluster: %v\n%s", count, err, out)
	}
	out, err := n.run("env")
	if err != nil {
		t.Fatalf("kafkatest: %v\n%s", err, out)
	}
	vars := parseExports(out)
	n.addrs = map[int32]string{}
	for id := 1; id <= count; id++ {
		addr := vars["KGITOPS_CLUSTER_NODE_"+strconv.Itoa(id)]
		if addr == "" {
			t.Fatalf("kafkatest: cluster.sh env names no address for node %d:\n%s", id, out)
		}
		n.addrs[int32(id)] = addr
	}
	n.Cluster = &Cluster{Name: fmt.Sprintf("kafka-%dnode", count), Bootstrap: splitAddrs(vars["KGITOPS_CLUSTER_BOOTSTRAP"])}
	t.Logf("kafkatest: %d-node Kafka cluster ready in %v at %s", count, time.Since(began).Round(100*time.Millisecond), strings.Join(n.Bootstrap, ","))
	return n
}

// Addr returns the PLAINTEXT address of node id.
func (n *Nodes) Addr(id int32) string { return n.addrs[id] }

// StopNode shuts node id down with SIGTERM (a controlled shutdown: its partition
// leaderships move to the other nodes first) and returns once the JVM has exited and the
// controller has fenced the node. The node stays registered in KRaft: DescribeCluster
// v2 with IncludeFencedBrokers lists it with IsFenced, Metadata no longer lists it, it
// leaves every ISR but stays in the replica lists, and topics created meanwhile may be
// given replicas on it (never as leader). Every node is a KRaft voter, so this stops a
// voter too (perhaps the active controller); with one of three voters down the quorum
// still works. Stopping a second node loses the quorum.
func (n *Nodes) StopNode(t testing.TB, id int32) {
	t.Helper()
	n.stop(t, id, "stop-node")
}

// KillNode is StopNode with SIGKILL: no controlled shutdown, so the node keeps its
// partition leaderships and is listed by Metadata until the controller fences it, 3 s
// after its last heartbeat (5-7 s when it was the active controller; see QuorumLeader).
// KillNode returns once it is fenced.
func (n *Nodes) KillNode(t testing.TB, id int32) {
	t.Helper()
	n.stop(t, id, "kill-node")
}

func (n *Nodes) stop(t testing.TB, id int32, cmd string) {
	t.Helper()
	n.checkID(t, id)
	began := time.Now()
	if out, err := n.run(cmd, strconv.Itoa(int(id))); err != nil {
		t.Fatalf("kafkatest: %s %d: %v\n%s", cmd, id, err, out)
	}
	exited := time.Since(began)
	n.waitFenced(t, id, true)
	t.Logf("kafkatest: %s %d: JVM gone after %v, fenced after %v", cmd, id,
		exited.Round(10*time.Millisecond), time.Since(began).Round(10*time.Millisecond))
}

// PauseNode freezes node id's JVM (SIGSTOP), as a broker that hangs: its connections
// stay open and it answers nothing. It returns resume (SIGCONT), which t.Cleanup also
// calls; calling it twice is harmless.
func (n *Nodes) PauseNode(t testing.TB, id int32) (resume func()) {
	t.Helper()
	n.checkID(t, id)
	if out, err := n.run("pause-node", strconv.Itoa(int(id))); err != nil {
		t.Fatalf("kafkatest: pause node %d: %v\n%s", id, err, out)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if out, err := n.run("resume-node", strconv.Itoa(int(id))); err != nil {
				t.Errorf("kafkatest: resume node %d: %v\n%s", id, err, out)
			}
		})
	}
	t.Cleanup(resume)
	return resume
}

// StartNode starts node id again on its data (no formatting) and returns once every
// running node, id included, is registered, unfenced and listed by Metadata.
func (n *Nodes) StartNode(t testing.TB, id int32) {
	t.Helper()
	n.checkID(t, id)
	began := time.Now()
	if out, err := n.run("start-node", strconv.Itoa(int(id))); err != nil {
		t.Fatalf("kafkatest: start node %d: %v\n%s", id, err, out)
	}
	n.waitFenced(t, id, false)
	t.Logf("kafkatest: start-node %d: unfenced after %v", id, time.Since(began).Round(10*time.Millisecond))
}

// QuorumLeader returns the node that is the KRaft quorum leader, the active controller
// (DescribeQuorum, which a broker forwards to the controllers). Killing it costs more
// than killing another node: the other voters elect a new leader first (about 2 s), and
// the new controller then fences the dead node only after a full session timeout.
// Note that the ControllerId in Metadata and DescribeCluster responses is not this: in
// KRaft it is a random live broker.
func (n *Nodes) QuorumLeader(t testing.TB) int32 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.Bootstrap...))
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := kmsg.NewPtrDescribeQuorumRequest()
	rt := kmsg.NewDescribeQuorumRequestTopic()
	rt.Topic = "__cluster_metadata"
	rt.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = []kmsg.DescribeQuorumRequestTopic{rt}
	leader := func() (int32, error) {
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return -1, err
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return -1, err
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return -1, fmt.Errorf("%d topics in the response, want __cluster_metadata", len(resp.Topics))
		}
		p := resp.Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
			return -1, err
		}
		if p.LeaderID < 0 {
			return -1, errors.New("no leader (an election is under way)")
		}
		return p.LeaderID, nil
	}
	for {
		id, err := leader()
		if err == nil {
			return id
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kafkatest: describe the KRaft quorum: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (n *Nodes) checkID(t testing.TB, id int32) {
	t.Helper()
	if _, ok := n.addrs[id]; !ok {
		t.Fatalf("kafkatest: no node %d in %s (nodes are 1 to %d)", id, n.Name, len(n.addrs))
	}
}

// waitFenced waits until DescribeCluster lists node id with IsFenced == fenced and
// Metadata lists it exactly when it is not fenced.
func (n *Nodes) waitFenced(t testing.TB, id int32, fenced bool) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.Bootstrap...))
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	check := func() error {
		brokers, err := describeBrokers(ctx, cl)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(brokers, func(b kmsg.DescribeClusterResponseBroker) bool { return b.NodeID == id })
		switch {
		case i < 0:
			return fmt.Errorf("node %d is not registered", id)
		case brokers[i].IsFenced != fenced:
			return fmt.Errorf("node %d: fenced = %v", id, brokers[i].IsFenced)
		}
		md, err := liveMetadata(ctx, cl)
		if err != nil {
			return err
		}
		if listed := slices.ContainsFunc(md.Brokers, func(b kmsg.MetadataResponseBroker) bool { return b.NodeID == id }); listed == fenced {
			return fmt.Errorf("node %d: listed by Metadata = %v", id, listed)
		}
		return nil
	}
	for {
		last := check()
		if last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kafkatest: node %d not %s after 30s: %v", id, map[bool]string{true: "fenced", false: "unfenced"}[fenced], last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// describeBrokers returns every broker registered in KRaft, fenced ones included
// (DescribeCluster v2, Kafka 4.0+), sorted by node id.
func describeBrokers(ctx context.Context, cl *kgo.Client) ([]kmsg.DescribeClusterResponseBroker, error) {
	req := kmsg.NewPtrDescribeClusterRequest()
	req.IncludeFencedBrokers = true
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("describe cluster: %w", err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, fmt.Errorf("describe cluster: %w", err)
	}
	if resp.Version < 2 {
		return nil, fmt.Errorf("describe cluster: v%d cannot list fenced brokers (need v2, Kafka 4.0+)", resp.Version)
	}
	slices.SortFunc(resp.Brokers, func(a, b kmsg.DescribeClusterResponseBroker) int { return int(a.NodeID - b.NodeID) })
	return resp.Brokers, nil
}

// liveMetadata asks a broker for the metadata of topics (none: only brokers). Unlike
// kadm's Metadata and BrokerMetadata, it never answers from the client's cache: kadm
// may return cached topics for up to 5 s (MetadataMinAge), and for BrokerMetadata the
// brokers the client last learned of, so a broker that just went down stays listed.
func liveMetadata(ctx context.Context, cl *kgo.Client, topics ...string) (*kmsg.MetadataResponse, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	slices.SortFunc(resp.Brokers, func(a, b kmsg.MetadataResponseBroker) int { return int(a.NodeID - b.NodeID) })
	return resp, nil
}

// run runs cluster.sh with args and returns its output.
func (n *Nodes) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), nodesTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{n.script}, args...)...)
	cmd.Env = n.env
	cmd.WaitDelay = 5 * time.Second // should a child keep the output pipe open
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("cluster.sh %s: %w", strings.Join(args, " "), err)
	}
	return out.String(), err
}

// dirSafe matches what a test name may not carry into a directory name.
var dirSafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// repoRoot walks up from the working directory (a test's package directory) to the
// directory that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// freeBasePort finds count consecutive ports that are free on 127.0.0.1. It picks them
// in 20000-31999, below Linux's ephemeral range (32768+), so no outgoing connection
// takes one of them between this check and the JVMs' bind, or while a node is down.
func freeBasePort(count int) (int, error) {
	for range 100 {
		base := 20000 + rand.IntN(12000-count)
		var ls []net.Listener
		for p := base; p < base+count; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		for _, l := range ls {
			l.Close()
		}
		if len(ls) == count {
			return base, nil
		}
	}
	return 0, fmt.Errorf("no %d consecutive free ports found on 127.0.0.1 in 20000-31999", count)
}

// parseExports reads `export KEY=VALUE` lines.
func parseExports(s string) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "="); ok {
			vars[k] = v
		}
	}
	return vars
}

// logTail logs the last warnings and errors of one node's server.log, so that
// a failure on a CI machine, whose files are gone with it, shows what the
// brokers saw.
func logTail(t testing.TB, id int, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("kafkatest: node %d: %v", id, err)
		return
	}
	var keep []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "] WARN ") || strings.Contains(line, "] ERROR ") {
			keep = append(keep, line)
		}
	}
	const most = 25
	if len(keep) > most {
		keep = keep[len(keep)-most:]
	}
	t.Logf("kafkatest: node %d: the last %d warnings and errors of %s:\n%s", id, len(keep), path, strings.Join(keep, "\n"))
}
