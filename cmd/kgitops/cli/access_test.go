package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/access"
	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// accessCLI runs kgitops like the kgitops helper, adding the access
// command to the root when cli.go does not register it yet (it is committed
// separately from this file).
func accessCLI(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return environ[k] }}
	root := newRoot(e)
	if c, _, err := root.Find([]string{"access"}); err != nil || c == root {
		root.AddCommand(newAccess(e))
	}
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	code := ExitOK
	if err := root.ExecuteContext(ctx); err != nil {
		code = ExitError
		var xe *exitError
		if errors.As(err, &xe) {
			code = xe.code
			err = xe.err
		}
		if err != nil {
			fmt.Fprintf(&errb, "Error: %s\n", err)
		}
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

func bindingYAML(name, role, principal, topic, group string) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: RoleBinding\nmetadata: {name: %s}\nspec:\n  role: %s\n  principals: [%s]\n  topics: [%s]\n  groups: [%s]\n---\n",
		name, role, principal, topic, group)
}

// TestAccessCheckOffline answers from the repo alone: exit 0 when allowed,
// 1 when denied, 1 with a message on bad input.
func TestAccessCheckOffline(t *testing.T) {
	dir := repo(t, map[string]string{
		"rbac.yaml": bindingYAML("reads", "consumer", "User:billing", "shop.orders", "billing") + `apiVersion: kgitops.io/v1alpha1
kind: ACL
metadata: {name: no-deletes}
spec:
  principal: User:*
  rules:
    - resource: {type: topic, name: shop., patternType: prefixed}
      operations: [delete]
      permission: deny
`,
	})
	tests := []struct {
		args []string
		code int
		out  []string
		err  string
	}{
		{args: []string{"User:billing", "read", "topic:shop.orders"}, code: 0, out: []string{
			"allowed: User:billing READ on topic:shop.orders from any host (answered from the repo's ACLs)",
			"from RoleBinding reads (role consumer) at " + dir + "/rbac.yaml:2",
		}},
		{args: []string{"User:billing", "describe", "topic:shop.orders"}, code: 0, out: []string{"(READ implies DESCRIBE)"}},
		{args: []string{"User:billing", "write", "topic:shop.orders"}, code: 1, out: []string{
			"denied: User:billing WRITE on topic:shop.orders",
			"no ACL allows User:billing WRITE on topic:shop.orders, though ACLs name the resource: denied",
			"to allow it: a RoleBinding of role producer grants it",
		}},
		{args: []string{"User:billing", "delete", "topic:shop.orders"}, code: 1, out: []string{
			"denied by DENY User:* DELETE topic:shop. (prefixed) from *",
			"from ACL no-deletes at " + dir + "/rbac.yaml:16",
		}},
		{args: []string{"User:billing", "read", "topic:other"}, code: 1, out: []string{"no ACL matches: denied (allow.everyone.if.no.acl.found is false by default)"}},
		{args: []string{"User:billing", "read", "topic:other", "--allow-if-no-acl"}, code: 0},
		{args: []string{"User:root", "read", "topic:shop.orders", "--super-user", "User:root"}, code: 0, out: []string{"super user"}},
		{args: []string{"billing", "read", "topic:shop.orders"}, code: 1, err: `Error: principal "billing" has no type: write User:billing`},
		{args: []string{"User:billing", "idempotent-write", "topic:shop.orders"}, code: 1, err: "Error: operation IDEMPOTENT_WRITE does not apply to a topic"},
		{args: []string{"User:billing", "read", "topics:x"}, code: 1, err: `unknown resource type "topics"`},
		{args: []string{"User:billing", "read", "topic:shop.orders", "--host", "db.example.com"}, code: 1, err: "Kafka matches clients by IP address only"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := accessCLI(t, nil, append([]string{"access", "check", "--dir", dir}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r)
			}
			for _, want := range tt.out {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q\n%s", want, r)
				}
			}
			if !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr lacks %q\n%s", tt.err, r)
			}
		})
	}

	r := accessCLI(t, nil, "access", "check", "--dir", dir, "User:billing", "read", "topic:shop.orders", "-o", "json")
	var got struct {
		Allowed bool
		Reason  string
		Matches []struct {
			ACL, Source, File, Effect string
			Line                      int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || !got.Allowed || len(got.Matches) != 1 ||
		got.Matches[0].Source != "RoleBinding reads (role consumer)" || got.Matches[0].File != dir+"/rbac.yaml" || got.Matches[0].Line != 2 || got.Matches[0].Effect != "allow" {
		t.Fatalf("json: %v %+v\n%s", err, got, r)
	}

	r = accessCLI(t, nil, "access", "who-can", "--dir", dir, "read", "topic:shop.orders")
	if r.code != 0 || !strings.Contains(r.stdout, "User:billing: allowed by ALLOW User:billing READ topic:shop.orders (literal) from *") {
		t.Fatalf("who-can:\n%s", r)
	}
	r = accessCLI(t, nil, "access", "who-can", "--dir", dir, "delete", "topic:shop.orders", "--super-user", "User:root", "-o", "json")
	var who struct {
		Repo struct {
			Principals []struct{ Principal, Rule string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &who); err != nil || r.code != 0 || len(who.Repo.Principals) != 1 ||
		who.Repo.Principals[0].Principal != "User:root" || who.Repo.Principals[0].Rule != "super-user" {
		t.Fatalf("who-can delete, only the super user: %v %+v\n%s", err, who, r)
	}
	r = accessCLI(t, nil, "access", "check", "--dir", dir, "User:billing", "read", "topic:shop.orders", "--host", "::1")
	if r.code != 0 || !strings.Contains(r.stdout, "from 0:0:0:0:0:0:0:1 (answered") {
		t.Fatalf("--host ::1 is compared as Java writes it:\n%s", r)
	}
}

// TestAccessCheckOnSASL logs in over SASL/SCRAM as a user the repo does not
// let read, shows the broker denying the read and the helpful message, and
// access check saying the same from the cluster's ACLs, from the repo's, and
// where the two disagree.
func TestAccessCheckOnSASL(t *testing.T) {
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		admin := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...),
			kgo.SASL(scram.Auth{User: c.AdminUser, Pass: c.AdminPassword}.AsSha512Mechanism()))
		adm := kadm.NewClient(admin)
		topic, group := kafkatest.Unique("access"), kafkatest.Unique("access-group")
		reader, bob := kafkatest.Unique("reader"), kafkatest.Unique("bob")
		dir := repo(t, map[string]string{"rbac.yaml": bindingYAML("reads", "consumer", "User:"+reader, topic, group)})
		st, err := spec.Load(dir)
		if err != nil {
			t.Fatal(err)
		}

		// What apply would do: the topic, the users, the repo's ACLs.
		if _, err := adm.CreateTopics(ctx, 1, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = adm.DeleteTopics(context.Background(), topic) })
		kafkatest.WaitForTopics(t, adm, topic)
		pw := "pw-" + bob
		ups := []kadm.UpsertSCRAM{{User: bob, Mechanism: kadm.ScramSha512, Iterations: 4096, Password: pw}}
		if res, err := adm.AlterUserSCRAMs(ctx, nil, ups); err != nil || res.Error() != nil {
			t.Fatalf("create user: %v %v", err, res.Error())
		}
		t.Cleanup(func() {
			_, _ = adm.AlterUserSCRAMs(context.Background(), []kadm.DeleteSCRAM{{User: bob, Mechanism: kadm.ScramSha512}}, nil)
		})
		applyACLs(ctx, t, admin, access.FromState(st))

		// bob logs in and is denied the read; the message says what grants it.
		cl := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(scram.Auth{User: bob, Pass: pw}.AsSha512Mechanism()),
			kgo.ConsumeTopics(topic), kgo.RequestRetries(1), kgo.RetryTimeout(5*time.Second))
		var readErr error
		deadline := time.Now().Add(30 * time.Second)
		for readErr == nil && time.Now().Before(deadline) {
			pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
			fs := cl.PollFetches(pctx)
			pcancel()
			for _, e := range fs.Errors() {
				if access.IsAuthorization(e.Err) {
					readErr = e.Err
				}
			}
		}
		if readErr == nil {
			t.Fatal("bob read a topic no ACL lets him read")
		}
		msg := access.Explain(readErr, "User:"+bob, "READ", access.Resource{Type: "topic", Name: topic}, st).Error()
		want := fmt.Sprintf("User:%s lacks READ on topic %s; a RoleBinding of role consumer grants it (so do connect-worker, streams-app, admin) (kgitops access check User:%s read topic:%s explains): ", bob, topic, bob, topic)
		if !strings.HasPrefix(msg, want) || !strings.Contains(msg, kerr.TopicAuthorizationFailed.Message) {
			t.Fatalf("Explain =\n%s\nwant it to start with\n%s", msg, want)
		}

		// bob cannot read the cluster's ACLs: the error says what grants it.
		r := accessCLI(t, map[string]string{"KGITOPS_SASL_PASSWORD": pw}, "access", "check", "User:"+bob, "read", "topic:"+topic,
			"--bootstrap-servers", strings.Join(c.SASLBootstrap, ","), "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", bob, "--timeout", "30s")
		if want := "Error: User:" + bob + " lacks DESCRIBE on cluster kafka-cluster; a RoleBinding of role admin grants it (kgitops access check User:" + bob + " describe cluster:kafka-cluster explains): "; r.code != 1 || !strings.HasPrefix(r.stderr, want) {
			t.Fatalf("access as a user that cannot read ACLs: want stderr to start with\n%s\n%s", want, r)
		}
		if strings.Contains(r.stdout+r.stderr, pw) {
			t.Fatal("access printed bob's password")
		}

		environ := map[string]string{"KGITOPS_SASL_PASSWORD": c.AdminPassword}
		live := []string{"--bootstrap-servers", strings.Join(c.SASLBootstrap, ","), "--sasl-mechanism", "SCRAM-SHA-512",
			"--sasl-username", c.AdminUser, "--timeout", "30s", "--host", "127.0.0.1"}
		check := func(args ...string) result {
			r := accessCLI(t, environ, append(append([]string{"access"}, args...), live...)...)
			if strings.Contains(r.stdout+r.stderr, c.AdminPassword) {
				t.Fatalf("access printed the admin password")
			}
			return r
		}
		r = check("check", "User:"+bob, "read", "topic:"+topic)
		if r.code != 1 || !strings.Contains(r.stdout, "denied: User:"+bob+" READ on topic:"+topic+" from 127.0.0.1 (answered from the cluster's ACLs)") ||
			!strings.Contains(r.stdout, "to allow it: a RoleBinding of role consumer grants it") {
			t.Fatalf("check of bob's read, live:\n%s", r)
		}
		r = check("check", "User:"+reader, "read", "topic:"+topic, "--dir", dir)
		if r.code != 0 || !strings.Contains(r.stdout, "ALLOW User:"+reader+" READ topic:"+topic+" (literal) from *  [repo and cluster]") ||
			!strings.Contains(r.stdout, "from RoleBinding reads (role consumer) at "+dir+"/rbac.yaml:2") {
			t.Fatalf("check of the reader's read, repo and cluster:\n%s", r)
		}

		// The repo grants bob the read, the cluster does not have it yet.
		grant := bindingYAML("bob-reads", "consumer", "User:"+bob, topic, group)
		if err := os.WriteFile(filepath.Join(dir, "bob.yaml"), []byte(grant), 0o644); err != nil {
			t.Fatal(err)
		}
		r = check("check", "User:"+bob, "read", "topic:"+topic, "--dir", dir)
		if r.code != 1 ||
			!strings.Contains(r.stdout, "the repo disagrees: allowed (allowed by ALLOW User:"+bob+" READ topic:"+topic+" (literal) from *); apply would change the answer") ||
			!strings.Contains(r.stdout, "only in the repo: ALLOW User:"+bob+" READ topic:"+topic+" (literal) from *") ||
			!strings.Contains(r.stdout, "from RoleBinding bob-reads (role consumer) at "+dir+"/bob.yaml:2") {
			t.Fatalf("check where the repo and the cluster disagree:\n%s", r)
		}
		r = check("check", "User:"+bob, "read", "topic:"+topic, "--dir", dir, "-o", "json")
		var got struct {
			Allowed       bool
			Repo          struct{ Allowed bool }
			Disagreements []struct{ ACL, In, File string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Allowed || !got.Repo.Allowed || len(got.Disagreements) != 1 || got.Disagreements[0].In != "repo" || !strings.HasSuffix(got.Disagreements[0].File, "bob.yaml") {
			t.Fatalf("json: %v %+v\n%s", err, got, r)
		}
		r = check("who-can", "read", "topic:"+topic, "--dir", dir)
		if r.code != 0 || !strings.Contains(r.stdout, "only the repo allows (apply would grant): User:"+bob) {
			t.Fatalf("who-can:\n%s", r)
		}
	})
}

// applyACLs creates acls in the cluster as apply would, and deletes them
// when the test ends.
func applyACLs(ctx context.Context, t *testing.T, cl *kgo.Client, acls []access.ACL) {
	t.Helper()
	req := kmsg.NewPtrCreateACLsRequest()
	del := kmsg.NewPtrDeleteACLsRequest()
	for _, a := range acls {
		e := a.Entry
		rt, err := kmsg.ParseACLResourceType(e.ResourceType) // topic, group or cluster: the consumer role's
		if err != nil {
			t.Fatal(err)
		}
		pt, _ := kmsg.ParseACLResourcePatternType(e.PatternType)
		op, _ := kmsg.ParseACLOperation(e.Operation)
		perm, _ := kmsg.ParseACLPermissionType(e.Permission)
		c := kmsg.NewCreateACLsRequestCreation()
		c.ResourceType, c.ResourceName, c.ResourcePatternType = rt, e.ResourceName, pt
		c.Principal, c.Host, c.Operation, c.PermissionType = e.Principal, e.Host, op, perm
		req.Creations = append(req.Creations, c)
		f := kmsg.NewDeleteACLsRequestFilter()
		f.ResourceType, f.ResourceName, f.ResourcePatternType = rt, kmsg.StringPtr(e.ResourceName), pt
		f.Principal, f.Host, f.Operation, f.PermissionType = kmsg.StringPtr(e.Principal), kmsg.StringPtr(e.Host), op, perm
		del.Filters = append(del.Filters, f)
	}
	t.Cleanup(func() { _, _ = del.RequestWith(context.Background(), cl) })
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatal(err)
		}
	}
}
