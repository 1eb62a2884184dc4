package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/secret"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func post(t *testing.T, srv *httptest.Server, path, body string, header map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestEndpoints(t *testing.T) {
	c := kafkatest.NewFake(t)
	const hookSecret = "hook-secret-5d1e"
	const triggerToken = "trigger-token-8f3a2c61e0b94d7"
	h := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Interval = time.Hour })
	srv := httptest.NewServer(h.d.Handler(HandlerOptions{Gatherer: h.reg, WebhookSecret: secret.New(hookSecret), TriggerToken: secret.New(triggerToken)}))
	defer srv.Close()

	if code, _ := get(t, srv, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the first pass = %d, want 503", code)
	}
	if code, body := get(t, srv, "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	name := kafkatest.Unique("http")
	rev := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
	h.start()
	h.waitFor("first pass", func(s Status) bool { return s.LastAppliedRevision == rev })
	if code, _ := get(t, srv, "/readyz"); code != 200 {
		t.Errorf("/readyz after a good pass = %d", code)
	}

	_, body := get(t, srv, "/status")
	var st map[string]any
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/status is not JSON: %v\n%s", err, body)
	}
	for _, key := range []string{"lastFetchedRevision", "lastFetchedAt", "lastAppliedRevision", "lastAppliedAt", "lastPlan", "drift", "mode", "leader"} {
		if _, ok := st[key]; !ok {
			t.Errorf("/status lacks %q:\n%s", key, body)
		}
	}

	// With an interval of an hour, only a wake-up starts another pass.
	passes := h.d.Status().Passes
	if code := post(t, srv, "/reconcile", "", map[string]string{"Authorization": "Bearer " + triggerToken}); code != http.StatusAccepted {
		t.Fatalf("POST /reconcile = %d", code)
	}
	h.waitFor("pass after POST /reconcile", func(s Status) bool { return s.Passes > passes })

	payload := `{"ref":"refs/heads/main"}`
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(payload))
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"github signature", map[string]string{"X-Hub-Signature-256": good, "X-GitHub-Event": "push"}, http.StatusAccepted},
		{"github wrong signature", map[string]string{"X-Hub-Signature-256": "sha256=00" + good[9:]}, http.StatusUnauthorized},
		{"gitlab token", map[string]string{"X-Gitlab-Token": hookSecret, "X-Gitlab-Event": "Push Hook"}, http.StatusAccepted},
		{"gitlab wrong token", map[string]string{"X-Gitlab-Token": "nope"}, http.StatusUnauthorized},
		{"no signature", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		passes := h.d.Status().Passes
		if code := post(t, srv, "/webhook", payload, tt.header); code != tt.want {
			t.Errorf("%s: POST /webhook = %d, want %d", tt.name, code, tt.want)
		}
		if tt.want == http.StatusAccepted {
			h.waitFor("pass after webhook", func(s Status) bool { return s.Passes > passes })
		}
	}

	_, metrics := get(t, srv, "/metrics")
	for _, name := range []string{
		"kgitops_reconcile_total{result=\"success\"}", "kgitops_reconcile_duration_seconds_bucket",
		"kgitops_drift_resources{kind=\"Topic\"}", "kgitops_plan_changes{action=\"create\",kind=\"Topic\"}",
		"kgitops_applied_changes_total{action=\"create\",kind=\"Topic\"} 1", "kgitops_last_applied_revision_info{revision=\"" + rev + "\"} 1",
		"kgitops_git_fetch_total{result=\"success\"}", "kgitops_last_success_timestamp_seconds", "kgitops_leader 1",
	} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	_, page := get(t, srv, "/")
	for _, want := range []string{"<title>kgitops · in sync</title>", rev[:min(len(rev), 12)], "mode <b>apply</b>"} {
		if !strings.Contains(page, want) {
			t.Errorf("/ lacks %q", want)
		}
	}
	for _, body := range []string{metrics, page, body} {
		if strings.Contains(body, hookSecret) {
			t.Error("an endpoint shows the webhook secret")
		}
		if strings.Contains(body, triggerToken) {
			t.Error("an endpoint shows the trigger token")
		}
	}
}

func TestWebhookDisabledWithoutSecret(t *testing.T) {
	h := newHarness(t, kafkatest.NewFake(t), ModeApply)
	srv := httptest.NewServer(h.d.Handler(HandlerOptions{Gatherer: h.reg}))
	defer srv.Close()
	if code := post(t, srv, "/webhook", "{}", map[string]string{"X-Gitlab-Token": ""}); code != http.StatusNotFound {
		t.Errorf("webhook without a secret = %d, want 404", code)
	}
}

// syncLog collects a handler's log lines while requests run.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// endpointDaemon is a Daemon that is never started, for the HTTP
// endpoints alone: a wake stays in d.wake, where woke finds it.
func endpointDaemon(t *testing.T, tweak ...func(*Config)) (*Daemon, *syncLog) {
	t.Helper()
	logs := &syncLog{}
	cfg := Config{Source: &memSource{}, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, f := range tweak {
		f(&cfg)
	}
	return New(cfg), logs
}

// woke reports whether d was woken since the last call, and forgets it.
func woke(d *Daemon) bool {
	select {
	case <-d.wake:
		return true
	default:
		return false
	}
}

// response is what one request got back.
type response struct {
	code   int
	header http.Header
	body   string
}

func request(t *testing.T, srv *httptest.Server, path string, body io.Reader, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, header: resp.Header, body: string(b)}
}

func githubSignature(key, body string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// POST /reconcile starts a pass only when kgitops run was told who may:
// a bearer token, or explicitly anyone. The token never shows in an
// answer or a log line.
func TestReconcileTrigger(t *testing.T) {
	const tok = "tok-1b7c9e4f2a6d8035"
	bearer := func(s string) map[string]string { return map[string]string{"Authorization": s} }
	withToken := HandlerOptions{TriggerToken: secret.New(tok)}
	tests := []struct {
		name       string
		opts       HandlerOptions
		header     map[string]string
		want       int
		wantInBody string
	}{
		{"neither token nor allow", HandlerOptions{}, nil, http.StatusForbidden, "--trigger-token-file"},
		{"neither, says the other way too", HandlerOptions{}, bearer("Bearer " + tok), http.StatusForbidden, "--allow-unauthenticated-trigger"},
		{"allowed without a token", HandlerOptions{AllowUnauthenticatedTrigger: true}, nil, http.StatusAccepted, "a pass will start now"},
		{"right token", withToken, bearer("Bearer " + tok), http.StatusAccepted, "a pass will start now"},
		{"scheme in any case", withToken, bearer("bearer " + tok), http.StatusAccepted, ""},
		{"no Authorization", withToken, nil, http.StatusUnauthorized, "missing or wrong bearer token"},
		{"wrong token of the same length", withToken, bearer("Bearer " + strings.Repeat("x", len(tok))), http.StatusUnauthorized, ""},
		{"a prefix of the token", withToken, bearer("Bearer " + tok[:len(tok)-1]), http.StatusUnauthorized, ""},
		{"the token and more", withToken, bearer("Bearer " + tok + "0"), http.StatusUnauthorized, ""},
		{"empty token", withToken, bearer("Bearer "), http.StatusUnauthorized, ""},
		{"basic scheme", withToken, bearer("Basic " + tok), http.StatusUnauthorized, ""},
		{"token without scheme", withToken, bearer(tok), http.StatusUnauthorized, ""},
		{"token and allow: the token is still required", HandlerOptions{TriggerToken: secret.New(tok), AllowUnauthenticatedTrigger: true}, nil, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, logs := endpointDaemon(t)
			srv := httptest.NewServer(d.Handler(tt.opts))
			defer srv.Close()
			r := request(t, srv, "/reconcile", nil, tt.header)
			if r.code != tt.want || !strings.Contains(r.body, tt.wantInBody) {
				t.Fatalf("POST /reconcile = %d %q, want %d with %q", r.code, r.body, tt.want, tt.wantInBody)
			}
			if got := woke(d); got != (tt.want == http.StatusAccepted) {
				t.Errorf("woken = %v after %d", got, r.code)
			}
			if auth := r.header.Get("WWW-Authenticate"); (tt.want == http.StatusUnauthorized) != strings.HasPrefix(auth, "Bearer") {
				t.Errorf("WWW-Authenticate = %q with %d", auth, r.code)
			}
			for what, s := range map[string]string{"answer": r.body + fmt.Sprint(r.header), "log": logs.String()} {
				if strings.Contains(s, tok) {
					t.Errorf("the %s holds the token:\n%s", what, s)
				}
			}
		})
	}
}

// Bodies beyond MaxBodyBytes get 413, whether the client says their length
// or streams them; the default is 1 MiB.
func TestWakeBodyLimit(t *testing.T) {
	const tok, key = "tok-5e0a9c3b7d1f2468", "hook-key-c4e1"
	ok := strings.Repeat("a", 1024)
	big := ok + "a"
	tests := []struct {
		name string
		max  int64
		path string
		body string
		// stream hides the length, so that only reading finds it out.
		stream bool
		want   int
	}{
		{"reconcile at the limit", 1024, "/reconcile", ok, false, http.StatusAccepted},
		{"reconcile over the limit", 1024, "/reconcile", big, false, http.StatusRequestEntityTooLarge},
		{"reconcile over the limit, streamed", 1024, "/reconcile", big, true, http.StatusRequestEntityTooLarge},
		{"webhook at the limit", 1024, "/webhook", ok, false, http.StatusAccepted},
		{"webhook over the limit", 1024, "/webhook", big, false, http.StatusRequestEntityTooLarge},
		{"webhook over the limit, streamed", 1024, "/webhook", big, true, http.StatusRequestEntityTooLarge},
		{"default limit: 1 MiB passes", 0, "/webhook", strings.Repeat("b", 1<<20), false, http.StatusAccepted},
		{"default limit: 1 MiB and a byte", 0, "/webhook", strings.Repeat("b", 1<<20+1), true, http.StatusRequestEntityTooLarge},
		{"default limit on reconcile", 0, "/reconcile", strings.Repeat("b", 1<<20+1), false, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := endpointDaemon(t)
			srv := httptest.NewServer(d.Handler(HandlerOptions{TriggerToken: secret.New(tok), WebhookSecret: secret.New(key), MaxBodyBytes: tt.max}))
			defer srv.Close()
			var body io.Reader = strings.NewReader(tt.body)
			if tt.stream {
				body = io.MultiReader(body) // not a type NewRequest can size
			}
			header := map[string]string{"Authorization": "Bearer " + tok, "X-Hub-Signature-256": githubSignature(key, tt.body)}
			r := request(t, srv, tt.path, body, header)
			if r.code != tt.want {
				t.Fatalf("POST %s with %d bytes = %d %q, want %d", tt.path, len(tt.body), r.code, r.body, tt.want)
			}
			if got := woke(d); got != (tt.want == http.StatusAccepted) {
				t.Errorf("woken = %v after %d", got, r.code)
			}
		})
	}
}

// Each wake endpoint has its own tok bucket; a refusal says when to try
// again, is logged once per flood, and costs no HMAC: the limit is checked
// before the body is read.
func TestWakeRateLimit(t *testing.T) {
	const key = "hook-key-0b6f"
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	d, logs := endpointDaemon(t, func(cfg *Config) {
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	srv := httptest.NewServer(d.Handler(HandlerOptions{
		WebhookSecret: secret.New(key), AllowUnauthenticatedTrigger: true,
		WakeRate: RateLimit{Burst: 2, Every: time.Minute},
	}))
	defer srv.Close()
	reconcile := func() response { return request(t, srv, "/reconcile", nil, nil) }
	hook := func(sig string) response {
		return request(t, srv, "/webhook", strings.NewReader("{}"), map[string]string{"X-Hub-Signature-256": sig})
	}
	good := githubSignature(key, "{}")
	steps := []struct {
		name      string
		advance   time.Duration
		do        func() response
		want      int
		wantRetry string
	}{
		{"reconcile 1", 0, reconcile, http.StatusAccepted, ""},
		{"reconcile 2", 0, reconcile, http.StatusAccepted, ""},
		{"reconcile 3: the bucket is empty", 0, reconcile, http.StatusTooManyRequests, "60"},
		{"reconcile 4: still empty", 0, reconcile, http.StatusTooManyRequests, "60"},
		{"webhook has its own bucket", 0, func() response { return hook(good) }, http.StatusAccepted, ""},
		{"a wrong signature takes a token too", 0, func() response { return hook("sha256=00") }, http.StatusUnauthorized, ""},
		{"webhook 3", 0, func() response { return hook(good) }, http.StatusTooManyRequests, "60"},
		{"half a minute later", 30 * time.Second, reconcile, http.StatusTooManyRequests, "30"},
		{"a minute later", 30 * time.Second, reconcile, http.StatusAccepted, ""},
		{"and then empty again", 0, reconcile, http.StatusTooManyRequests, "60"},
		{"an hour later the burst is back", time.Hour, reconcile, http.StatusAccepted, ""},
		{"burst 2", 0, reconcile, http.StatusAccepted, ""},
		{"but no more than the burst", 0, reconcile, http.StatusTooManyRequests, "60"},
	}
	for _, s := range steps {
		clock(s.advance)
		r := s.do()
		if r.code != s.want || r.header.Get("Retry-After") != s.wantRetry {
			t.Fatalf("%s: %d Retry-After %q (%q), want %d Retry-After %q", s.name, r.code, r.header.Get("Retry-After"), r.body, s.want, s.wantRetry)
		}
	}
	// Three floods of POST /reconcile and one of POST /webhook.
	if n := strings.Count(logs.String(), "rate limit reached"); n != 4 {
		t.Errorf("rate limit logged %d times, want once per flood (4):\n%s", n, logs)
	}

	// The default: 10 at once.
	d, _ = endpointDaemon(t)
	srv2 := httptest.NewServer(d.Handler(HandlerOptions{AllowUnauthenticatedTrigger: true}))
	defer srv2.Close()
	for i := range 11 {
		want := http.StatusAccepted
		if i == 10 {
			want = http.StatusTooManyRequests
		}
		if r := request(t, srv2, "/reconcile", nil, nil); r.code != want {
			t.Fatalf("request %d with the default limit = %d, want %d", i+1, r.code, want)
		}
	}
}

// TestSecretsComparedInConstantTime reads http.go: a secret is revealed
// only in functions that compare with hmac.Equal or
// subtle.ConstantTimeCompare, and those functions compare nothing else
// with == or a library equality that stops at the first difference,
// except against a literal.
func TestSecretsComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "http.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	isCall := func(n ast.Node, pkg, name string) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return false
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != name {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return pkg == "" || ok && id.Name == pkg
	}
	isLit := func(e ast.Expr) bool { _, ok := e.(*ast.BasicLit); return ok }
	variableTime := [][2]string{{"bytes", "Equal"}, {"bytes", "Compare"}, {"strings", "Compare"}, {"strings", "EqualFold"},
		{"bytes", "EqualFold"}, {"reflect", "DeepEqual"}, {"slices", "Equal"}}
	revealing := 0
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		reveals, constant := false, false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			reveals = reveals || isCall(n, "", "Reveal")
			constant = constant || isCall(n, "hmac", "Equal") || isCall(n, "subtle", "ConstantTimeCompare")
			return true
		})
		if !reveals {
			continue
		}
		revealing++
		name := fn.Name.Name
		if !constant {
			t.Errorf("%s reveals a secret but compares with neither hmac.Equal nor subtle.ConstantTimeCompare", name)
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && !isLit(n.X) && !isLit(n.Y) {
					t.Errorf("%s: %s compares two values with %s", fset.Position(n.Pos()), name, n.Op)
				}
			case *ast.CallExpr:
				for _, v := range variableTime {
					if isCall(n, v[0], v[1]) && !slices.ContainsFunc(n.Args, isLit) {
						t.Errorf("%s: %s compares with %s.%s, which stops at the first difference", fset.Position(n.Pos()), name, v[0], v[1])
					}
				}
			}
			return true
		})
	}
	if revealing < 2 { // equalSecret and webhookAuthorized's HMAC key
		t.Errorf("found %d functions that reveal a secret; the test no longer looks where secrets are compared", revealing)
	}
}

// fakeNudger is a standby's elector that records the wakes it passes on.
type fakeNudger struct {
	nudges atomic.Int32
	err    error
}

func (f *fakeNudger) IsLeader() bool { return false }
func (f *fakeNudger) Nudge(context.Context) error {
	f.nudges.Add(1)
	return f.err
}

// A webhook that reaches a standby wakes the leader too (the standby's
// elector passes it on), and the answer says which happened.
func TestWebhookOnAStandbyWakesTheLeader(t *testing.T) {
	const key = "standby-webhook-secret-1234"
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"passed on", nil, "this replica is a standby: the leader was woken, and applies now"},
		{"not passed on", errors.New("no broker"), "could not pass the wake on to the leader"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			el := &fakeNudger{err: tt.err}
			d := New(Config{Source: &memSource{}, Leader: el})
			srv := httptest.NewServer(d.Handler(HandlerOptions{WebhookSecret: secret.New(key)}))
			defer srv.Close()
			resp := request(t, srv, "/webhook", strings.NewReader("{}"), map[string]string{"X-Hub-Signature-256": githubSignature(key, "{}"), "X-GitHub-Event": "push"})
			if resp.code != http.StatusAccepted || !strings.Contains(resp.body, tt.want) || el.nudges.Load() != 1 {
				t.Fatalf("status %d, body %q, nudges %d", resp.code, resp.body, el.nudges.Load())
			}
		})
	}
}
