package kafkatest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockBrokerConfigs serializes, across the test binaries that `go test
// ./...` runs at once, the tests that manage the real broker's dynamic
// configs (BrokerConfig): the broker has one set of cluster-wide defaults
// and one per broker, and kgitops rightly refuses to let two inventories
// manage the same one. The lock is an exclusive flock on a file in the
// temporary folder, released when the test ends (or its process dies). On
// kfake, whose cluster is the test's own, it does nothing.
func (c *Cluster) LockBrokerConfigs(t testing.TB) {
	t.Helper()
	if !c.Real() {
		return
	}
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "kgitops-test-broker-configs.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("kafkatest: broker configs lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("kafkatest: broker configs lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}
