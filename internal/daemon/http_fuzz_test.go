package daemon

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kgitops/kgitops/secret"
)

// fuzzMaxBody is the body limit of FuzzWakeEndpoints' handler: small, so
// that the fuzzer reaches it.
const fuzzMaxBody = 512

// countingReader counts what the handler reads of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// secretWatch is a log writer that keeps the first line that shows one
// of secrets, and nothing else: a fuzzer's millions of lines stay out of
// memory.
type secretWatch struct {
	secrets []string
	mu      sync.Mutex
	first   string
}

func (s *secretWatch) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range s.secrets {
		if s.first == "" && bytes.Contains(p, []byte(sec)) {
			s.first = string(p)
		}
	}
	return len(p), nil
}

func (s *secretWatch) leaked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

// FuzzWakeEndpoints sends fuzzed bodies and headers to POST /webhook
// (GitHub's X-Hub-Signature-256, GitLab's X-Gitlab-Token) and POST
// /reconcile (the generic "Authorization: Bearer TOKEN"). The handler must
// not panic; it reads at most one byte past its body limit, whatever
// Content-Length says; it answers 202 and wakes the daemon exactly when
// the signature or token is right, as computed here on the side; and no
// answer or log line shows the secrets.
func FuzzWakeEndpoints(f *testing.F) {
	const hookSecret = "fuzz-hook-secret-3e9a71"
	const triggerToken = "fuzz-trigger-token-b05c24"
	sign := func(body string) string {
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write([]byte(body))
		return "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	push := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567"}`
	// mode: bit 0 picks /reconcile over /webhook; bits 1-2 how
	// Content-Length is sent (as is, unknown, too small, too large).
	f.Add(byte(0), []byte(push), sign(push), "", "", "push")
	f.Add(byte(0), []byte(push), strings.ToUpper(sign(push)), "", "", "push")
	f.Add(byte(0), []byte(push), sign(push)+" ", "", "", "push")
	f.Add(byte(0), []byte(push), "sha256=", hookSecret, "", "Push Hook")
	f.Add(byte(0), []byte(push), "", hookSecret, "", "Push Hook")
	f.Add(byte(0), []byte(push), "", hookSecret+"\x00", "", "Push Hook")
	f.Add(byte(0), []byte(push), "sha1=00", "", "", "")
	f.Add(byte(2), []byte(push), sign(push), "", "", "push")
	f.Add(byte(4), []byte(push), sign(push), "", "", "push")
	f.Add(byte(6), []byte(push), sign(push), "", "", "push")
	f.Add(byte(0), bytes.Repeat([]byte("x"), fuzzMaxBody+1), sign(strings.Repeat("x", fuzzMaxBody+1)), "", "", "push")
	f.Add(byte(2), bytes.Repeat([]byte("x"), fuzzMaxBody), sign(strings.Repeat("x", fuzzMaxBody)), "", "", "push")
	f.Add(byte(1), []byte("{}"), "", "", "Bearer "+triggerToken, "")
	f.Add(byte(1), []byte("{}"), "", "", "bearer  "+triggerToken+" ", "")
	f.Add(byte(1), []byte("{}"), "", "", "Basic "+triggerToken, "")
	f.Add(byte(1), []byte("{}"), "", "", "Bearer", "")
	f.Add(byte(3), bytes.Repeat([]byte("y"), 2*fuzzMaxBody), "", "", "Bearer "+triggerToken, "")

	logs := &secretWatch{secrets: []string{hookSecret, triggerToken}}
	d := New(Config{Source: &memSource{}, Interval: time.Hour,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	h := d.Handler(HandlerOptions{
		WebhookSecret: secret.New(hookSecret), TriggerToken: secret.New(triggerToken),
		MaxBodyBytes: fuzzMaxBody, WakeRate: RateLimit{Burst: 1 << 30, Every: time.Nanosecond},
	})

	f.Fuzz(func(t *testing.T, mode byte, body []byte, signature, gitlabToken, authorization, event string) {
		path := "/webhook"
		if mode&1 != 0 {
			path = "/reconcile"
		}
		cr := &countingReader{r: bytes.NewReader(body)}
		req := httptest.NewRequest(http.MethodPost, path, cr)
		switch mode >> 1 & 3 {
		case 0:
			req.ContentLength = int64(len(body))
		case 1:
			req.ContentLength = -1
		case 2:
			req.ContentLength = int64(len(body) / 2)
		case 3:
			req.ContentLength = int64(len(body)) + fuzzMaxBody
		}
		for k, v := range map[string]string{"X-Hub-Signature-256": signature, "X-Gitlab-Token": gitlabToken,
			"Authorization": authorization, "X-GitHub-Event": event, "X-Gitlab-Event": event} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		woke(d) // forget an earlier wake
		h.ServeHTTP(w, req)

		if cr.n > fuzzMaxBody+1 {
			t.Errorf("read %d bytes of the body, limit %d", cr.n, fuzzMaxBody)
		}
		fits := len(body) <= fuzzMaxBody && req.ContentLength <= fuzzMaxBody
		var right bool
		if path == "/webhook" {
			if sig, ok := strings.CutPrefix(signature, "sha256="); ok {
				mac := hmac.New(sha256.New, []byte(hookSecret))
				mac.Write(body)
				right = sig == hex.EncodeToString(mac.Sum(nil))
			} else {
				right = gitlabToken == hookSecret
			}
		} else {
			scheme, tok, ok := strings.Cut(authorization, " ")
			right = ok && strings.EqualFold(scheme, "bearer") && strings.TrimSpace(tok) == triggerToken
		}
		accepted := w.Code == http.StatusAccepted
		if want := fits && right; accepted != want {
			t.Errorf("%s with %d bytes (Content-Length %d), signature %q, gitlab token %q, authorization %q: %d, want accepted=%v",
				path, len(body), req.ContentLength, signature, gitlabToken, authorization, w.Code, want)
		}
		if woke(d) != accepted {
			t.Errorf("%s answered %d but woke=%v", path, w.Code, !accepted)
		}
		if !accepted && !fits && w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with %d bytes (Content-Length %d): %d, want 413", path, len(body), req.ContentLength, w.Code)
		}
		out := w.Body.String() + strings.Join(w.Header().Values("WWW-Authenticate"), "")
		for _, s := range logs.secrets {
			if strings.Contains(out, s) {
				t.Fatalf("the answer shows a secret:\n%s", out)
			}
		}
		if line := logs.leaked(); line != "" {
			t.Fatalf("a log line shows a secret: %s", line)
		}
	})
}
