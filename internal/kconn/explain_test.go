package kconn

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kgitops/kgitops/secret"
)

func TestExplain(t *testing.T) {
	const topicHint = "missing permission on a topic: the Kafka user kgitops logs in as needs topic ACLs (DESCRIBE and DESCRIBE_CONFIGS to read; CREATE, ALTER, ALTER_CONFIGS and DELETE to change)"
	const clusterHint = "missing permission on the cluster: the Kafka user kgitops logs in as needs cluster ACLs (DESCRIBE and DESCRIBE_CONFIGS to read ACLs, quotas and broker configs; ALTER and ALTER_CONFIGS to change them)"
	plain := errors.New("something else")
	tests := []struct {
		name string
		err  error
		want string // "" means: err passes through unchanged
		is   *kerr.Error
	}{
		{name: "nil"},
		{name: "other error", err: plain},
		{name: "retriable Kafka error", err: kerr.NotController},
		{
			name: "topic", err: fmt.Errorf("create topic %q: %w", "orders", kerr.TopicAuthorizationFailed),
			want: topicHint + `: create topic "orders": TOPIC_AUTHORIZATION_FAILED: Not authorized to access topics: [Topic authorization failed.]`,
			is:   kerr.TopicAuthorizationFailed,
		},
		{
			name: "cluster, as kadm returns it", err: fmt.Errorf("describe ACLs: %w", &kadm.AuthError{Err: kerr.ClusterAuthorizationFailed}),
			want: clusterHint + ": describe ACLs: CLUSTER_AUTHORIZATION_FAILED: Cluster authorization failed.",
			is:   kerr.ClusterAuthorizationFailed,
		},
		{
			name: "group", err: kerr.GroupAuthorizationFailed,
			want: "missing permission on a consumer group: the Kafka user kgitops logs in as needs group ACLs (DESCRIBE to read; DELETE to delete): GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed.",
			is:   kerr.GroupAuthorizationFailed,
		},
		{
			name: "inside shard errors", err: &kadm.ShardErrors{Name: "DescribeConfigs", Errs: []kadm.ShardError{{Err: io.EOF}, {Err: kerr.TopicAuthorizationFailed}}},
			want: topicHint + ": request DescribeConfigs has 2 separate shard errors, first: EOF",
		},
		{
			name: "SASL login", err: fmt.Errorf("list topics: %w", kerr.SaslAuthenticationFailed),
			want: "SASL login failed: check --sasl-username, the password (KGITOPS_SASL_PASSWORD or --sasl-password-file) and --sasl-mechanism: list topics: SASL_AUTHENTICATION_FAILED: SASL Authentication failed.",
			is:   kerr.SaslAuthenticationFailed,
		},
		{
			name: "no authorizer", err: kerr.SecurityDisabled,
			want: "the cluster has no authorizer, so there are no ACLs to read or change: SECURITY_DISABLED: Security features are disabled.",
			is:   kerr.SecurityDisabled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err)
			if tt.want == "" {
				if got != tt.err {
					t.Fatalf("Explain changed %v into %v", tt.err, got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if tt.is != nil && !errors.Is(got, tt.is) {
				t.Errorf("errors.Is(Explain(err), %v) = false", tt.is)
			}
			if !errors.Is(got, tt.err) {
				t.Error("Explain(err) does not wrap err")
			}
			if again := Explain(got); again != got {
				t.Errorf("Explain is not idempotent: %v", again)
			}
			if Transient(got) {
				t.Error("Transient(authorization error) = true")
			}
		})
	}
}

// A user the cluster knows but grants nothing: Connect works (listing
// brokers needs no permission), and later admin calls explain what is missing.
func TestExplainAgainstKfake(t *testing.T) {
	addrs := startKfake(t, kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", "admin", testPassword),
		kfake.User("SCRAM-SHA-256", "nobody", testPassword),
	)
	o := Options{Bootstrap: addrs, Timeout: 5 * time.Second, SASLMechanism: "SCRAM-SHA-256", SASLUsername: "nobody", SASLPassword: secret.New(testPassword)}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	cl, adm, err := o.Connect(t.Context(), nil)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	defer cl.Close()

	created, err := adm.CreateTopic(t.Context(), 1, 1, nil, "orders")
	if err == nil {
		err = created.Err
	}
	got := Explain(fmt.Errorf("create topic %q: %w", "orders", err))
	if !errors.Is(got, kerr.TopicAuthorizationFailed) || !strings.HasPrefix(got.Error(), "missing permission on a topic: ") {
		t.Errorf("create topic: got %v", got)
	}

	acl := kadm.NewACLs().Topics("orders").Allow("User:app").AllowHosts().Operations(kadm.OpRead).ResourcePatternType(kadm.ACLPatternLiteral)
	made, err := adm.CreateACLs(t.Context(), acl)
	if err == nil && len(made) > 0 {
		err = made[0].Err
	}
	got = Explain(err)
	if !errors.Is(got, kerr.ClusterAuthorizationFailed) || !strings.HasPrefix(got.Error(), "missing permission on the cluster: ") {
		t.Errorf("create ACLs: got %v", got)
	}
}
