package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadWithin runs LoadWith and fails the test if it does not return
// within d: a load that blocks on a file must not hang the test run.
func loadWithin(t *testing.T, d time.Duration, dir string, opts LoadOptions) (*State, error) {
	t.Helper()
	type result struct {
		st  *State
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := LoadWith(dir, opts)
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		return r.st, r.err
	case <-time.After(d):
		t.Fatalf("Load(%s) did not return within %s", dir, d)
		return nil, nil
	}
}

// TestLoadRefusesSpecialFiles pins the bug where a FIFO named x.yaml hung
// validate forever: a manifest that is not a regular file is refused by
// its mode, before it is opened; one that is not named like a manifest is
// skipped, never opened.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"x.yaml", "notes.txt", ".hidden.yml"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	// A socket's path is limited to about 100 bytes: listen from inside dir.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	ln, err := net.Listen("unix", "s.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Chdir(wd)
	if err := os.Symlink("x.yaml", filepath.Join(dir, "pipe.yaml")); err != nil {
		t.Fatal(err)
	}

	_, err = loadWithin(t, 10*time.Second, dir, LoadOptions{})
	const hint = " (kgitops reads only regular files: remove it, or rename it so that it does not end in .yaml)"
	want := "pipe.yaml: a symbolic link to a named pipe (FIFO), not a regular file" + hint + "\n" +
		"s.yml: a socket, not a regular file" + hint + "\n" +
		"x.yaml: a named pipe (FIFO), not a regular file" + hint
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

// TestLoadDevZeroIsQuick pins the bug where a link to /dev/zero made a
// load grow to gigabytes: it is refused at once.
func TestLoadDevZeroIsQuick(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := loadWithin(t, 10*time.Second, dir, LoadOptions{})
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Msg, "leads outside the folder") {
		t.Errorf("got %v, want the link refused", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestLoadRefusesLargeFilesUnread pins the bug where a 200 MB file of
// comments took 944 MB to load: a file over the limit is refused from its
// size, before it is opened (this one is sparse: reading it would take
// seconds).
func TestLoadRefusesLargeFilesUnread(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 200<<20); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), fmt.Appendf(nil, topicDoc, "ok"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := loadWithin(t, 10*time.Second, dir, LoadOptions{})
	want := "big.yaml: the file holds 200 MiB, more than the 10 MiB a file may hold (split it into smaller files)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s: the file was read", d)
	}
}

func TestLoadLimits(t *testing.T) {
	doc := fmt.Sprintf(topicDoc, "t%d")
	docs := func(from, n int) *fstest.MapFile {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, doc, from+i)
		}
		return &fstest.MapFile{Data: []byte(b.String())}
	}
	const split = " (split the repo into folders, each loaded with its own --dir and --inventory-name)"
	tests := []struct {
		name string
		fsys fstest.MapFS
		opts LoadOptions
		want string // the error; "" for none
	}{{
		name: "file at the limit",
		fsys: fstest.MapFS{"a.yaml": docs(0, 1)},
		opts: LoadOptions{MaxFileSize: int64(len(docs(0, 1).Data))},
	}, {
		name: "file over the limit",
		fsys: fstest.MapFS{"a.yaml": docs(0, 2), "b.yaml": {Data: []byte("kind: [")}},
		opts: LoadOptions{MaxFileSize: 100},
		// One file too large does not keep the others from being read.
		want: "a.yaml: the file holds 222 bytes, more than the 100 bytes a file may hold (split it into smaller files)\n" +
			"b.yaml:1: invalid YAML: did not find expected node content",
	}, {
		name: "total over the limit: nothing after it is read",
		fsys: fstest.MapFS{"a.yaml": docs(0, 1), "b.yaml": docs(1, 1), "c.yaml": docs(2, 1), "d.yaml": {Data: []byte("kind: [")}},
		opts: LoadOptions{MaxTotalSize: 2*109 + 10}, // a document is 109 bytes
		want: "c.yaml: the files up to this one hold more than 228 bytes, the most one load reads; nothing after it was read" + split,
	}, {
		name: "documents over the limit",
		fsys: fstest.MapFS{"a.yaml": docs(0, 2), "b.yaml": docs(2, 2), "c.yaml": {Data: []byte("kind: [")}},
		opts: LoadOptions{MaxDocuments: 3},
		want: "b.yaml:5: more than 3 documents in the files up to this one, the most one load reads; nothing after it was read" + split,
	}, {
		name: "empty documents count",
		fsys: fstest.MapFS{"a.yaml": {Data: []byte(strings.Repeat("---\n", 5))}},
		opts: LoadOptions{MaxDocuments: 3},
		want: "a.yaml:4: more than 3 documents in the files up to this one, the most one load reads; nothing after it was read" + split,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFSWith(tt.fsys, tt.opts)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("error (-want +got):\n%s", d)
			}
		})
	}
}

func TestLoadOptionsDefaults(t *testing.T) {
	got := LoadOptions{}.withDefaults()
	want := LoadOptions{MaxFileSize: 10 << 20, MaxTotalSize: 100 << 20, MaxDocuments: 100_000}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := (LoadOptions{MaxFileSize: 5}).withDefaults().MaxFileSize; got != 5 {
		t.Errorf("MaxFileSize 5 became %d", got)
	}
}

// TestLoadStopsReadingAtTheLimit pins that a file that grows while it is
// read (it said it was small) is read no further than the limit.
func TestLoadStopsReadingAtTheLimit(t *testing.T) {
	fsys := &growingFS{}
	_, err := LoadFSWith(fsys, LoadOptions{MaxFileSize: 1 << 20})
	want := "grows.yaml: the file holds more than the 1 MiB a file may hold (split it into smaller files)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if fsys.read > 1<<20+1 {
		t.Errorf("read %d bytes, past the limit", fsys.read)
	}
}

// growingFS holds one file, grows.yaml, that says it holds 10 bytes and
// reads as comments without end.
type growingFS struct{ read int }

func (g *growingFS) Open(name string) (fs.File, error) {
	switch name {
	case ".":
		return fstest.MapFS{"grows.yaml": {Data: make([]byte, 10)}}.Open(".")
	case "grows.yaml":
		return &growingFile{g: g}, nil
	}
	return nil, fs.ErrNotExist
}

type growingFile struct{ g *growingFS }

func (f *growingFile) Stat() (fs.FileInfo, error) {
	return fstest.MapFS{"grows.yaml": {Data: make([]byte, 10)}}.Stat("grows.yaml")
}
func (f *growingFile) Close() error { return nil }
func (f *growingFile) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "# comment\n"[i%10]
	}
	f.g.read += len(p)
	return len(p), nil
}

var _ io.Reader = (*growingFile)(nil)

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{
		17: "17 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 10 << 20: "10 MiB", 200 << 20: "200 MiB", 3 << 30: "3 GiB",
	} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
