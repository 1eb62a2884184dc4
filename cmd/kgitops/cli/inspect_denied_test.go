package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A user without ACLs is told which operation on which resource it lacks.
func TestInspectDenied(t *testing.T) {
	kafkatest.EachSecure(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		admin := scram.Auth{User: c.AdminUser, Pass: c.AdminPassword}
		adm := kadm.NewClient(c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(admin.AsSha512Mechanism())))
		user, pw := kafkatest.Unique("nobody"), "pw-"+kafkatest.Unique("x")
		if _, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: user, Mechanism: kadm.ScramSha512, Iterations: 4096, Password: pw}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			adm.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: user, Mechanism: kadm.ScramSha512}}, nil)
		})
		topic := kafkatest.Unique("secret")
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			adm.DeleteTopics(ctx, topic)
		})
		group := kafkatest.Unique("secret-group")
		as := []string{"--bootstrap-servers", strings.Join(c.SASLBootstrap, ","), "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", user, "--timeout", "20s"}
		environ := map[string]string{"KGITOPS_SASL_PASSWORD": pw}
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"describe", "group", group}, "User:" + user + " lacks DESCRIBE on group " + group},
			{[]string{"describe", "topic", topic}, "User:" + user + " lacks DESCRIBE on topic " + topic},
			{[]string{"lag", group}, "User:" + user + " lacks DESCRIBE on group " + group},
			// READ implies the DESCRIBE tail needs first: granting it fixes both.
			{[]string{"tail", topic, "--follow=false"}, "User:" + user + " lacks READ on topic " + topic + "; a RoleBinding of role consumer grants it"},
		} {
			var r result
			// A new SCRAM user may take a moment to reach every listener.
			for i := 0; i < 20; i++ {
				if r = kgitops(t, environ, append(tt.args, as...)...); !strings.Contains(r.stderr, "SASL") {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%v as a user without ACLs: want exit 1 and %q\n%s", tt.args, tt.want, r)
			}
			if strings.Contains(r.stdout+r.stderr, pw) {
				t.Fatalf("%v printed the password", tt.args)
			}
		}
	})
}
