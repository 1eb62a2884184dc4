package kafkatest

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// unknownTopicConfig is a topic config key no Kafka version knows.
const unknownTopicConfig = "kgitops.no.such.config"

func TestUnique(t *testing.T) {
	valid := regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	seen := map[string]bool{}
	for range 1000 {
		n := Unique("kafkatest")
		if !regexp.MustCompile(`^kafkatest-[0-9a-f]{8}$`).MatchString(n) || !valid.MatchString(n) {
			t.Fatalf("Unique = %q, want kafkatest-<8 hex>", n)
		}
		if seen[n] {
			t.Fatalf("Unique repeated %q", n)
		}
		seen[n] = true
	}
}

// TestClusters is the rig's self-test: on kfake and (when given) the real broker, create
// a topic, produce a record and read it back; pin per cluster how an unknown topic config
// key is treated; on the real broker, also log in through the SASL listener.
func TestClusters(t *testing.T) {
	Each(t, func(t *testing.T, c *Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if c.Real() != (c.Name == "kafka") {
			t.Fatalf("cluster %q: Real() = %v", c.Name, c.Real())
		}
		if len(c.Bootstrap) == 0 {
			t.Fatalf("cluster %q has no bootstrap addresses", c.Name)
		}
		adm := c.Admin(t)

		topic := Unique("kafkatest-roundtrip")
		resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil {
			t.Fatalf("create topic %s: %v", topic, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := adm.DeleteTopic(ctx, topic); err != nil {
				t.Logf("delete topic %s: %v", topic, err)
			}
		})
		WaitForTopics(t, adm, topic)

		t.Run("produce-consume", func(t *testing.T) {
			prod := c.Client(t)
			want := &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte("hello " + c.Name)}
			if err := prod.ProduceSync(ctx, want).FirstErr(); err != nil {
				t.Fatalf("produce: %v", err)
			}
			cons := c.Client(t,
				kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			)
			for {
				fetches := cons.PollFetches(ctx)
				if err := ctx.Err(); err != nil {
					t.Fatalf("no record consumed: %v", err)
				}
				fetches.EachError(func(topic string, p int32, err error) {
					t.Fatalf("fetch %s[%d]: %v", topic, p, err)
				})
				if recs := fetches.Records(); len(recs) > 0 {
					if got := string(recs[0].Value); got != string(want.Value) {
						t.Fatalf("consumed %q, want %q", got, want.Value)
					}
					return
				}
			}
		})

		// Known kfake gap: kfake accepts any topic config key; Kafka rejects unknown
		// ones with INVALID_CONFIG. If kfake ever starts rejecting, update this pin.
		t.Run("unknown-config-key", func(t *testing.T) {
			v := "1"
			created, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{unknownTopicConfig: &v}, Unique("kafkatest-badconfig"))
			if err == nil {
				err = created.Err
			}
			if err == nil {
				t.Cleanup(func() { _, _ = adm.DeleteTopic(context.Background(), created.Topic) })
			}
			checkUnknownConfig(t, c, "CreateTopics", err)

			altered, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: unknownTopicConfig, Value: &v}}, topic)
			if err == nil {
				var one kadm.AlterConfigsResponse
				if one, err = altered.On(topic, nil); err == nil {
					err = one.Err
				}
			}
			checkUnknownConfig(t, c, "IncrementalAlterConfigs", err)
		})

		if c.Real() {
			t.Run("sasl-scram-sha-512", func(t *testing.T) {
				if len(c.SASLBootstrap) == 0 || c.AdminUser == "" || c.AdminPassword == "" {
					t.Fatalf("real broker without SASL listener or admin credentials: %+v", c)
				}
				auth := scram.Auth{User: c.AdminUser, Pass: c.AdminPassword}
				cl, err := kgo.NewClient(kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(auth.AsSha512Mechanism()))
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				topics, err := kadm.NewClient(cl).ListTopics(ctx)
				if err != nil {
					t.Fatalf("list topics as %s over SCRAM-SHA-512: %v", c.AdminUser, err)
				}
				if !topics.Has(topic) {
					t.Fatalf("topic %s not listed over SASL; got %v", topic, topics.Names())
				}
			})
			t.Run("sasl-wrong-password", func(t *testing.T) {
				auth := scram.Auth{User: c.AdminUser, Pass: "wrong-" + c.AdminPassword}
				cl, err := kgo.NewClient(kgo.SeedBrokers(c.SASLBootstrap...), kgo.SASL(auth.AsSha512Mechanism()), kgo.RequestRetries(0))
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				_, err = kadm.NewClient(cl).ListTopics(ctx)
				if !errors.Is(err, kerr.SaslAuthenticationFailed) {
					t.Fatalf("list topics with a wrong password: err = %v, want SASL_AUTHENTICATION_FAILED", err)
				}
			})
		}
	})
}

func checkUnknownConfig(t *testing.T, c *Cluster, req string, err error) {
	t.Helper()
	if c.Real() {
		if !errors.Is(err, kerr.InvalidConfig) {
			t.Errorf("%s with unknown key %s on Kafka: err = %v, want INVALID_CONFIG", req, unknownTopicConfig, err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s with unknown key %s on kfake: err = %v, want it accepted (known kfake gap)", req, unknownTopicConfig, err)
	}
}
