package daemon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
	h := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Interval = time.Hour })
	srv := httptest.NewServer(h.d.Handler(HandlerOptions{Gatherer: h.reg, WebhookSecret: secret.New(hookSecret)}))
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
	if code := post(t, srv, "/reconcile", "", nil); code != http.StatusAccepted {
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
