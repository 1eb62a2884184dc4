// Command waitready blocks until the real-broker test rig (internal/testbroker/broker.sh)
// is really ready: the PLAINTEXT listener answers metadata, the bootstrapped SCRAM super
// user exists, both SCRAM mechanisms log in on the SASL listener, and the group
// coordinator is up (which creates __consumer_offsets, so the first test does not pay
// for it). It is run by broker.sh, not by tests.
//
// It exits 0 when ready, and 1 with the last error when the deadline passes or the
// broker process (-pid) dies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func main() {
	var (
		bootstrap = flag.String("bootstrap", "127.0.0.1:19092", "PLAINTEXT listener")
		saslAddr  = flag.String("sasl", "127.0.0.1:19093", "SASL_PLAINTEXT listener")
		user      = flag.String("user", "admin", "SCRAM super user")
		pid       = flag.Int("pid", 0, "broker process id; give up early when it exits (0: don't check)")
		timeout   = flag.Duration("timeout", 120*time.Second, "overall deadline")
	)
	flag.Parse()
	password := os.Getenv("KGITOPS_TEST_KAFKA_ADMIN_PASSWORD")
	if password == "" {
		fail(errors.New("KGITOPS_TEST_KAFKA_ADMIN_PASSWORD is not set"))
	}

	deadline := time.Now().Add(*timeout)
	steps := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"PLAINTEXT metadata", func(ctx context.Context) error { return checkMetadata(ctx, *bootstrap) }},
		{"SCRAM user bootstrapped", func(ctx context.Context) error { return checkSCRAMUser(ctx, *bootstrap, *user) }},
		{"SASL SCRAM-SHA-256 login", func(ctx context.Context) error { return checkSASL(ctx, *saslAddr, *user, password, 256) }},
		{"SASL SCRAM-SHA-512 login", func(ctx context.Context) error { return checkSASL(ctx, *saslAddr, *user, password, 512) }},
		{"group coordinator", func(ctx context.Context) error { return checkCoordinator(ctx, *bootstrap) }},
	}
	for _, s := range steps {
		var last error
		for {
			if *pid > 0 && !alive(*pid) {
				fail(fmt.Errorf("broker process %d exited while waiting for %s (last error: %v)", *pid, s.name, last))
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

func admin(addr string, opts ...kgo.Opt) (*kadm.Client, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.RequestRetries(0),
		kgo.DialTimeout(2 * time.Second),
	}, opts...)...)
	if err != nil {
		return nil, err
	}
	return kadm.NewClient(cl), nil
}

func checkMetadata(ctx context.Context, addr string) error {
	adm, err := admin(addr)
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

func checkSCRAMUser(ctx context.Context, addr, user string) error {
	adm, err := admin(addr)
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
	adm, err := admin(addr, kgo.SASL(mech))
	if err != nil {
		return err
	}
	defer adm.Close()
	_, err = adm.ListTopics(ctx)
	return err
}

func checkCoordinator(ctx context.Context, addr string) error {
	adm, err := admin(addr)
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
