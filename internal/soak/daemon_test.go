package soak

import (
	"github.com/kgitops/kgitops/internal/promtext"

	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kgitops/kgitops/internal/daemon"
)

// daemonProc is kgitops run as its own process, so that its memory and
// goroutines are its own.
type daemonProc struct {
	cmd    *exec.Cmd
	addr   string
	secret string        // the webhook's
	log    string        // its JSON log
	done   chan struct{} // closed when the process has exited
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startDaemon starts bin run with args, logging JSON to logFile, with the
// environment stripped of KGITOPS_ variables so that only args count.
func startDaemon(bin, logFile, secretFile string, args ...string) (*daemonProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	secret := fmt.Sprintf("%x", time.Now().UnixNano()) + "soak-webhook-secret"
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		return nil, err
	}
	out, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	p := &daemonProc{addr: addr, secret: secret, log: logFile, done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"run", "--listen", addr, "--webhook-secret-file", secretFile, "--log-format", "json"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KGITOPS_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait() // the exit code is read from ProcessState
		out.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *daemonProc) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, err
}

func (p *daemonProc) status(ctx context.Context) (daemon.Status, error) {
	var st daemon.Status
	body, err := p.get(ctx, "/status")
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(body, &st)
}

func (p *daemonProc) metrics(ctx context.Context) (promtext.Scrape, error) {
	body, err := p.get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	return promtext.Parse(bytes.NewReader(body))
}

// webhook sends a GitHub push webhook for sha, as a git host would after
// the push.
func (p *daemonProc) webhook(ctx context.Context, sha string) error {
	body := fmt.Appendf(nil, `{"ref":"refs/heads/main","after":%q}`, sha)
	mac := hmac.New(sha256.New, []byte(p.secret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.addr+"/webhook", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST /webhook: %s: %s", resp.Status, b)
	}
	return nil
}

// stop sends SIGTERM and waits up to within for the exit.
func (p *daemonProc) stop(within time.Duration) (exitCode int, took time.Duration, err error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		return -1, 0, err
	}
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode(), time.Since(start), nil
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.done
		return -1, time.Since(start), fmt.Errorf("kgitops run did not exit within %s of SIGINT", within)
	}
}

// kill ends the process if it still runs (test cleanup).
func (p *daemonProc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// passLog is what the daemon's JSON log says of its passes.
type passLog struct {
	durations []time.Duration // of every pass that ended
	problems  map[string]int  // "reconcile problem" lines by class
	failed    []string        // "change failed" lines: kind/name: err
	applied   int             // "change applied" lines
}

// readPassLog reads the daemon's JSON log lines from since on (the passes
// of the first apply are not the soak's).
func readPassLog(path string, since time.Time) (passLog, error) {
	pl := passLog{problems: map[string]int{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return pl, err
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		var e struct {
			Time     time.Time `json:"time"`
			Msg      string    `json:"msg"`
			Duration any       `json:"duration"`
			Class    string    `json:"class"`
			Kind     string    `json:"kind"`
			Name     string    `json:"name"`
			Err      string    `json:"err"`
		}
		if json.Unmarshal(line, &e) != nil || e.Time.Before(since) {
			continue
		}
		switch e.Msg {
		case "reconciled":
			pl.durations = append(pl.durations, parseDuration(e.Duration))
		case "reconcile problem":
			pl.problems[e.Class]++
		case "change failed":
			pl.failed = append(pl.failed, e.Kind+"/"+e.Name+": "+e.Err)
		case "change applied":
			pl.applied++
		}
	}
	return pl, nil
}

// parseDuration reads slog's JSON duration (nanoseconds) or a string.
func parseDuration(v any) time.Duration {
	switch d := v.(type) {
	case float64:
		return time.Duration(d)
	case string:
		x, _ := time.ParseDuration(d)
		return x
	}
	return 0
}
