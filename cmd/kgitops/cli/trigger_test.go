package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/internal/syncbuf"
)

const (
	fileToken = "file-token-3c9d7a1e5b"
	envToken  = "env-token-8e2f6b0d4a"
)

// The token comes from --trigger-token-file, or else KGITOPS_TRIGGER_TOKEN,
// as the webhook secret does; a token and --allow-unauthenticated-trigger
// together are a mistake. No error holds a token.
func TestTriggerTokenSources(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := file("token", "  "+fileToken+"\n\n")
	empty := file("empty", " \n")
	short := file("short", "abc123\n")
	placeholder := file("placeholder", "REPLACE_ME_trigger_token\n")
	spaced := file("spaced", "file-token 3c9d7a1e5b\n")
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name     string
		file     string
		env      string
		allowAny bool
		want     string // the token, or "" for none
		wantErr  string
	}{
		{name: "none: POST /reconcile stays disabled"},
		{name: "none, anyone allowed", allowAny: true},
		{name: "variable", env: envToken, want: envToken},
		{name: "variable, trimmed", env: " " + envToken + "\n", want: envToken},
		{name: "file, trimmed", file: good, want: fileToken},
		{name: "the file wins over the variable", file: good, env: envToken, want: fileToken},
		{name: "empty file", file: empty, env: envToken, wantErr: "--trigger-token-file " + empty + " is empty"},
		{name: "missing file", file: missing, wantErr: "--trigger-token-file: read secret file: open " + missing + ": no such file or directory"},
		{name: "file and allow", file: good, allowAny: true, wantErr: "--allow-unauthenticated-trigger and a trigger token (--trigger-token-file " + good + ") contradict each other: drop one"},
		{name: "variable and allow", env: envToken, allowAny: true, wantErr: "--allow-unauthenticated-trigger and a trigger token (KGITOPS_TRIGGER_TOKEN) contradict each other: drop one"},
		{name: "too short", file: short, wantErr: "the trigger token in --trigger-token-file " + short + " is shorter than 16 characters: make one with `openssl rand -hex 32`"},
		{name: "the example's placeholder", file: placeholder, wantErr: "the trigger token in --trigger-token-file " + placeholder + " is still the example's placeholder: make one with `openssl rand -hex 32`"},
		{name: "whitespace inside", file: spaced, wantErr: "the trigger token in --trigger-token-file " + spaced + " holds whitespace, which an Authorization header cannot carry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := triggerToken(envOf(map[string]string{envTriggerToken: tt.env}), tt.file, tt.allowAny)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v\nwant %s", err, tt.wantErr)
				}
				for _, secret := range []string{fileToken, envToken, "abc123", "3c9d7a1e5b"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("the error holds the token: %v", err)
					}
				}
				return
			}
			if err != nil || got.Reveal() != tt.want {
				t.Fatalf("triggerToken = %q, %v; want %q", got.Reveal(), err, tt.want)
			}
		})
	}
}

// --listen answers this host only unless told otherwise; KGITOPS_LISTEN
// and the flag change that, the flag first.
func TestListenDefault(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"default", nil, nil, "127.0.0.1:9090"},
		{"variable", map[string]string{"KGITOPS_LISTEN": ":9090"}, nil, ":9090"},
		{"the flag wins", map[string]string{"KGITOPS_LISTEN": ":9090"}, []string{"--listen", "127.0.0.1:19090"}, "127.0.0.1:19090"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := newRun(&env{getenv: envOf(tt.env)})
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			if got := cmd.Flags().Lookup("listen").Value.String(); got != tt.want {
				t.Errorf("--listen = %q, want %q", got, tt.want)
			}
		})
	}
}

// runProc is kgitops run, in-process, on a free loopback port.
type runProc struct {
	t    *testing.T
	url  string
	out  *syncbuf.Buffer
	stop func() int
}

func startDaemon(t *testing.T, environ map[string]string, args ...string) *runProc {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncbuf.Buffer{}
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, append([]string{"run", "--listen", addr, "--leader-election=false", "--log-level", "debug"}, args...), out, out, envOf(environ))
	}()
	var once sync.Once
	exit := -1
	d := &runProc{t: t, url: "http://" + addr, out: out, stop: func() int {
		once.Do(func() { cancel(); exit = <-code })
		return exit
	}}
	t.Cleanup(func() { d.stop() })
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(d.url + "/healthz"); err == nil {
			resp.Body.Close()
			return d
		}
		select {
		case c := <-code:
			code <- c
			t.Fatalf("kgitops run exited %d before serving:\n%s", c, out)
		default:
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("kgitops run does not serve after 30s:\n%s", out)
		}
	}
}

// do sends a request and returns the status code and the body.
func (d *runProc) do(method, path string, header map[string]string) (int, string) {
	d.t.Helper()
	req, err := http.NewRequest(method, d.url+path, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// POST /reconcile through kgitops run's flags: the token from the file
// wins over the variable, no token means 403, and the opt-out lets anyone
// in. Neither token appears in the output, in any endpoint or in an
// error.
func TestRunTrigger(t *testing.T) {
	c := kafkatest.NewFake(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(fileToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	type post struct {
		header map[string]string
		want   int
	}
	tests := []struct {
		name    string
		environ map[string]string
		args    []string
		posts   []post
		wantLog string
	}{
		{"token file, and a variable it overrides", map[string]string{envTriggerToken: envToken}, []string{"--trigger-token-file", tokenFile},
			[]post{{nil, http.StatusUnauthorized}, {bearer(envToken), http.StatusUnauthorized}, {bearer(fileToken), http.StatusAccepted}}, "trigger=\"bearer token\""},
		{"token variable", map[string]string{envTriggerToken: envToken}, nil,
			[]post{{bearer(fileToken), http.StatusUnauthorized}, {bearer(envToken), http.StatusAccepted}}, "trigger=\"bearer token\""},
		{"neither", nil, nil,
			[]post{{nil, http.StatusForbidden}, {bearer(fileToken), http.StatusForbidden}}, "trigger=\"disabled (SIGHUP only)\""},
		{"anyone", nil, []string{"--allow-unauthenticated-trigger"},
			[]post{{nil, http.StatusAccepted}}, "trigger=\"anyone (--allow-unauthenticated-trigger)\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("trigger"), 1)})
			args := append([]string{"--dir", dir, "--interval", "1h"}, clusterArgs(c, kafkatest.Unique("trigger"))...)
			d := startDaemon(t, tt.environ, append(args, tt.args...)...)
			var answers strings.Builder
			for i, p := range tt.posts {
				code, body := d.do(http.MethodPost, "/reconcile", p.header)
				if code != p.want {
					t.Errorf("POST %d: %d %q, want %d", i+1, code, body, p.want)
				}
				answers.WriteString(body)
			}
			for _, path := range []string{"/status", "/", "/metrics"} {
				_, body := d.do(http.MethodGet, path, nil)
				answers.WriteString(body)
			}
			if code := d.stop(); code != 0 {
				t.Errorf("kgitops run exited %d, want 0", code)
			}
			out := d.out.String()
			if !strings.Contains(out, tt.wantLog) {
				t.Errorf("the start line does not say %s:\n%s", tt.wantLog, out)
			}
			for _, tok := range []string{fileToken, envToken} {
				if strings.Contains(out+answers.String(), tok) {
					t.Errorf("a token shows in the output or an answer:\n%s\n%s", out, answers.String())
				}
			}
		})
	}

	// A token and the opt-out together stop kgitops before it serves.
	r := kgitops(t, map[string]string{envTriggerToken: envToken}, append([]string{"run", "--dir", t.TempDir(), "--allow-unauthenticated-trigger"}, clusterArgs(c, "x")...)...)
	if want := "Error: --allow-unauthenticated-trigger and a trigger token (KGITOPS_TRIGGER_TOKEN) contradict each other: drop one\n"; r.code != 1 || r.stderr != want {
		t.Errorf("run with a token and --allow-unauthenticated-trigger:\n%s\nwant exit 1 and %q", r, want)
	}
	if strings.Contains(r.stdout+r.stderr, envToken) {
		t.Errorf("the error shows the token:\n%s", r)
	}
}
