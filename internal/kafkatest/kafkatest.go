// Package kafkatest gives tests the Kafka clusters they run against: an in-process
// kfake cluster always, and the real Apache Kafka broker of internal/testbroker when the
// environment names one (KGITOPS_TEST_KAFKA; `make test` sets it up).
//
// A typical cluster test:
//
//	func TestSomething(t *testing.T) {
//		kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
//			adm := c.Admin(t)
//			topic := kafkatest.Unique("something")
//			...
//		})
//	}
//
// Tests share the one real broker (and may run in parallel with other packages), so
// they must name every topic, group, user and ACL they create with Unique.
//
// A test that needs several brokers, racks or a broker going down calls ThreeNodes.
// When a real broker is configured, it starts a cluster of three KRaft nodes
// (internal/testbroker/cluster.sh) for that test alone and stops it at the end; the
// test may stop, kill and restart nodes. It costs 6-10 s, so `make test` stays fast
// only while few tests use it. Without a real broker it returns nil, and the test
// skips that part:
//
//	n := kafkatest.ThreeNodes(t)
//	if n == nil {
//		t.Skip("needs a real Kafka cluster")
//	}
//	adm := n.Admin(t)
//	n.StopNode(t, 3) // node 3 is down and fenced, still registered in KRaft
//	...
//	n.StartNode(t, 3)
//
// The real broker also has TLS listeners (server certificate only, client certificate
// required, and SASL_SSL) with a CA made at its start; RealTLS gives their addresses and
// PEM files, or nil without a real broker. kfake has no counterpart here.
//
// This package does not fake broker failures on kfake: kfake has no fencing, and its
// RemoveNode forgets the node altogether (see TestKfakeRemoveNode).
package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Environment variables that name the real broker (written by internal/testbroker/broker.sh env).
const (
	EnvBootstrap     = "KGITOPS_TEST_KAFKA"                // PLAINTEXT host:port[,host:port...]
	EnvSASLBootstrap = "KGITOPS_TEST_KAFKA_SASL"           // SASL_PLAINTEXT host:port[,...]
	EnvAdminUser     = "KGITOPS_TEST_KAFKA_ADMIN_USER"     // SCRAM super user
	EnvAdminPassword = "KGITOPS_TEST_KAFKA_ADMIN_PASSWORD" // its password
	EnvRequireReal   = "KGITOPS_REQUIRE_REAL_KAFKA"        // "1": a missing real broker fails the tests
)

// Cluster is one Kafka cluster a test runs against.
type Cluster struct {
	Name                     string         // "kfake" or "kafka"
	Bootstrap                []string       // PLAINTEXT addresses (super user ANONYMOUS on the real broker)
	Fake                     *kfake.Cluster // nil on the real broker
	SASLBootstrap            []string       // real broker's SASL_PLAINTEXT listener; for kfake, empty
	AdminUser, AdminPassword string         // SCRAM super user on the real broker
}

// Real reports whether c is the real Apache Kafka broker.
func (c *Cluster) Real() bool { return c.Fake == nil }

// Client returns a client seeded with c.Bootstrap and opts (later opts win), closed by
// t.Cleanup.
func (c *Cluster) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap...)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: new client for %s: %v", c.Name, err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Admin returns an admin client for c, closed by t.Cleanup.
func (c *Cluster) Admin(t testing.TB) *kadm.Client {
	t.Helper()
	return kadm.NewClient(c.Client(t))
}

// NewFake starts a 3-broker kfake cluster (kfake.NumBrokers(3) plus opts), closed by
// t.Cleanup.
func NewFake(t testing.TB, opts ...kfake.Opt) *Cluster {
	t.Helper()
	fc, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3)}, opts...)...)
	if err != nil {
		t.Fatalf("kafkatest: start kfake cluster: %v", err)
	}
	t.Cleanup(fc.Close)
	return &Cluster{Name: "kfake", Bootstrap: fc.ListenAddrs(), Fake: fc}
}

// requireReal reports whether KGITOPS_REQUIRE_REAL_KAFKA=1.
func requireReal() bool { return os.Getenv(EnvRequireReal) == "1" }

// reachable checks once per test binary that the real broker answers, so a stale
// KGITOPS_TEST_KAFKA fails with one clear message instead of timeouts in every test.
var reachable = sync.OnceValue(func() error {
	addrs := splitAddrs(os.Getenv(EnvBootstrap))
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RequestRetries(2))
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return cl.Ping(ctx)
})

// RealBroker returns the broker given by KGITOPS_TEST_KAFKA, or nil when none is given
// (and t.Fatal when KGITOPS_REQUIRE_REAL_KAFKA=1 but none is given).
func RealBroker(t testing.TB) *Cluster {
	t.Helper()
	addrs := splitAddrs(os.Getenv(EnvBootstrap))
	if len(addrs) == 0 {
		if requireReal() {
			t.Fatalf("kafkatest: %s=1 but %s is not set; run the tests with `make test` (internal/testbroker/test.sh)", EnvRequireReal, EnvBootstrap)
		}
		return nil
	}
	if err := reachable(); err != nil {
		t.Fatalf("kafkatest: real broker %s=%s does not answer: %v", EnvBootstrap, strings.Join(addrs, ","), err)
	}
	return &Cluster{
		Name:          "kafka",
		Bootstrap:     addrs,
		SASLBootstrap: splitAddrs(os.Getenv(EnvSASLBootstrap)),
		AdminUser:     os.Getenv(EnvAdminUser),
		AdminPassword: os.Getenv(EnvAdminPassword),
	}
}

func splitAddrs(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Each runs fn as subtest "kfake" on a fresh NewFake cluster and, when a real broker is
// given, as subtest "kafka" on it. With KGITOPS_REQUIRE_REAL_KAFKA=1 and no broker, it
// fails.
func Each(t *testing.T, fn func(t *testing.T, c *Cluster)) {
	t.Helper()
	t.Run("kfake", func(t *testing.T) {
		fn(t, NewFake(t))
	})
	if rb := RealBroker(t); rb != nil {
		t.Run("kafka", func(t *testing.T) {
			fn(t, rb)
		})
	}
}

// FakeAdminUser and FakeAdminPassword are the SCRAM super user of the kfake
// cluster EachSecure starts.
const (
	FakeAdminUser     = "admin"
	FakeAdminPassword = "kfake-admin-pw"
)

// EachSecure is Each for tests of authentication and authorization: on kfake
// it starts a cluster with SASL (every listener), ACL checks and a
// SCRAM-SHA-512 super user; the real broker already has its SASL listener
// and StandardAuthorizer. Either way c.SASLBootstrap, c.AdminUser and
// c.AdminPassword reach the cluster as its super user.
func EachSecure(t *testing.T, fn func(t *testing.T, c *Cluster)) {
	t.Helper()
	t.Run("kfake", func(t *testing.T) {
		c := NewFake(t, kfake.EnableSASL(), kfake.EnableACLs(), kfake.Superuser("SCRAM-SHA-512", FakeAdminUser, FakeAdminPassword))
		c.SASLBootstrap = c.Bootstrap
		c.AdminUser, c.AdminPassword = FakeAdminUser, FakeAdminPassword
		fn(t, c)
	})
	if rb := RealBroker(t); rb != nil {
		t.Run("kafka", func(t *testing.T) {
			if len(rb.SASLBootstrap) == 0 || rb.AdminUser == "" {
				t.Fatalf("kafkatest: the real broker has no SASL listener or admin user (%s, %s)", EnvSASLBootstrap, EnvAdminUser)
			}
			fn(t, rb)
		})
	}
}

// Unique returns a name unique to this test run, prefix+"-"+8 random hex chars, so tests
// sharing the real broker never collide. It is a valid Kafka topic name when prefix is
// (use only [a-zA-Z0-9._-], and beware that '.' and '_' collide).
func Unique(prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("kafkatest: crypto/rand: %v", err))
	}
	return prefix + "-" + hex.EncodeToString(b[:])
}

// WaitForTopics waits (up to 30 s) until metadata shows every named topic with a leader
// for each partition. On the real broker, a topic exists for the controller as soon as
// CreateTopics returns, but the broker's metadata cache may lag behind for a moment.
func WaitForTopics(t testing.TB, adm *kadm.Client, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var last error
	for {
		last = topicsReady(ctx, adm, names)
		if last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("kafkatest: topics %v not ready after 30s: %v", names, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func topicsReady(ctx context.Context, adm *kadm.Client, names []string) error {
	md, err := adm.Metadata(ctx, names...)
	if err != nil {
		return err
	}
	for _, name := range names {
		td, ok := md.Topics[name]
		switch {
		case !ok:
			return fmt.Errorf("topic %q not in metadata", name)
		case td.Err != nil:
			return fmt.Errorf("topic %q: %w", name, td.Err)
		case len(td.Partitions) == 0:
			return fmt.Errorf("topic %q has no partitions yet", name)
		}
		for _, p := range td.Partitions {
			if p.Err != nil {
				return fmt.Errorf("topic %q partition %d: %w", name, p.Partition, p.Err)
			}
			if p.Leader < 0 {
				return fmt.Errorf("topic %q partition %d has no leader", name, p.Partition)
			}
		}
	}
	return nil
}
