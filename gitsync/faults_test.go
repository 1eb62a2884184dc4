package gitsync

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// faultyHTTPS serves rem over smart HTTP without auth, and lets the test
// decide per request whether the server behaves, hangs (accepts and never
// answers) or truncates (answers the pack with its first part, then cuts
// the connection).
type faultyHTTPS struct {
	mode atomic.Value // "ok", "hang" or "truncate"
	url  string
}

func newFaultyHTTPS(t *testing.T, rem *testRemote) *faultyHTTPS {
	t.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	backend := &cgi.Handler{Path: gitPath, Args: []string{"http-backend"}, Stderr: io.Discard, InheritEnv: []string{"PATH"},
		Env: []string{"GIT_PROJECT_ROOT=" + filepath.Dir(rem.bare), "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}}
	f := &faultyHTTPS{}
	f.mode.Store("ok")
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.mode.Load() {
		case "hang":
			select { // never answers, until the test ends
			case <-stop:
			case <-r.Context().Done():
			}
			return
		case "truncate":
			if strings.HasSuffix(r.URL.Path, "git-upload-pack") {
				rec := httptest.NewRecorder()
				backend.ServeHTTP(rec, r)
				body := rec.Body.Bytes()
				hj, ok := w.(http.Hijacker)
				if !ok {
					t.Error("no hijacker")
					return
				}
				conn, buf, err := hj.Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				// The headers promise the whole body; half of it comes.
				writeHead(buf, rec, len(body))
				_, _ = buf.Write(body[:len(body)/2])
				_ = buf.Flush()
				return
			}
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	f.url = srv.URL + "/" + filepath.Base(rem.bare)
	return f
}

func writeHead(w *bufio.ReadWriter, rec *httptest.ResponseRecorder, n int) {
	_, _ = w.WriteString("HTTP/1.1 200 OK\r\n")
	for k, vs := range rec.Header() {
		for _, v := range vs {
			_, _ = w.WriteString(k + ": " + v + "\r\n")
		}
	}
	_, _ = w.WriteString("Content-Length: " + strconv.Itoa(n) + "\r\nConnection: close\r\n\r\n")
}

// A git server that accepts and never answers, then one that cuts the
// pack in the middle: each fetch fails within --git-timeout with a clear
// reason, the cache keeps the revision fetched before (it still reads),
// and once the server behaves the next fetch gets the new commit.
func TestFetchSurvivesAHangingOrTruncatingServer(t *testing.T) {
	requireGit(t)
	rem := newRemote(t, map[string]string{"a.yaml": "v1"})
	srv := newFaultyHTTPS(t, rem)
	o := completed(t, Options{URL: srv.url, Timeout: 3 * time.Second})
	r, _ := open(t, o)
	first := fetch(t, r)
	if first.SHA != rem.head() {
		t.Fatalf("first fetch %s, want %s", first.SHA, rem.head())
	}
	second := rem.commit("v2", map[string]string{"a.yaml": "v2", "big.yaml": strings.Repeat("# padding so that the pack is worth cutting\n", 2000)})
	rem.push("main")

	srv.mode.Store("hang")
	start := time.Now()
	err := fetchErr(t, r)
	if took := time.Since(start); took > 10*time.Second || Reason(err) != "timeout" {
		t.Fatalf("hanging server: error %v (Reason %q) after %v; want a timeout within the 3s --git-timeout", err, Reason(err), took)
	}

	srv.mode.Store("truncate")
	if err := fetchErr(t, r); err == nil {
		t.Fatal("a truncated pack was accepted")
	} else {
		t.Logf("truncated pack: %v (Reason %q)", err, Reason(err))
	}
	// The revision fetched before still reads, as the daemon keeps
	// enforcing it.
	if rev, err := r.Resolve(first.SHA); err != nil || rev.SHA != first.SHA {
		t.Fatalf("the cached revision does not read after the faults: %+v, %v", rev, err)
	}

	// Once the server behaves, the next fetches (the daemon's next
	// passes) get the new commit.
	srv.mode.Store("ok")
	var rev Revision
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rev, err = r.Fetch(ctx)
		cancel()
		if err == nil || attempt == 3 {
			break
		}
		t.Logf("fetch %d after the faults: %v", attempt, err)
	}
	if err != nil || rev.SHA != second {
		t.Fatalf("after the faults: fetch %s (%v), want %s", rev.SHA, err, second)
	}
}
