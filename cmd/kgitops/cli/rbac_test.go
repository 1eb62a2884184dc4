package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestRBACWithRealClients proves that what kgitops applies works for real
// clients logging in over SASL/SCRAM: users it creates can log in, a
// producer binding lets its principal produce, a consumer binding lets its
// principal consume and commit in its group, and a principal without a
// binding is denied.
func TestRBACWithRealClients(t *testing.T) {
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic, group := kafkatest.Unique("rbac"), kafkatest.Unique("rbac-group")
		prod, cons, outsider := kafkatest.Unique("prod"), kafkatest.Unique("cons"), kafkatest.Unique("outsider")
		passwords := map[string]string{prod: "prod-pw-" + prod, cons: "cons-pw-" + cons, outsider: "out-pw-" + outsider}
		environ := map[string]string{
			"KGITOPS_SASL_PASSWORD": c.AdminPassword,
			"PROD_PW":               passwords[prod],
			"CONS_PW":               passwords[cons],
			"OUT_PW":                passwords[outsider],
		}
		user := func(name, env string) string {
			return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: User\nmetadata: {name: %s}\nspec:\n  scram: {mechanism: SCRAM-SHA-512, iterations: 4096, passwordFrom: {env: %s}}\n---\n", name, env)
		}
		dir := repo(t, map[string]string{
			"topic.yaml": topicYAML(topic, 1),
			"users.yaml": user(prod, "PROD_PW") + user(cons, "CONS_PW") + user(outsider, "OUT_PW"),
			"rbac.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: RoleBinding
metadata: {name: writes}
spec:
  role: producer
  principals: [User:%s]
  topics: [%s]
---
apiVersion: kgitops.io/v1alpha1
kind: RoleBinding
metadata: {name: reads}
spec:
  role: consumer
  principals: [User:%s]
  topics: [%s]
  groups: [%s]
`, prod, topic, cons, topic, group),
		})
		args := func(cmd string, extra ...string) []string {
			return append([]string{cmd, "--dir", dir, "--bootstrap-servers", strings.Join(c.SASLBootstrap, ","),
				"--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", c.AdminUser,
				"--inventory-name", kafkatest.Unique("rbac"), "--timeout", "30s", "--log-level", "debug"}, extra...)
		}
		base := args("apply") // one inventory name for every run
		run := func(cmd string, extra ...string) result {
			a := append([]string{cmd}, base[1:]...)
			r := kgitops(t, environ, append(a, extra...)...)
			for name, pw := range passwords {
				if strings.Contains(r.stdout+r.stderr, pw) {
					t.Fatalf("%s printed the password of %s:\n%s", cmd, name, r)
				}
			}
			if strings.Contains(r.stdout+r.stderr, c.AdminPassword) {
				t.Fatalf("%s printed the admin password", cmd)
			}
			if strings.Contains(r.stdout+r.stderr, "pbkdf2") {
				t.Fatalf("%s printed a salted password hash:\n%s", cmd, r)
			}
			return r
		}
		if r := run("apply"); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		if r := run("plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan after apply must be empty:\n%s", r)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		as := func(name, pw string, opts ...kgo.Opt) *kgo.Client {
			auth := scram.Auth{User: name, Pass: pw}
			return c.Client(t, append([]kgo.Opt{kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(auth.AsSha512Mechanism()),
				kgo.RequestRetries(2), kgo.RetryTimeout(10 * time.Second)}, opts...)...)
		}

		// A broker takes a credential from its metadata log a moment after
		// the controller commits it, and a loaded machine can stretch that
		// moment to seconds: wait until a login agrees, then go on.
		logsIn := func(name, pw string, want bool) {
			t.Helper()
			start := time.Now()
			for {
				cl := as(name, pw)
				err := cl.Ping(ctx)
				cl.Close()
				if (err == nil) == want {
					t.Logf("%s: login %v after %v", name, want, time.Since(start).Round(time.Millisecond))
					return
				}
				if time.Since(start) > 20*time.Second {
					t.Fatalf("%s: login is still %v 20s after apply: %v", name, err == nil, err)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
		for _, u := range []string{prod, cons, outsider} {
			logsIn(u, passwords[u], true)
		}

		// The producer logs in and produces.
		if err := as(prod, passwords[prod]).ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("hello")}).FirstErr(); err != nil {
			t.Fatalf("producer bound as producer cannot produce: %v", err)
		}
		// The consumer logs in, consumes in its group and commits.
		consumer := as(cons, passwords[cons], kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
		got := pollOne(ctx, t, consumer)
		if string(got.Value) != "hello" {
			t.Fatalf("consumer read %q, want hello", got.Value)
		}
		if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatalf("consumer bound as consumer cannot commit in its group: %v", err)
		}
		// A user without a binding logs in, and is denied.
		err := as(outsider, passwords[outsider]).ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("x")}).FirstErr()
		if !errors.Is(err, kerr.TopicAuthorizationFailed) && !errors.Is(err, kerr.ClusterAuthorizationFailed) && !errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
			t.Fatalf("outsider produce: err = %v, want an authorization failure", err)
		}
		// The consumer cannot write, and a wrong password cannot log in.
		if err := as(cons, passwords[cons]).ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("x")}).FirstErr(); err == nil {
			t.Fatal("a consumer-only principal produced")
		}
		if err := as(cons, "wrong-"+passwords[cons]).Ping(ctx); err == nil {
			t.Fatal("a wrong password logged in")
		}

		// A changed password: plan shows it, apply sets it, the old one stops working.
		passwords[cons] = "cons-pw2-" + cons
		environ["CONS_PW"] = passwords[cons]
		r := run("plan", "--detailed-exitcode")
		if r.code != 2 || !strings.Contains(r.stdout, "~ User "+cons) || !strings.Contains(r.stdout, "Plan: 0 to create, 1 to update, 0 to delete") {
			t.Fatalf("plan after a password change:\n%s", r)
		}
		if r := run("apply"); r.code != 0 {
			t.Fatalf("apply of the new password:\n%s", r)
		}
		for _, format := range []string{"text", "json"} {
			if r := run("plan", "--detailed-exitcode", "-o", format); r.code != 0 {
				t.Fatalf("plan -o %s after the new password:\n%s", format, r)
			}
		}
		logsIn(cons, passwords[cons], true) // the new password
		if err := as(cons, "cons-pw-"+cons).Ping(ctx); err == nil {
			t.Fatal("the old password still logs in once the new one does")
		}

		// A deletion written in git: the outsider is marked with
		// kgitops.io/delete, and its password is gone from the
		// environment. Plan shows the deletion, apply --allow-delete runs
		// it, and the outsider can no longer log in.
		marked := strings.Replace(user(outsider, "OUT_PW"), "metadata: {name: "+outsider+"}",
			"metadata: {name: "+outsider+", annotations: {kgitops.io/delete: \"true\"}}", 1)
		if err := os.WriteFile(filepath.Join(dir, "users.yaml"), []byte(user(prod, "PROD_PW")+user(cons, "CONS_PW")+marked), 0o644); err != nil {
			t.Fatal(err)
		}
		delete(environ, "OUT_PW")
		r = run("plan", "--detailed-exitcode")
		if r.code != 2 || !strings.Contains(r.stdout, "- User "+outsider) || !strings.Contains(r.stdout, "kgitops.io/delete") {
			t.Fatalf("plan of a user marked for deletion:\n%s", r)
		}
		if r := run("apply", "--allow-delete"); r.code != 0 {
			t.Fatalf("apply --allow-delete of a user marked for deletion:\n%s", r)
		}
		if r := run("plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan after the deletion:\n%s", r)
		}
		logsIn(outsider, passwords[outsider], false) // deleted through kgitops.io/delete
	})
}

func pollOne(ctx context.Context, t *testing.T, cl *kgo.Client) *kgo.Record {
	t.Helper()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("no record before the deadline: %v", err)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("consume: %v", errs[0].Err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			return recs[0]
		}
	}
}
