package gitsync

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The git cache's disk fills up: the fetch fails with a clear error that
// names the cache and what to do (nothing is applied from a revision that
// was not fetched: the daemon keeps enforcing the last one), the cache is
// not wiped, and the next fetch succeeds once space frees up. The disk is
// a 1 MiB tmpfs, which needs root (mount); without it the test is
// skipped. Over smart HTTP, as in production, and over file://, where the
// fetch used to hang (filetransport.go).
func TestFetchWhenTheCacheDiskIsFull(t *testing.T) {
	requireGit(t)
	for _, transport := range []string{"https", "file"} {
		t.Run(transport, func(t *testing.T) { testFetchOnAFullDisk(t, transport) })
	}
}

func testFetchOnAFullDisk(t *testing.T, transport string) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a small tmpfs for the cache (%v): this test needs root", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })

	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	url := "file://" + rem.bare
	if transport == "https" {
		url = newFaultyHTTPS(t, rem).url // behaving: the smart HTTP transport
	}
	o := completed(t, Options{URL: url, CacheDir: filepath.Join(mnt, "cache"), Timeout: 30 * time.Second})
	r, _ := open(t, o)
	first := fetch(t, r)

	// 3 MiB of data that does not compress: more than the disk holds.
	big := make([]byte, 3<<20)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Read(big)
	f.Close()
	second := rem.commit("big", map[string]string{"big.bin": string(big)})
	rem.push("main")

	// The fetch's own timeout is 30 s: a fetch still running after 60 s
	// hangs.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := r.Fetch(ctx)
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the fetch on a full disk hangs past its timeout")
	}
	if err == nil {
		t.Fatal("the fetch on a full disk succeeded")
	}
	if !errors.Is(err, syscall.ENOSPC) && !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("fetch on a full disk: %v; want ENOSPC", err)
	}
	for _, want := range []string{mnt, "no space left on device", "the git cache's disk is full", "the last fetched revision is kept"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	t.Logf("full disk: %v", err)
	if rev, err := r.Resolve(first.SHA); err != nil || rev.SHA != first.SHA {
		t.Errorf("the cached revision does not read on a full disk: %+v, %v", rev, err)
	}

	// Space frees up: the next fetch gets the new commit.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("grow the tmpfs: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rev, err := r.Fetch(ctx)
	if err != nil || rev.SHA != second {
		t.Fatalf("after space freed up: fetch %s (%v), want %s", rev.SHA, err, second)
	}
}
