package daemon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kgitops/kgitops/secret"
)

// DefaultMaxBodyBytes bounds the body of POST /reconcile and POST /webhook
// unless HandlerOptions say otherwise. A push event of a desired-state repo
// is a few kilobytes; a larger one is answered 413, and the next pass
// picks the push up anyway.
const DefaultMaxBodyBytes = 1 << 20

// HandlerOptions configure the HTTP endpoints.
type HandlerOptions struct {
	Gatherer prometheus.Gatherer // for /metrics
	// WebhookSecret enables POST /webhook: GitHub's X-Hub-Signature-256
	// (HMAC-SHA256 of the body) or GitLab's X-Gitlab-Token must match it.
	// Empty: the webhook answers 404.
	WebhookSecret secret.Value
	// TriggerToken enables POST /reconcile for requests that carry it as
	// "Authorization: Bearer TOKEN"; others get 401.
	TriggerToken secret.Value
	// AllowUnauthenticatedTrigger enables POST /reconcile for anyone who
	// reaches the listener. With neither it nor a TriggerToken, POST
	// /reconcile answers 403 and says how to enable it.
	AllowUnauthenticatedTrigger bool
	// MaxBodyBytes bounds the body of POST /reconcile and POST /webhook
	// (413 beyond it); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// WakeRate bounds the requests that POST /reconcile and POST /webhook
	// each accept (429 beyond it, with Retry-After); zero means
	// DefaultWakeRate. The limit is checked before the body is read or
	// any secret compared.
	WakeRate RateLimit
}

// triggerDisabled is POST /reconcile's answer when it is not enabled.
const triggerDisabled = "POST /reconcile is disabled: start kgitops run with --trigger-token-file FILE (or KGITOPS_TRIGGER_TOKEN) " +
	"and send \"Authorization: Bearer TOKEN\", or with --allow-unauthenticated-trigger; SIGHUP starts a pass too\n"

// Handler serves /healthz, /readyz, /status, /metrics, / (an HTML status
// page), POST /reconcile and POST /webhook.
func (d *Daemon) Handler(opts HandlerOptions) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
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

	trigger := d.wakeEndpoint("POST /reconcile", opts)
	mux.HandleFunc("POST /reconcile", func(w http.ResponseWriter, r *http.Request) {
		if opts.TriggerToken.IsZero() && !opts.AllowUnauthenticatedTrigger {
			http.Error(w, triggerDisabled, http.StatusForbidden)
			return
		}
		if _, ok := trigger.admit(w, r); !ok {
			return
		}
		if !opts.TriggerToken.IsZero() && !bearerMatches(r, opts.TriggerToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="kgitops"`)
			http.Error(w, "missing or wrong bearer token: send \"Authorization: Bearer TOKEN\" with the token kgitops run was given", http.StatusUnauthorized)
			d.cfg.Log.Warn("POST /reconcile refused: missing or wrong bearer token", "remote", r.RemoteAddr)
			return
		}
		d.cfg.Log.Info("woken by POST /reconcile", "remote", r.RemoteAddr)
		d.wakeAll(w, r)
	})

	webhook := d.wakeEndpoint("POST /webhook", opts)
	mux.HandleFunc("POST /webhook", func(w http.ResponseWriter, r *http.Request) {
		if opts.WebhookSecret.IsZero() {
			http.Error(w, "webhook disabled: start kgitops run with --webhook-secret-file or KGITOPS_WEBHOOK_SECRET", http.StatusNotFound)
			return
		}
		body, ok := webhook.admit(w, r)
		if !ok {
			return
		}
		event := r.Header.Get("X-GitHub-Event") + r.Header.Get("X-Gitlab-Event")
		if !webhookAuthorized(r, body, opts.WebhookSecret) {
			http.Error(w, "signature or token does not match", http.StatusUnauthorized)
			d.cfg.Log.Warn("POST /webhook refused: signature or token does not match", "remote", r.RemoteAddr, "event", event)
			return
		}
		d.cfg.Log.Info("woken by webhook", "event", event)
		d.wakeAll(w, r)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = statusPage.Execute(w, d.Status())
	})
	return mux
}

// wakeEndpoint is what POST /reconcile and POST /webhook check before
// they look at a secret: the rate limit, then the body's size.
type wakeEndpoint struct {
	name   string
	max    int64
	bucket *bucket
	log    *slog.Logger
}

func (d *Daemon) wakeEndpoint(name string, opts HandlerOptions) *wakeEndpoint {
	return &wakeEndpoint{name: name, max: opts.MaxBodyBytes, bucket: newBucket(opts.WakeRate, d.cfg.Now), log: d.cfg.Log}
}

// admit takes a token from the endpoint's bucket and reads the body. When
// either fails it answers (429 with Retry-After, 413, or 400) and returns
// false.
func (e *wakeEndpoint) admit(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	ok, wait, first := e.bucket.take()
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		http.Error(w, fmt.Sprintf("too many requests: %s accepts %d at once, then one every %s; try again later",
			e.name, e.bucket.limit.Burst, e.bucket.limit.Every), http.StatusTooManyRequests)
		if first {
			e.log.Warn(e.name+" rate limit reached: refusing requests until it frees up", "remote", r.RemoteAddr,
				"burst", e.bucket.limit.Burst, "every", e.bucket.limit.Every.String())
		}
		return nil, false
	}
	tooLarge := fmt.Sprintf("request body larger than %d bytes", e.max)
	if r.ContentLength > e.max {
		http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, tooLarge, http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

// bearerMatches reports whether r carries token as "Authorization: Bearer
// TOKEN" (the scheme in any case).
func bearerMatches(r *http.Request, token secret.Value) bool {
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return equalSecret(strings.TrimSpace(got), token)
}

// equalSecret compares got with want in constant time. Both are hashed
// first, so that the time taken does not tell the length of want either.
func equalSecret(got string, want secret.Value) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want.Reveal()))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
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
		return equalSecret(tok, key)
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

// wakeAll starts a pass here and, on a standby, passes the wake on to the
// leader (Nudger), so that a webhook that reached any replica is applied
// at once: a load balancer need not know which replica leads.
func (d *Daemon) wakeAll(w http.ResponseWriter, r *http.Request) {
	d.Wake()
	msg := "a pass will start now\n"
	if n, ok := d.cfg.Leader.(Nudger); ok && !d.leading() {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		if err := n.Nudge(ctx); err != nil {
			d.cfg.Log.Warn("could not pass the wake on to the leader; it applies at its next interval", "err", err)
			msg = "this replica is a standby, and could not pass the wake on to the leader (it applies at its next interval)\n"
		} else {
			msg = "this replica is a standby: the leader was woken, and applies now\n"
		}
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, msg)
}
