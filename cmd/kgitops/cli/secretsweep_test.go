package cli

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/gitsync/gittest"
	"github.com/kgitops/kgitops/internal/kafkatest"
)

// sweep holds the secrets of TestSecretSweep and what each output was.
type sweep struct {
	t       *testing.T
	secrets map[string]string // what -> secret
	checked []string          // the outputs swept, for the log
}

// add registers a secret under a name; a multi-line secret (a PEM key)
// also registers each of its lines, and every secret its base64, hex and
// URL-escaped forms.
func (s *sweep) add(what, secret string) {
	forms := map[string]string{what: secret}
	if strings.Contains(secret, "\n") {
		for i, l := range strings.Split(secret, "\n") {
			if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
				forms[what+" line "+string(rune('0'+i%10))] = l
			}
		}
	}
	for name, v := range forms {
		s.secrets[name] = v
		s.secrets[name+" (base64)"] = base64.StdEncoding.EncodeToString([]byte(v))
		s.secrets[name+" (raw base64)"] = base64.RawStdEncoding.EncodeToString([]byte(v))
		s.secrets[name+" (base64url)"] = base64.RawURLEncoding.EncodeToString([]byte(v))
		s.secrets[name+" (hex)"] = hex.EncodeToString([]byte(v))
		if q := url.QueryEscape(v); q != v {
			s.secrets[name+" (URL-escaped)"] = q
		}
	}
}

// check fails when output shows any secret in any form.
func (s *sweep) check(what, output string) {
	s.t.Helper()
	s.checked = append(s.checked, what)
	for name, secret := range s.secrets {
		if strings.Contains(output, secret) {
			s.t.Errorf("%s shows the %s:\n%s", what, name, output)
		}
	}
}

func (s *sweep) run(what string, want int, environ map[string]string, args ...string) result {
	s.t.Helper()
	r := kgitops(s.t, environ, args...)
	if r.code != want {
		s.t.Errorf("%s: exit %d, want %d\n%s", what, r.code, want, r)
	}
	s.check(what, r.stdout+r.stderr)
	return r
}

// TestSecretSweep runs every command that could print a secret, with debug
// logs, against a cluster that needs SASL, and greps all of what they
// print, write and serve for every secret kgitops is given: a User's SCRAM
// password, the SASL password of the admin, the inventory key, a git
// token (in the --repo URL), an SSH private key made here, the webhook
// secret and the trigger token, as they are and in base64, hex and URL
// escaping. Outputs: validate; plan as text, JSON and markdown; the
// saved plan's file; apply of the saved plan and apply; export; diff
// (text, JSON, markdown); and kgitops run over HTTPS with the token and
// over SSH with the key: its logs, /status, /metrics, the HTML page, the
// answers of POST /reconcile and /webhook, and the audit events it
// publishes.
func TestSecretSweep(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		s := &sweep{t: t, secrets: map[string]string{}}
		userPassword := "scram-user-pw-" + kafkatest.Unique("u")
		inventoryKey := "inventory-key-" + kafkatest.Unique("k")
		gitToken := "git-token-" + kafkatest.Unique("g")
		hookSecret := "hook-secret-" + kafkatest.Unique("h")
		triggerToken := "trigger-token-" + kafkatest.Unique("t")
		keyFile, keyPEM, pub := gittest.SSHKey(t, "")
		s.add("SCRAM password of the User", userPassword)
		s.add("SASL password", c.AdminPassword)
		s.add("inventory key", inventoryKey)
		s.add("git token", gitToken)
		s.add("SSH private key", keyPEM)
		s.add("webhook secret", hookSecret)
		s.add("trigger token", triggerToken)

		// A repo of two commits: the first a topic and a user, the second
		// one more topic and the user's new password source.
		topic, later, user := kafkatest.Unique("sweep"), kafkatest.Unique("sweep-later"), kafkatest.Unique("sweeper")
		userDoc := func(env string) string {
			return "apiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: " + user + "}\n" +
				"spec: {scram: {mechanism: SCRAM-SHA-512, iterations: 4096, passwordFrom: {env: " + env + "}}}\n"
		}
		work := repo(t, map[string]string{"topics.yaml": topicYAML(topic, 1), "users.yaml": userDoc("SWEEP_PW")})
		sweepGit(t, work, "init", "-q", "-b", "main")
		sweepGit(t, work, "add", ".")
		sweepGit(t, work, "commit", "-q", "-m", "first")

		inv := kafkatest.Unique("sweep")
		env := map[string]string{
			"KGITOPS_SASL_PASSWORD": c.AdminPassword, "KGITOPS_INVENTORY_KEY": inventoryKey,
			"SWEEP_PW": userPassword, "SWEEP_PW2": userPassword + "-2",
		}
		s.add("second SCRAM password of the User", env["SWEEP_PW2"])
		conn := []string{"--bootstrap-servers", strings.Join(c.SASLBootstrap, ","), "--sasl-mechanism", "SCRAM-SHA-512",
			"--sasl-username", c.AdminUser, "--inventory-name", inv, "--timeout", "30s", "--log-level", "debug"}
		with := func(args ...string) []string { return append(args, conn...) }

		s.run("validate", 0, env, "validate", "--dir", work, "--log-level", "debug")
		for _, o := range []string{"text", "json", "markdown"} {
			s.run("plan -o "+o, 0, env, with("plan", "--dir", work, "-o", o)...)
		}
		planFile := filepath.Join(t.TempDir(), "plan.json")
		s.run("plan --out", 0, env, with("plan", "--dir", work, "--out", planFile)...)
		data, err := os.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		s.check("the saved plan file", string(data))
		s.run("apply PLANFILE", 0, env, with("apply", planFile)...)
		env["SWEEP_PW"] = userPassword + "-changed" // a password change, planned and applied
		s.add("changed SCRAM password of the User", env["SWEEP_PW"])
		for _, o := range []string{"text", "json", "markdown"} {
			s.run("plan -o "+o+" of a password change", 0, env, with("plan", "--dir", work, "-o", o)...)
		}
		s.run("apply of a password change", 0, env, with("apply", "--dir", work)...)
		exported := t.TempDir()
		s.run("export", 0, env, with("export", "--out", exported)...)
		var yaml strings.Builder
		err = filepath.WalkDir(exported, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			yaml.Write(b)
			return err
		})
		if err != nil || !strings.Contains(yaml.String(), user) {
			t.Fatalf("export wrote no file naming %s (%v)", user, err)
		}
		s.check("the exported files", yaml.String())
		wrong := map[string]string{"KGITOPS_SASL_PASSWORD": c.AdminPassword + "-wrong", "KGITOPS_INVENTORY_KEY": inventoryKey, "SWEEP_PW": userPassword}
		s.add("wrong SASL password", wrong["KGITOPS_SASL_PASSWORD"])
		s.run("plan with a wrong SASL password", 1, wrong, with("plan", "--dir", work)...)

		// The second commit: one more topic, and the password from another
		// variable. diff shows it offline; kgitops run applies it.
		sweepWrite(t, filepath.Join(work, "later.yaml"), topicYAML(later, 1))
		sweepWrite(t, filepath.Join(work, "users.yaml"), userDoc("SWEEP_PW2"))
		sweepGit(t, work, "add", ".")
		sweepGit(t, work, "commit", "-q", "-m", "second")
		for _, o := range []string{"text", "json", "markdown"} {
			r := s.run("diff -o "+o, 0, nil, "diff", "--dir", work, "--base", "HEAD~1", "-o", o, "--log-level", "debug")
			if !strings.Contains(r.stdout, later) {
				t.Errorf("diff -o %s does not show %s:\n%s", o, later, r)
			}
		}
		bare := filepath.Join(t.TempDir(), "repo.git")
		sweepGit(t, "", "clone", "-q", "--bare", work, bare)

		// kgitops run from the HTTPS remote, the token in --repo, applies the
		// second commit and publishes audit events.
		files := t.TempDir()
		sweepWrite(t, filepath.Join(files, "hook"), hookSecret+"\n")
		sweepWrite(t, filepath.Join(files, "trigger"), triggerToken+"\n")
		audit := kafkatest.Unique("sweep-audit")
		u, ca := gittest.HTTPS(t, bare, "", gitToken)
		repoURL := strings.Replace(u, "https://", "https://git:"+gitToken+"@", 1)
		d := startDaemon(t, env, with("--repo", repoURL, "--git-ca-file", ca, "--git-cache-dir", t.TempDir(),
			"--audit-topic", audit, "--webhook-secret-file", filepath.Join(files, "hook"),
			"--trigger-token-file", filepath.Join(files, "trigger"), "--interval", "1h")...)
		sweepDaemon(t, s, d, "kgitops run (HTTPS)", hookSecret, triggerToken)
		if events := readAudit(t, c, audit); !strings.Contains(events, later) {
			t.Errorf("no audit event for %s:\n%s", later, events)
		} else {
			s.check("the audit events", events)
		}
		if code := d.stop(); code != 0 {
			t.Errorf("kgitops run exited %d", code)
		}
		if !strings.Contains(d.out.String(), "level=DEBUG") {
			t.Errorf("kgitops run logs nothing at debug level:\n%s", d.out)
		}
		s.check("kgitops run (HTTPS) logs", d.out.String())

		// kgitops run from the SSH remote, with the key.
		srv := gittest.StartSSH(t, pub)
		kh := gittest.KnownHosts(t, srv.Addr, srv.HostKey)
		d = startDaemon(t, env, with("--repo", "ssh://git@"+srv.Addr+bare, "--git-ssh-key-file", keyFile,
			"--git-known-hosts", kh, "--git-cache-dir", t.TempDir(), "--interval", "1h")...)
		sweepDaemon(t, s, d, "kgitops run (SSH)", "", "")
		if code := d.stop(); code != 0 {
			t.Errorf("kgitops run exited %d", code)
		}
		s.check("kgitops run (SSH) logs", d.out.String())
		t.Logf("swept %d outputs for %d forms of the secrets: %s", len(s.checked), len(s.secrets), strings.Join(s.checked, ", "))
	})
}

// sweepDaemon waits for d's first successful pass, then sweeps its
// endpoints, and wakes it by POST /reconcile and /webhook when given
// their secrets.
func sweepDaemon(t *testing.T, s *sweep, d *runProc, what, hookSecret, triggerToken string) {
	t.Helper()
	var st struct {
		Passes           int    `json:"passes"`
		EnforcedRevision string `json:"enforcedRevision"`
		LastError        string `json:"lastError"`
	}
	for start := time.Now(); st.Passes == 0 || st.EnforcedRevision == "" || st.LastError != ""; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > 60*time.Second {
			t.Fatalf("%s: no successful pass after 60s (last error %q):\n%s", what, st.LastError, d.out)
		}
		if code, body := d.do(http.MethodGet, "/status", nil); code == http.StatusOK {
			_ = json.Unmarshal([]byte(body), &st)
		}
	}
	for _, path := range []string{"/status", "/metrics", "/", "/readyz"} {
		code, body := d.do(http.MethodGet, path, nil)
		if code != http.StatusOK {
			t.Errorf("%s: GET %s = %d", what, path, code)
		}
		s.check(what+" GET "+path, body)
	}
	if triggerToken != "" {
		for _, tok := range []string{triggerToken, triggerToken + "-wrong"} {
			code, body := d.do(http.MethodPost, "/reconcile", map[string]string{"Authorization": "Bearer " + tok})
			s.check(what+" POST /reconcile", body+http.StatusText(code))
		}
	}
	if hookSecret != "" {
		body := `{"ref":"refs/heads/main"}`
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write([]byte(body))
		for _, h := range []map[string]string{
			{"X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil)), "X-GitHub-Event": "push"},
			{"X-Hub-Signature-256": "sha256=00"},
			{"X-Gitlab-Token": hookSecret, "X-Gitlab-Event": "Push Hook"},
			{"X-Gitlab-Token": hookSecret + "-wrong"},
		} {
			req, _ := http.NewRequest(http.MethodPost, d.url+"/webhook", strings.NewReader(body))
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			s.check(what+" POST /webhook", string(b))
		}
	}
}

// readAudit reads every event of the audit topic: at least one, the
// applied change of the second commit.
func readAudit(t *testing.T, c *kafkatest.Cluster, topic string) string {
	t.Helper()
	cl := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(scram.Auth{User: c.AdminUser, Pass: c.AdminPassword}.AsSha512Mechanism()),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	n := 0
	for n == 0 || ctx.Err() == nil {
		poll, pcancel := context.WithTimeout(ctx, 2*time.Second)
		fs := cl.PollFetches(poll)
		pcancel()
		fs.EachRecord(func(r *kgo.Record) {
			n++
			out.Write(r.Key)
			out.WriteByte(' ')
			out.Write(r.Value)
			for _, h := range r.Headers {
				out.WriteString(" " + h.Key + "=" + string(h.Value))
			}
			out.WriteByte('\n')
		})
		if n > 0 && fs.Empty() || ctx.Err() != nil {
			break
		}
	}
	if n == 0 {
		t.Errorf("no audit event in %s after 30s", topic)
	}
	return out.String()
}

func sweepGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func sweepWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
