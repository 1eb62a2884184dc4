package kconn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/secret"
)

// realKafka is a real Apache Kafka broker given by internal/testbroker:
// its SASL_PLAINTEXT SCRAM listener, its PLAINTEXT listener (may be empty),
// and the admin credentials.
type realKafka struct {
	sasl, plain, user, password string
}

// needRealKafka returns the real broker, skips the test when there is none,
// or fails it if KGITOPS_REQUIRE_REAL_KAFKA=1 demands one.
func needRealKafka(t *testing.T) realKafka {
	t.Helper()
	k := realKafka{
		sasl:     os.Getenv("KGITOPS_TEST_KAFKA_SASL"),
		plain:    os.Getenv("KGITOPS_TEST_KAFKA"),
		user:     os.Getenv("KGITOPS_TEST_KAFKA_ADMIN_USER"),
		password: os.Getenv("KGITOPS_TEST_KAFKA_ADMIN_PASSWORD"),
	}
	if k.sasl == "" || k.user == "" || k.password == "" {
		const why = "KGITOPS_TEST_KAFKA_SASL, KGITOPS_TEST_KAFKA_ADMIN_USER and KGITOPS_TEST_KAFKA_ADMIN_PASSWORD are not all set (start a broker with internal/testbroker/broker.sh start, then eval \"$(internal/testbroker/broker.sh env)\")"
		if os.Getenv("KGITOPS_REQUIRE_REAL_KAFKA") == "1" {
			t.Fatal("KGITOPS_REQUIRE_REAL_KAFKA=1 but " + why)
		}
		t.Skip(why)
	}
	return k
}

// connectReal connects to addr with o and the password pass, checking that
// neither the error nor the logs show the real password.
func connectReal(t *testing.T, k realKafka, o Options, pass string) (*kgo.Client, *kadm.Client, error) {
	t.Helper()
	o.SASLPassword = secret.New(pass)
	if err := o.Complete(); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	log, logs := captureLog()
	start := time.Now()
	cl, adm, err := o.Connect(t.Context(), log)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("Connect took %v; want well under 10s", took)
	}
	for _, s := range []string{logs.String(), fmt.Sprint(err), o.String()} {
		if strings.Contains(s, k.password) || strings.Contains(s, pass) {
			t.Errorf("password leaked: %s", s)
		}
	}
	if cl != nil {
		t.Cleanup(cl.Close)
	}
	return cl, adm, err
}

func TestRealKafkaSCRAM(t *testing.T) {
	k := needRealKafka(t)
	for _, mech := range []string{MechanismSCRAMSHA512, MechanismSCRAMSHA256} {
		o := Options{Bootstrap: []string{k.sasl}, Timeout: 5 * time.Second, SASLMechanism: mech, SASLUsername: k.user}
		t.Run(mech, func(t *testing.T) {
			_, adm, err := connectReal(t, k, o, k.password)
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			if _, err := adm.ListTopics(t.Context()); err != nil {
				t.Errorf("ListTopics: %v", err)
			}
		})
		t.Run(mech+" wrong password", func(t *testing.T) {
			_, _, err := connectReal(t, k, o, "wrong-password")
			want := fmt.Sprintf(`SASL %s login as %q to Kafka at %s failed: check --sasl-username, the password (KGITOPS_SASL_PASSWORD or --sasl-password-file) and --sasl-mechanism: `, mech, k.user, k.sasl)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("got %v\nwant %q...", err, want)
			}
			t.Log(err)
			if !errors.Is(err, kerr.SaslAuthenticationFailed) {
				t.Error("errors.Is(err, kerr.SaslAuthenticationFailed) = false")
			}
			if Transient(err) {
				t.Error("Transient(wrong password) = true")
			}
		})
	}
}

func TestRealKafkaMisconfigured(t *testing.T) {
	k := needRealKafka(t)
	tests := []struct {
		name   string
		o      Options
		want   string // the whole error; {addr} is the bootstrap list
		wantIs error
	}{{
		name:   "mechanism not enabled",
		o:      Options{Bootstrap: []string{k.sasl}, SASLMechanism: MechanismPlain, SASLUsername: k.user},
		want:   "Kafka at {addr} does not enable the SASL mechanism PLAIN: pass another --sasl-mechanism",
		wantIs: kerr.UnsupportedSaslMechanism,
	}, {
		name: "no SASL on the SASL port",
		o:    Options{Bootstrap: []string{k.sasl}},
		want: "Kafka at {addr} hung up after the first request: the listener probably needs SASL (pass --sasl-mechanism and --sasl-username, and set KGITOPS_SASL_PASSWORD)",
	}, {
		name: "TLS to the SASL_PLAINTEXT port",
		o:    Options{Bootstrap: []string{k.sasl}, TLS: true},
		want: "TLS: Kafka at {addr} hung up during the TLS handshake (EOF): the port is probably plaintext (drop --tls, or use the port of a TLS listener)",
	}}
	if k.plain != "" {
		tests = append(tests, struct {
			name   string
			o      Options
			want   string
			wantIs error
		}{
			name:   "SASL to the PLAINTEXT port",
			o:      Options{Bootstrap: []string{k.plain}, SASLMechanism: MechanismSCRAMSHA512, SASLUsername: k.user},
			want:   "Kafka at {addr} does not expect SASL on this port: drop --sasl-mechanism, or use the port of a SASL listener",
			wantIs: kerr.IllegalSaslState,
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Timeout = 5 * time.Second
			_, _, err := connectReal(t, k, tt.o, k.password)
			want := strings.ReplaceAll(tt.want, "{addr}", strings.Join(tt.o.Bootstrap, ","))
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
			if Transient(err) {
				t.Error("Transient = true for a configuration mistake")
			}
		})
	}
}

// A SCRAM user the broker knows but grants nothing: Connect works, and
// Explain names what later admin calls miss.
func TestRealKafkaExplain(t *testing.T) {
	k := needRealKafka(t)
	admin := Options{Bootstrap: []string{k.sasl}, Timeout: 10 * time.Second, SASLMechanism: MechanismSCRAMSHA512, SASLUsername: k.user}
	_, root, err := connectReal(t, k, admin, k.password)
	if err != nil {
		t.Fatalf("Connect as admin: %v", err)
	}
	user := fmt.Sprintf("kconn-test-%d", time.Now().UnixNano())
	const pass = "kconn-" + testPassword
	if _, err := root.AlterUserSCRAMs(t.Context(), nil, []kadm.UpsertSCRAM{{User: user, Mechanism: kadm.ScramSha512, Iterations: 4096, Password: pass}}); err != nil {
		t.Fatalf("create SCRAM user: %v", err)
	}
	t.Cleanup(func() { // t.Context() is done by now
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := root.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: user, Mechanism: kadm.ScramSha512}}, nil); err != nil {
			t.Errorf("delete SCRAM user %s: %v", user, err)
		}
	})

	// The new credential reaches the SASL listener shortly after the controller accepts it.
	o := Options{Bootstrap: []string{k.sasl}, Timeout: 5 * time.Second, SASLMechanism: MechanismSCRAMSHA512, SASLUsername: user}
	var adm *kadm.Client
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, adm, err = connectReal(t, k, o, pass); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Connect as %s: %v", user, err)
		}
	}

	created, err := adm.CreateTopic(t.Context(), 1, 1, nil, "kconn-denied")
	if err == nil {
		err = created.Err
	}
	got := Explain(fmt.Errorf("create topic: %w", err))
	if !errors.Is(got, kerr.TopicAuthorizationFailed) || !strings.HasPrefix(got.Error(), "missing permission on a topic: ") {
		t.Errorf("create topic: got %v", got)
	}
	_, err = adm.DescribeBrokerConfigs(t.Context())
	got = Explain(err)
	if !errors.Is(got, kerr.ClusterAuthorizationFailed) || !strings.HasPrefix(got.Error(), "missing permission on the cluster: ") {
		t.Errorf("describe broker configs: got %v", got)
	}
	t.Log(got)
}
