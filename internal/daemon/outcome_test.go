package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func TestProblemsAreClassifiedWhereTheCauseIsKnown(t *testing.T) {
	tests := []struct {
		name string
		p    problem
		want ErrorClass
	}{
		{"git credentials refused", gitProblem(fmt.Errorf("fetch: %w", transport.ErrAuthenticationRequired)), ClassGitAuth},
		{"git server down", gitProblem(&net503{}), ClassGitUnreachable},
		{"git ref gone", gitProblem(fmt.Errorf("fetch: %w", transport.ErrRepositoryNotFound)), ClassGitUnreachable},
		{"kafka ACL missing", kafkaProblem("observe", fmt.Errorf("describe: %w", kerr.ClusterAuthorizationFailed)), ClassKafkaAuth},
		{"kafka login refused", kafkaProblem("observe", kerr.SaslAuthenticationFailed), ClassKafkaAuth},
		{"kafka broker down", kafkaProblem("observe", context.DeadlineExceeded), ClassKafkaUnreachable},
		{"kafka not controller", kafkaProblem("observe", kerr.NotController), ClassKafkaUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.class != tt.want {
				t.Errorf("class %s, want %s (%v)", tt.p.class, tt.want, tt.p.err)
			}
			if tt.p.class.transient() != (tt.want == ClassGitUnreachable || tt.want == ClassKafkaUnreachable) {
				t.Errorf("%s: transient = %v", tt.p.class, tt.p.class.transient())
			}
		})
	}
	if p := kafkaProblem("observe", kerr.TopicAuthorizationFailed); !strings.Contains(p.err.Error(), "needs topic ACLs") {
		t.Errorf("an authorization failure does not name what is missing: %v", p.err)
	}
}

type net503 struct{}

func (*net503) Error() string   { return "dial tcp 127.0.0.1:1: connect: connection refused" }
func (*net503) Timeout() bool   { return false }
func (*net503) Temporary() bool { return true }

// An authorization failure is reported with what is missing, counted as
// kafka_auth, and retried at the interval, not in a fast backoff loop.
func TestKafkaAuthFailuresWaitTheInterval(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		interval := 3 * time.Second
		tweak := func(cfg *Config) { cfg.Interval = interval }
		if c.Real() {
			// A wrong SCRAM password on the SASL listener.
			cl := c.Client(t, kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(scram.Auth{User: c.AdminUser, Pass: "wrong-" + c.AdminPassword}.AsSha256Mechanism()), kgo.RequestRetries(0))
			tweak = func(cfg *Config) { cfg.Interval, cfg.Client = interval, cl }
		} else {
			// kfake with the topics' configs refused, as a missing ACL does.
			c.Fake.ControlKey(int16(kmsg.DescribeConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.Fake.KeepControl()
				resp := req.(*kmsg.DescribeConfigsRequest).ResponseKind().(*kmsg.DescribeConfigsResponse)
				for _, r := range req.(*kmsg.DescribeConfigsRequest).Resources {
					rr := kmsg.NewDescribeConfigsResponseResource()
					rr.ResourceType, rr.ResourceName, rr.ErrorCode = r.ResourceType, r.ResourceName, kerr.TopicAuthorizationFailed.Code
					resp.Resources = append(resp.Resources, rr)
				}
				return resp, nil, true
			})
		}
		h := newHarness(t, c, ModeApply, tweak)
		h.src.push(map[string]string{"t.yaml": topicYAML(kafkatest.Unique("auth"), 1)})
		h.start()
		s := h.waitFor("the auth failure reported", func(s Status) bool { return s.ErrorClass == "kafka_auth" && s.NextPassAt.After(s.LastPassAt) })
		if wait := s.NextPassAt.Sub(s.LastPassAt); wait < interval*9/10 {
			t.Errorf("next pass %v after an auth failure, want the interval %v", wait, interval)
		}
		if !strings.Contains(s.LastError, "kgitops logs in as") && !strings.Contains(s.LastError, "SASL") {
			t.Errorf("the error does not say what is missing: %s", s.LastError)
		}
		if got := h.metric("kgitops_reconcile_errors_total", map[string]string{"class": "kafka_auth"}); got < 1 {
			t.Errorf("kgitops_reconcile_errors_total{class=kafka_auth} = %v", got)
		}
		if strings.Contains(s.LastError, c.AdminPassword) && c.AdminPassword != "" {
			t.Fatal("the password reached the status")
		}
	})
}
