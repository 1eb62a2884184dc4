// Command waitready blocks until the real-broker test rig (internal/testbroker/broker.sh
// or cluster.sh) is really ready: the PLAINTEXT listener answers metadata; with -sasl, the
// bootstrapped SCRAM super user exists and both SCRAM mechanisms log in on the SASL
// listener; with -tls-dir, the SSL listener (-tls) and the one that requires a client
// certificate (-mtls) answer metadata over TLS with mkcerts' CA and client certificate
// (so a certificate the broker cannot use fails the start, not the tests); with -nodes, those nodes are registered and unfenced in KRaft and listed by
// Metadata, and a topic with one replica per node can be created; and the group
// coordinator is up (which creates __consumer_offsets, so the first test does not pay
// for it). It is run by the scripts, not by tests.
//
// It exits 0 when ready, and 1 with the last error when the deadline passes or a broker
// process (-pid) dies.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func main() {
	var (
		bootstrap = flag.String("bootstrap", "127.0.0.1:19092", "PLAINTEXT listeners, comma-separated")
		saslAddr  = flag.String("sasl", "127.0.0.1:19093", `SASL_PLAINTEXT listener ("": no SASL checks)`)
		user      = flag.String("user", "admin", "SCRAM super user")
		pids      = flag.String("pid", "", "broker process ids, comma-separated; give up early when one exits")
		nodes     = flag.String("nodes", "", `node ids that must be registered and unfenced ("": don't check)`)
		timeout   = flag.Duration("timeout", 120*time.Second, "overall deadline")
		tlsDir    = flag.String("tls-dir", "", `folder of mkcerts' PEM files ("": no TLS checks)`)
		tlsAddr   = flag.String("tls", "", "SSL listener (with -tls-dir)")
		mtlsAddr  = flag.String("mtls", "", "SSL listener that requires a client certificate (with -tls-dir)")
	)
	flag.Parse()
	seeds := strings.Split(*bootstrap, ",")
	procs, err := parseInts(*pids)
	if err != nil {
		fail(fmt.Errorf("-pid: %w", err))
	}
	ids, err := parseInts(*nodes)
	if err != nil {
		fail(fmt.Errorf("-nodes: %w", err))
	}

	type step struct {
		name string
		fn   func(ctx context.Context) error
	}
	steps := []step{{"PLAINTEXT metadata", func(ctx context.Context) error { return checkMetadata(ctx, seeds) }}}
	if *saslAddr != "" {
		password := os.Getenv("KGITOPS_TEST_KAFKA_ADMIN_PASSWORD")
		if password == "" {
			fail(errors.New("KGITOPS_TEST_KAFKA_ADMIN_PASSWORD is not set"))
		}
		steps = append(steps,
			step{"SCRAM user bootstrapped", func(ctx context.Context) error { return checkSCRAMUser(ctx, seeds, *user) }},
			step{"SASL SCRAM-SHA-256 login", func(ctx context.Context) error { return checkSASL(ctx, *saslAddr, *user, password, 256) }},
			step{"SASL SCRAM-SHA-512 login", func(ctx context.Context) error { return checkSASL(ctx, *saslAddr, *user, password, 512) }},
		)
	}
	if *tlsDir != "" {
		steps = append(steps,
			step{"TLS metadata", func(ctx context.Context) error { return checkTLS(ctx, *tlsAddr, *tlsDir, false) }},
			step{"mTLS metadata", func(ctx context.Context) error { return checkTLS(ctx, *mtlsAddr, *tlsDir, true) }},
		)
	}
	if len(ids) > 0 {
		steps = append(steps,
			step{fmt.Sprintf("nodes %s registered and unfenced", *nodes), func(ctx context.Context) error { return checkNodes(ctx, seeds, ids) }},
			step{fmt.Sprintf("topic with replication factor %d", len(ids)), func(ctx context.Context) error { return checkReplicatedTopic(ctx, seeds, len(ids)) }},
		)
	}
	steps = append(steps, step{"group coordinator", func(ctx context.Context) error { return checkCoordinator(ctx, seeds) }})

	deadline := time.Now().Add(*timeout)
	for _, s := range steps {
		var last error
		for {
			for _, pid := range procs {
				if !alive(pid) {
					fail(fmt.Errorf("broker process %d exited while waiting for %s (last error: %v)", pid, s.name, last))
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			last = s.fn(ctx)
			cancel()
			if last == nil {
				break
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("broker not ready after %s: %s: %w", *timeout, s.name, last))
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// parseInts parses a comma-separated list of integers; "" is none.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// alive reports whether process pid runs; a zombie (exited, not yet reaped) does not.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no procfs: trust kill(0)
	}
	// The state follows the parenthesized command name: "pid (comm) S ...".
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "waitready:", err)
	os.Exit(1)
}

func client(seeds []string, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.RequestRetries(0),
		kgo.DialTimeout(2 * time.Second),
	}, opts...)...)
}

func admin(seeds []string, opts ...kgo.Opt) (*kadm.Client, error) {
	cl, err := client(seeds, opts...)
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

func checkMetadata(ctx context.Context, seeds []string) error {
	adm, err := admin(seeds)
	if err != nil {
		return err
	}
	defer adm.Close()
	m, err := adm.BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	if len(m.Brokers) == 0 {
		return errors.New("metadata lists no brokers yet")
	}
	return nil
}

// checkTLS asks addr for metadata over TLS, trusting dir/ca.pem only and, with
// clientCert, showing dir/client.pem.
func checkTLS(ctx context.Context, addr, dir string, clientCert bool) error {
	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return err
	}
	tc := &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}
	if !tc.RootCAs.AppendCertsFromPEM(ca) {
		return fmt.Errorf("%s holds no certificate", filepath.Join(dir, "ca.pem"))
	}
	if clientCert {
		cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"))
		if err != nil {
			return err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	cl, err := client([]string{addr}, kgo.DialTLSConfig(tc))
	if err != nil {
		return err
	}
	defer cl.Close()
	_, err = kadm.NewClient(cl).BrokerMetadata(ctx)
	return err
}

func checkSCRAMUser(ctx context.Context, seeds []string, user string) error {
	adm, err := admin(seeds)
	if err != nil {
		return err
	}
	defer adm.Close()
	described, err := adm.DescribeUserSCRAMs(ctx, user)
	if err != nil {
		return err
	}
	d, ok := described[user]
	if !ok {
		return fmt.Errorf("user %q not described", user)
	}
	if d.Err != nil {
		return d.Err
	}
	var mechs []string
	for _, ci := range d.CredInfos {
		mechs = append(mechs, ci.Mechanism.String())
	}
	if len(mechs) < 2 {
		return fmt.Errorf("user %q has SCRAM mechanisms [%s], want both SHA-256 and SHA-512", user, strings.Join(mechs, ", "))
	}
	return nil
}

func checkSASL(ctx context.Context, addr, user, password string, bits int) error {
	a := scram.Auth{User: user, Pass: password}
	mech := a.AsSha512Mechanism()
	if bits == 256 {
		mech = a.AsSha256Mechanism()
	}
	adm, err := admin([]string{addr}, kgo.SASL(mech))
	if err != nil {
		return err
	}
	defer adm.Close()
	_, err = adm.ListTopics(ctx)
	return err
}

func checkCoordinator(ctx context.Context, seeds []string) error {
	adm, err := admin(seeds)
	if err != nil {
		return err
	}
	defer adm.Close()
	for _, r := range adm.FindGroupCoordinators(ctx, "kgitops-testbroker-warmup") {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}

// checkNodes passes when DescribeCluster (v2, fenced brokers included) lists the nodes
// ids as registered and unfenced, and Metadata lists them too: each of them has
// registered with the KRaft controller, caught up with the metadata log and been
// unfenced. Other nodes (stopped ones, say) may be registered as well.
func checkNodes(ctx context.Context, seeds []string, ids []int) error {
	cl, err := client(seeds)
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrDescribeClusterRequest()
	req.IncludeFencedBrokers = true
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return err
	}
	if resp.Version < 2 {
		return fmt.Errorf("DescribeCluster v%d cannot show fenced brokers (need v2, Kafka 4.0+)", resp.Version)
	}
	unfenced := map[int]bool{}
	for _, b := range resp.Brokers {
		unfenced[int(b.NodeID)] = !b.IsFenced
	}
	for _, id := range ids {
		up, registered := unfenced[id]
		switch {
		case !registered:
			return fmt.Errorf("node %d is not registered yet", id)
		case !up:
			return fmt.Errorf("node %d is still fenced", id)
		}
	}
	// A raw request: kadm's BrokerMetadata may answer from the client's broker list.
	mreq := kmsg.NewPtrMetadataRequest()
	mreq.Topics = []kmsg.MetadataRequestTopic{}
	md, err := mreq.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	listed := map[int]bool{}
	for _, b := range md.Brokers {
		listed[int(b.NodeID)] = true
	}
	for _, id := range ids {
		if !listed[id] {
			return fmt.Errorf("metadata does not list node %d yet", id)
		}
	}
	return nil
}

// checkReplicatedTopic creates and deletes a topic with replication factor rf, which
// needs a working KRaft quorum. (It does not prove rf brokers are up: the controller
// also places replicas on registered but fenced brokers.)
func checkReplicatedTopic(ctx context.Context, seeds []string, rf int) error {
	adm, err := admin(seeds)
	if err != nil {
		return err
	}
	defer adm.Close()
	const topic = "kgitops-testbroker-ready"
	resp, err := adm.CreateTopic(ctx, 1, int16(rf), nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return err
	}
	_, err = adm.DeleteTopic(ctx, topic)
	return err
}
