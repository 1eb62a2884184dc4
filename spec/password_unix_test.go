//go:build unix

package spec

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe is refused at once: opening one to read would otherwise
// wait for a writer forever.
func TestSecretsDirRefusesNamedPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sd, err := NewSecretsDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sd.ReadFile("pipe")
		done <- err
	}()
	select {
	case err := <-done:
		if want := "a named pipe, not a regular file: a password file must be a plain file"; err == nil || err.Error() != want {
			t.Fatalf("ReadFile(pipe) error = %v, want %s", err, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadFile(pipe) still waits after 5s")
	}
}
