package daemon

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kgitops/kgitops/secret"
)

// HandlerOptions configure the HTTP endpoints.
type HandlerOptions struct {
	Gatherer prometheus.Gatherer // for /metrics
	// WebhookSecret enables POST /webhook: GitHub's X-Hub-Signature-256
	// (HMAC-SHA256 of the body) or GitLab's X-Gitlab-Token must match it.
	// Empty: the webhook answers 404.
	WebhookSecret secret.Value
}

// Handler serves /healthz, /readyz, /status, /metrics, / (an HTML status
// page), POST /reconcile and POST /webhook.
func (d *Daemon) Handler(opts HandlerOptions) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		s := d.Status()
		if !s.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, notReadyReason(s)+"\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(d.Status())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /reconcile", func(w http.ResponseWriter, _ *http.Request) {
		d.Wake()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "a pass will start now\n")
	})
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		if opts.WebhookSecret.IsZero() {
			http.Error(w, "webhook disabled: start kgitops run with --webhook-secret-file or KGITOPS_WEBHOOK_SECRET", http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 25<<20))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if !webhookAuthorized(r, body, opts.WebhookSecret) {
			http.Error(w, "signature or token does not match", http.StatusUnauthorized)
			return
		}
		d.cfg.Log.Info("woken by webhook", "event", r.Header.Get("X-GitHub-Event")+r.Header.Get("X-Gitlab-Event"))
		d.Wake()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "a pass will start now\n")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = statusPage.Execute(w, d.Status())
	})
	return mux
}

// webhookAuthorized checks GitHub's HMAC signature or GitLab's token in
// constant time.
func webhookAuthorized(r *http.Request, body []byte, key secret.Value) bool {
	if sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256="); ok {
		mac := hmac.New(sha256.New, []byte(key.Reveal()))
		mac.Write(body)
		want := hex.EncodeToString(mac.Sum(nil))
		return hmac.Equal([]byte(sig), []byte(want))
	}
	if tok := r.Header.Get("X-Gitlab-Token"); tok != "" {
		return subtle.ConstantTimeCompare([]byte(tok), []byte(key.Reveal())) == 1
	}
	return false
}

func notReadyReason(s Status) string {
	switch {
	case s.Passes == 0:
		return "not ready: no pass has finished yet"
	case !s.GitReachable:
		return "not ready: the last pass could not fetch the repo"
	default:
		return "not ready: the last pass could not reach Kafka"
	}
}
