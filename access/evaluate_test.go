package access

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/spec"
)

// acl parses "ALLOW User:a READ topic:orders literal *" (host optional).
func acl(t *testing.T, s string) ACL {
	t.Helper()
	f := strings.Fields(s)
	if len(f) == 4 || len(f) == 5 && f[4] == "-" {
		f = append(f[:4], "*")
	}
	if len(f) != 5 {
		t.Fatalf("bad ACL %q", s)
	}
	typ, name, _ := strings.Cut(f[3], ":")
	pattern := spec.PatternLiteral
	if strings.HasSuffix(name, "*") && name != "*" {
		name, pattern = strings.TrimSuffix(name, "*"), spec.PatternPrefixed
	}
	return ACL{Entry: spec.ACLEntry{Permission: f[0], Principal: f[1], Operation: f[2], ResourceType: typ, ResourceName: name, PatternType: pattern, Host: f[4]}}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name  string
		acls  []string // "PERM PRINCIPAL OP type:name[*] [host|-]"; a trailing * on a name makes it a prefix
		req   string   // "PRINCIPAL OP type:name [host]"
		opts  Options
		want  bool
		rule  Rule
		first string // the deciding ACL, as ACLEntry.String writes it
	}{
		{name: "literal allow", acls: []string{"ALLOW User:a READ topic:orders -"}, req: "User:a READ topic:orders", want: true, rule: RuleAllow},
		{name: "literal does not match another name", acls: []string{"ALLOW User:a READ topic:orders -"}, req: "User:a READ topic:orders2", want: false, rule: RuleNoACL},
		{name: "literal is not a prefix", acls: []string{"ALLOW User:a READ topic:ord -"}, req: "User:a READ topic:orders", want: false, rule: RuleNoACL},
		{name: "prefixed", acls: []string{"ALLOW User:a READ topic:shop.* -"}, req: "User:a READ topic:shop.orders", want: true, rule: RuleAllow},
		{name: "prefixed matches its own name", acls: []string{"ALLOW User:a READ topic:shop.* -"}, req: "User:a READ topic:shop.", want: true, rule: RuleAllow},
		{name: "prefixed is case-sensitive", acls: []string{"ALLOW User:a READ topic:shop.* -"}, req: "User:a READ topic:Shop.orders", want: false, rule: RuleNoACL},
		{name: "wildcard resource", acls: []string{"ALLOW User:a READ topic:* -"}, req: "User:a READ topic:anything", want: true, rule: RuleAllow},
		{name: "wildcard resource of another type", acls: []string{"ALLOW User:a READ group:* -"}, req: "User:a READ topic:anything", want: false, rule: RuleNoACL},
		{name: "wildcard principal", acls: []string{"ALLOW User:* READ topic:orders -"}, req: "User:b READ topic:orders", want: true, rule: RuleAllow},
		{name: "Group:* is not a wildcard", acls: []string{"ALLOW Group:* READ topic:orders -"}, req: "User:b READ topic:orders", want: false, rule: RuleNoAllow},
		{name: "principal is case-sensitive", acls: []string{"ALLOW User:Alice READ topic:orders -"}, req: "User:alice READ topic:orders", want: false, rule: RuleNoAllow},
		{name: "deny wins over allow", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a READ topic:orders -"}, req: "User:a READ topic:orders", want: false, rule: RuleDeny, first: "DENY User:a READ topic:orders (literal) from *"},
		{name: "deny of every user wins over a prefixed allow", acls: []string{"ALLOW User:a ALL topic:shop.* -", "DENY User:* WRITE topic:shop.orders -"}, req: "User:a WRITE topic:shop.orders", want: false, rule: RuleDeny},
		{name: "deny on a prefix wins over a literal allow", acls: []string{"ALLOW User:a READ topic:shop.orders -", "DENY User:a READ topic:shop.* -"}, req: "User:a READ topic:shop.orders", want: false, rule: RuleDeny},
		{name: "wildcard deny wins", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a READ topic:* -"}, req: "User:a READ topic:orders", want: false, rule: RuleDeny},
		{name: "read implies describe", acls: []string{"ALLOW User:a READ topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: true, rule: RuleAllow},
		{name: "write implies describe", acls: []string{"ALLOW User:a WRITE topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: true, rule: RuleAllow},
		{name: "delete implies describe", acls: []string{"ALLOW User:a DELETE topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: true, rule: RuleAllow},
		{name: "alter implies describe", acls: []string{"ALLOW User:a ALTER topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: true, rule: RuleAllow},
		{name: "create does not imply describe", acls: []string{"ALLOW User:a CREATE topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: false, rule: RuleNoAllow},
		{name: "describe does not imply read", acls: []string{"ALLOW User:a DESCRIBE topic:orders -"}, req: "User:a READ topic:orders", want: false, rule: RuleNoAllow},
		{name: "alter configs implies describe configs", acls: []string{"ALLOW User:a ALTER_CONFIGS topic:orders -"}, req: "User:a DESCRIBE_CONFIGS topic:orders", want: true, rule: RuleAllow},
		{name: "alter configs does not imply describe", acls: []string{"ALLOW User:a ALTER_CONFIGS topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: false, rule: RuleNoAllow},
		{name: "read does not imply describe configs", acls: []string{"ALLOW User:a READ topic:orders -"}, req: "User:a DESCRIBE_CONFIGS topic:orders", want: false, rule: RuleNoAllow},
		{name: "a deny of read does not deny describe", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a READ topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: true, rule: RuleAllow},
		{name: "a deny of describe does not deny read", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a DESCRIBE topic:orders -"}, req: "User:a READ topic:orders", want: true, rule: RuleAllow},
		{name: "a deny of describe denies describe despite read", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a DESCRIBE topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: false, rule: RuleDeny},
		{name: "all grants everything", acls: []string{"ALLOW User:a ALL topic:orders -"}, req: "User:a ALTER_CONFIGS topic:orders", want: true, rule: RuleAllow},
		{name: "deny all denies everything", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a ALL topic:orders -"}, req: "User:a DESCRIBE topic:orders", want: false, rule: RuleDeny},
		{name: "no ACL at all", acls: nil, req: "User:a READ topic:orders", want: false, rule: RuleNoACL},
		{name: "no ACL, allow.everyone.if.no.acl.found", acls: nil, req: "User:a READ topic:orders", opts: Options{AllowIfNoACL: true}, want: true, rule: RuleNoACL},
		{name: "allow.everyone does not apply when another principal's ACL names the resource", acls: []string{"ALLOW User:b READ topic:orders -"}, req: "User:a READ topic:orders", opts: Options{AllowIfNoACL: true}, want: false, rule: RuleNoAllow},
		{name: "allow.everyone does not apply when a prefixed ACL names the resource", acls: []string{"ALLOW User:b WRITE topic:ord* -"}, req: "User:a READ topic:orders", opts: Options{AllowIfNoACL: true}, want: false, rule: RuleNoAllow},
		{name: "super user bypasses a deny", acls: []string{"DENY User:* ALL topic:* -"}, req: "User:admin READ topic:orders", opts: Options{SuperUsers: []string{"User:admin"}}, want: true, rule: RuleSuperUser},
		{name: "host-bound allow does not decide for any host", acls: []string{"ALLOW User:a READ topic:orders 10.0.0.1"}, req: "User:a READ topic:orders", want: false, rule: RuleNoAllow},
		{name: "host-bound allow from its host", acls: []string{"ALLOW User:a READ topic:orders 10.0.0.1"}, req: "User:a READ topic:orders 10.0.0.1", want: true, rule: RuleAllow},
		{name: "host-bound allow from another host", acls: []string{"ALLOW User:a READ topic:orders 10.0.0.1"}, req: "User:a READ topic:orders 10.0.0.2", want: false, rule: RuleNoAllow},
		{name: "host-bound deny from its host", acls: []string{"ALLOW User:a READ topic:orders -", "DENY User:a READ topic:orders 10.0.0.1"}, req: "User:a READ topic:orders 10.0.0.1", want: false, rule: RuleDeny},
		{name: "cluster", acls: []string{"ALLOW User:a DESCRIBE cluster:kafka-cluster -"}, req: "User:a DESCRIBE cluster:kafka-cluster", want: true, rule: RuleAllow},
		{name: "transactional id prefix", acls: []string{"ALLOW User:a WRITE transactionalId:app-* -"}, req: "User:a DESCRIBE transactionalId:app-1", want: true, rule: RuleAllow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acls []ACL
			for _, s := range tt.acls {
				acls = append(acls, acl(t, s))
			}
			f := strings.Fields(tt.req)
			typ, name, _ := strings.Cut(f[2], ":")
			req := Request{Principal: f[0], Operation: f[1], Resource: Resource{typ, name}, Host: "*"}
			if len(f) == 4 {
				req.Host = f[3]
			}
			d := Evaluate(acls, req, tt.opts)
			if d.Allowed != tt.want || d.Rule != tt.rule {
				t.Fatalf("Evaluate = %v (%s), want %v (%s): %s", d.Allowed, d.Rule, tt.want, tt.rule, d.Reason())
			}
			if tt.first != "" && d.Matches[0].Entry.String() != tt.first {
				t.Fatalf("deciding ACL = %s, want %s", d.Matches[0].Entry, tt.first)
			}
		})
	}
}

func TestEvaluateHostNotes(t *testing.T) {
	acls := []ACL{acl(t, "ALLOW User:a READ topic:orders"), acl(t, "DENY User:a READ topic:orders 10.0.0.9")}
	d := Evaluate(acls, Request{Principal: "User:a", Operation: "READ", Resource: Resource{"topic", "orders"}, Host: "*"}, Options{})
	if !d.Allowed || len(d.Hosts) != 1 || d.Hosts[0].Host != "10.0.0.9" || d.Hosts[0].Allowed {
		t.Fatalf("host notes = %+v, want one denied from 10.0.0.9", d.Hosts)
	}
}

func TestReasons(t *testing.T) {
	tests := []struct {
		acls []string
		opts Options
		want string
	}{
		{nil, Options{}, "no ACL matches: denied (allow.everyone.if.no.acl.found is false by default)"},
		{[]string{"ALLOW User:a READ topic:orders", "DENY User:a READ topic:*"}, Options{}, "denied by DENY User:a READ topic:* (literal) from * (a DENY wins over the 1 ALLOW ACL that match)"},
		{[]string{"ALLOW User:a WRITE topic:orders"}, Options{}, "no ACL allows User:a READ on topic:orders, though ACLs name the resource: denied"},
		{nil, Options{SuperUsers: []string{"User:a"}}, "User:a is a super user: the brokers' super.users bypass ACLs"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var acls []ACL
			for _, s := range tt.acls {
				acls = append(acls, acl(t, s))
			}
			d := Evaluate(acls, Request{Principal: "User:a", Operation: "READ", Resource: Resource{"topic", "orders"}}, tt.opts)
			if got := d.Reason(); got != tt.want {
				t.Fatalf("Reason =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestWhoCan(t *testing.T) {
	acls := []ACL{
		acl(t, "ALLOW User:a READ topic:orders"),
		acl(t, "ALLOW User:b ALL topic:ord*"),
		acl(t, "DENY User:c READ topic:orders"),
		acl(t, "ALLOW User:* READ topic:*"),
		acl(t, "ALLOW User:d WRITE topic:orders"),
	}
	res := WhoCan(acls, "READ", Resource{"topic", "orders"}, "*", Options{SuperUsers: []string{"User:admin"}})
	var got []string
	for _, g := range res.Grantees {
		got = append(got, g.Principal)
	}
	if want := "User:*,User:a,User:admin,User:b,User:d"; strings.Join(got, ",") != want {
		t.Fatalf("grantees = %v, want %s", got, want)
	}
	if len(res.Denied) != 1 || res.Denied[0].Principal != "User:c" {
		t.Fatalf("denied = %+v, want User:c", res.Denied)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		op, resource string
		want         string
		err          string
	}{
		{"read", "topic:shop.orders", "READ topic:shop.orders", ""},
		{"describeConfigs", "Topic:x", "DESCRIBE_CONFIGS topic:x", ""},
		{"describe-configs", "cluster", "DESCRIBE_CONFIGS cluster:kafka-cluster", ""},
		{"WRITE", "transactional-id:tx", "WRITE transactionalId:tx", ""},
		{"idempotentWrite", "topic:x", "", "operation IDEMPOTENT_WRITE does not apply to a topic (it applies to cluster): a topic takes all, read, write, create, delete, alter, describe, describe_configs, alter_configs"},
		{"raed", "topic:x", "", `unknown operation "raed": did you mean read? operations on a topic: all, read, write, create, delete, alter, describe, describe_configs, alter_configs`},
		{"read", "topics:x", "", `resource "topics:x": unknown resource type "topics": write type:name with a type of topic, group, cluster, transactionalId, delegationToken, user`},
		{"read", "topic", "", `resource "topic" has no name: write topic:<name>`},
		{"describe", "cluster:prod", "", `resource "cluster:prod": the cluster resource is named kafka-cluster: write cluster`},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.resource, func(t *testing.T) {
			r, err := ParseResource(tt.resource)
			var op string
			if err == nil {
				op, err = ParseOperation(tt.op, r.Type)
			}
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil || op+" "+r.String() != tt.want {
				t.Fatalf("= %s %s, %v; want %s", op, r, err, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	err := fmt.Errorf("fetch: %w", kerr.TopicAuthorizationFailed)
	got := Explain(err, "User:bob", "READ", Resource{"topic", "orders"}, nil)
	want := "User:bob lacks READ on topic orders; a RoleBinding of role consumer grants it (so do connect-worker, streams-app, admin) (kgitops access check User:bob read topic:orders explains): fetch: " + kerr.TopicAuthorizationFailed.Error()
	if got.Error() != want {
		t.Fatalf("Explain =\n%s\nwant\n%s", got, want)
	}
	if !errors.Is(got, kerr.TopicAuthorizationFailed) {
		t.Fatal("Explain lost the Kafka error")
	}
	other := errors.New("boom")
	if Explain(other, "User:bob", "READ", Resource{"topic", "orders"}, nil) != other {
		t.Fatal("Explain changed an error that is not an authorization failure")
	}
	if got := Missing("User:bob", "CREATE_TOKENS", Resource{"user", "bob"}, nil); !strings.Contains(got, "an ACL rule {resource: {type: user, name: bob}, operations: [create_tokens]} grants it") {
		t.Fatalf("Missing for an operation no role grants = %s", got)
	}
}

func TestCheckNotesClusterCreate(t *testing.T) {
	acls := []ACL{acl(t, "ALLOW User:a CREATE cluster:kafka-cluster")}
	c := NewCheck(acls, nil, Request{Principal: "User:a", Operation: "CREATE", Resource: Resource{"topic", "new"}}, Options{}, "")
	if c.Allowed || len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "CreateTopics still succeeds: User:a has CREATE on the cluster") {
		t.Fatalf("check = %v, notes %q", c.Allowed, c.Notes)
	}
}
