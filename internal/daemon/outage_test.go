package daemon

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// ownBroker is a real Kafka broker of this test alone, started with the
// test rig's script on free ports, so that it can be stopped and started
// without disturbing the shared broker other tests use.
type ownBroker struct {
	t   *testing.T
	env []string
	c   *kafkatest.Cluster
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startOwnBroker(t *testing.T) *ownBroker {
	t.Helper()
	if kafkatest.RealBroker(t) == nil {
		t.Skip("no real broker rig: run with make test")
	}
	port := freePort(t)
	b := &ownBroker{t: t, env: append(os.Environ(),
		"KGITOPS_BROKER_DIR="+t.TempDir(),
		fmt.Sprintf("KGITOPS_BROKER_PORT=%d", port),
		fmt.Sprintf("KGITOPS_BROKER_SASL_PORT=%d", freePort(t)),
		fmt.Sprintf("KGITOPS_BROKER_CONTROLLER_PORT=%d", freePort(t)),
		// Its TLS listeners too: the defaults are the shared broker's.
		fmt.Sprintf("KGITOPS_BROKER_SSL_PORT=%d", freePort(t)),
		fmt.Sprintf("KGITOPS_BROKER_MTLS_PORT=%d", freePort(t)),
		fmt.Sprintf("KGITOPS_BROKER_SASL_SSL_PORT=%d", freePort(t)),
		"KGITOPS_BROKER_HEAP=512m",
	)}
	b.c = &kafkatest.Cluster{Name: "kafka", Bootstrap: []string{fmt.Sprintf("127.0.0.1:%d", port)}}
	b.script("start")
	t.Cleanup(func() { b.script("stop") })
	return b
}

func (b *ownBroker) script(verb string) {
	b.t.Helper()
	cmd := exec.Command("bash", filepath.Join("..", "testbroker", "broker.sh"), verb)
	cmd.Env = b.env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.t.Fatalf("broker.sh %s: %v\n%s", verb, err, out)
	}
}

// TestRealBrokerDownAndBack stops a real broker under a running daemon and
// starts it again: the daemon reports the outage, stays up, and recovers
// without a restart. The broker comes back empty (its data dir is wiped on
// stop), so the daemon re-creates the declared topic.
func TestRealBrokerDownAndBack(t *testing.T) {
	b := startOwnBroker(t)
	h := newHarness(t, b.c, ModeApply, func(cfg *Config) { cfg.PassTimeout = 5 * time.Second })
	name := kafkatest.Unique("outage")
	first := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
	h.start()
	h.waitFor("applied", func(s Status) bool { return s.LastAppliedRevision == first })

	b.script("stop")
	s := h.waitFor("outage reported", func(s Status) bool { return s.ErrorClass == "kafka_unreachable" })
	if s.Ready() {
		t.Fatalf("ready while the broker is down: %+v", s)
	}
	b.script("start")
	start := time.Now()
	h.waitFor("recovered", func(s Status) bool { return s.Ready() && s.LastError == "" && len(s.Drift) == 0 })
	t.Logf("recovered %s after the broker came back", time.Since(start).Round(time.Millisecond))
	if _, ok := topicConfig(t, b.c, name, "retention.ms"); ok {
		return
	}
	ctxDeadline := time.Now().Add(10 * time.Second)
	for {
		adm := b.c.Admin(t)
		md, err := adm.Metadata(t.Context(), name)
		if err == nil && md.Topics[name].Err == nil {
			return
		}
		if time.Now().After(ctxDeadline) {
			t.Fatalf("topic %s not re-created after the broker came back: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
