package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kgitops/kgitops/spec"
)

// Regression (issue 9): a FIFO named x.yaml hung the loader, and a link to
// /dev/zero grew without end. kgitops run --dir read every file to hash
// the folder before the loader could refuse them. Sync now opens only
// small regular files, and the revision is then refused with the reason.
func TestDirSourceNeverOpensHostileFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(topicYAML("t", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "x.yaml"), 0o644); err != nil {
		t.Skipf("no mkfifo: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var rev Revision
	var syncErr error
	go func() {
		defer close(done)
		rev, _, syncErr = DirSource{Dir: dir}.Sync(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Sync hangs on a FIFO or a link to /dev/zero")
	}
	if syncErr != nil || !strings.HasPrefix(rev.ID, "dir-sha256:") {
		t.Fatalf("Sync: %v %+v", syncErr, rev)
	}
	// The loader refuses both files, without opening them.
	loaded := make(chan error, 1)
	go func() {
		_, err := spec.LoadFS(os.DirFS(dir))
		loaded <- err
	}()
	select {
	case err := <-loaded:
		var errs spec.Errors
		if !errors.As(err, &errs) || !strings.Contains(err.Error(), "x.yaml") || !strings.Contains(err.Error(), "zero.yaml") {
			t.Fatalf("load of a folder with a FIFO and a link to /dev/zero: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loader hangs")
	}
}
