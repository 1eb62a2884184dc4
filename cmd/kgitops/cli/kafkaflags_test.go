package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
)

// testPassword is the SASL password in testdata/password.txt. No error,
// log line or String output may ever contain it.
const testPassword = "s3cret-pw-XYZ"

// envOf returns a getenv that reads m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// assertNoSecret fails the test if s holds the test password.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testPassword) {
		t.Errorf("%s leaks the password: %s", what, s)
	}
}

// settings is the part of kconn.Options a user sets, for comparing in tests.
type settings struct {
	Bootstrap                                      []string
	Timeout                                        time.Duration
	ClientID                                       string
	TLS, Insecure                                  bool
	CA, Cert, Key, ServerName                      string
	Mechanism, User, PasswordFile, Password        string
	TLSConfigBuilt, HasClientCert, HasCustomRootCA bool
}

func settingsOf(o *kconn.Options) settings {
	s := settings{
		Bootstrap: o.Bootstrap, Timeout: o.Timeout, ClientID: o.ClientID,
		TLS: o.TLS, Insecure: o.TLSInsecureSkipVerify,
		CA: o.TLSCAFile, Cert: o.TLSCertFile, Key: o.TLSKeyFile, ServerName: o.TLSServerName,
		Mechanism: o.SASLMechanism, User: o.SASLUsername, PasswordFile: o.SASLPasswordFile,
		Password: o.Password().Reveal(),
	}
	if tc := o.TLSConfig(); tc != nil {
		s.TLSConfigBuilt = true
		s.HasClientCert = len(tc.Certificates) > 0
		s.HasCustomRootCA = tc.RootCAs != nil
	}
	return s
}

// completeArgs parses args with the connection flags and completes with env.
func completeArgs(t *testing.T, args []string, env map[string]string) (*kconn.Options, error) {
	t.Helper()
	var o kconn.Options
	return &o, completeWith(t, kafkaVars(&o), o.Complete, args, env)
}

// completeWith does what a command does with vars: it registers their
// flags, parses args and completes with env.
func completeWith(t *testing.T, vars *envflag.Set, complete func() error, args []string, env map[string]string) error {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	vars.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return completeFrom(vars, envOf(env), complete)
}

func TestKafkaCompletePrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want settings
	}{{
		name: "defaults",
		args: []string{"--bootstrap-servers", "kafka-1:9092"},
		want: settings{Bootstrap: []string{"kafka-1:9092"}, Timeout: 30 * time.Second, ClientID: "kgitops"},
	}, {
		name: "flags only",
		args: []string{"--bootstrap-servers", "a:1, b:2", "--timeout", "5s", "--client-id", "ci", "--sasl-mechanism", "scram-sha-512", "--sasl-username", "alice"},
		env:  map[string]string{kconn.EnvPassword: testPassword},
		want: settings{Bootstrap: []string{"a:1", "b:2"}, Timeout: 5 * time.Second, ClientID: "ci", Mechanism: "SCRAM-SHA-512", User: "alice", Password: testPassword},
	}, {
		name: "environment only",
		env: map[string]string{
			"KGITOPS_BOOTSTRAP_SERVERS": "a:1,b:2,", "KGITOPS_TIMEOUT": "1m", "KGITOPS_CLIENT_ID": "env-id",
			"KGITOPS_TLS": "true", "KGITOPS_TLS_CA_FILE": "testdata/ca.pem", "KGITOPS_TLS_CERT_FILE": "testdata/client.pem",
			"KGITOPS_TLS_KEY_FILE": "testdata/client-key.pem", "KGITOPS_TLS_SERVER_NAME": "kafka.internal",
			"KGITOPS_SASL_MECHANISM": "Plain", "KGITOPS_SASL_USERNAME": "bob", "KGITOPS_SASL_PASSWORD_FILE": "testdata/password.txt",
		},
		want: settings{
			Bootstrap: []string{"a:1", "b:2"}, Timeout: time.Minute, ClientID: "env-id",
			TLS: true, CA: "testdata/ca.pem", Cert: "testdata/client.pem", Key: "testdata/client-key.pem", ServerName: "kafka.internal",
			Mechanism: "PLAIN", User: "bob", PasswordFile: "testdata/password.txt", Password: testPassword,
			TLSConfigBuilt: true, HasClientCert: true, HasCustomRootCA: true,
		},
	}, {
		name: "flags win over the environment",
		args: []string{"--bootstrap-servers", "flag:1", "--timeout", "3s", "--client-id", "flag-id", "--tls=false", "--sasl-username", "flag-user", "--sasl-mechanism", "SCRAM-SHA-256"},
		env: map[string]string{
			"KGITOPS_BOOTSTRAP_SERVERS": "env:1", "KGITOPS_TIMEOUT": "1m", "KGITOPS_CLIENT_ID": "env-id", "KGITOPS_TLS": "true",
			"KGITOPS_SASL_USERNAME": "env-user", "KGITOPS_SASL_MECHANISM": "PLAIN", kconn.EnvPassword: testPassword,
		},
		want: settings{Bootstrap: []string{"flag:1"}, Timeout: 3 * time.Second, ClientID: "flag-id", Mechanism: "SCRAM-SHA-256", User: "flag-user", Password: testPassword},
	}, {
		name: "the environment fills what flags leave",
		args: []string{"--bootstrap-servers", "flag:1"},
		env:  map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": "env:1", "KGITOPS_TIMEOUT": "2s", "KGITOPS_TLS_CA_FILE": "testdata/ca.pem"},
		want: settings{Bootstrap: []string{"flag:1"}, Timeout: 2 * time.Second, ClientID: "kgitops", CA: "testdata/ca.pem", TLSConfigBuilt: true, HasCustomRootCA: true},
	}, {
		name: "a password file flag wins over the password variable",
		args: []string{"--bootstrap-servers", "a:1", "--sasl-mechanism", "PLAIN", "--sasl-username", "u", "--sasl-password-file", "testdata/password.txt"},
		env:  map[string]string{kconn.EnvPassword: "from-env"},
		want: settings{Bootstrap: []string{"a:1"}, Timeout: 30 * time.Second, ClientID: "kgitops", Mechanism: "PLAIN", User: "u", PasswordFile: "testdata/password.txt", Password: testPassword},
	}, {
		name: "no SASL ignores a stray password variable",
		args: []string{"--bootstrap-servers", "a:1"},
		env:  map[string]string{kconn.EnvPassword: testPassword},
		want: settings{Bootstrap: []string{"a:1"}, Timeout: 30 * time.Second, ClientID: "kgitops"},
	}, {
		name: "skip-verify turns TLS on",
		args: []string{"--bootstrap-servers", "[::1]:9093", "--tls-insecure-skip-verify"},
		want: settings{Bootstrap: []string{"[::1]:9093"}, Timeout: 30 * time.Second, ClientID: "kgitops", Insecure: true, TLSConfigBuilt: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := completeArgs(t, tt.args, tt.env)
			if err != nil {
				t.Fatalf("Complete: %v", err)
			}
			if got := settingsOf(o); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Options built in code, without flags: a non-zero field counts as given.
func TestKafkaCompleteWithoutFlags(t *testing.T) {
	o := kconn.Options{Bootstrap: []string{"code:1"}, ClientID: "code-id"}
	err := completeFrom(kafkaVars(&o), envOf(map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": "env:1", "KGITOPS_CLIENT_ID": "env-id", "KGITOPS_TIMEOUT": "7s"}), o.Complete)
	if err != nil {
		t.Fatal(err)
	}
	want := settings{Bootstrap: []string{"code:1"}, Timeout: 7 * time.Second, ClientID: "code-id"}
	if got := settingsOf(&o); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestKafkaCompleteErrors(t *testing.T) {
	const bs = "--bootstrap-servers=kafka:9092"
	scram := []string{bs, "--sasl-mechanism=SCRAM-SHA-512", "--sasl-username=alice"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no bootstrap", nil, nil, "no Kafka cluster given: pass --bootstrap-servers HOST:PORT or set KGITOPS_BOOTSTRAP_SERVERS"},
		{"blank bootstrap", nil, map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": " , "}, "no Kafka cluster given: pass --bootstrap-servers HOST:PORT or set KGITOPS_BOOTSTRAP_SERVERS"},
		{"no port", []string{"--bootstrap-servers=kafka"}, nil, `--bootstrap-servers: "kafka" is not HOST:PORT (such as kafka-1:9092)`},
		{"no host", []string{"--bootstrap-servers=:9092"}, nil, `--bootstrap-servers: ":9092" is not HOST:PORT (such as kafka-1:9092)`},
		{"port zero", []string{"--bootstrap-servers=kafka:0"}, nil, `--bootstrap-servers: "kafka:0" is not HOST:PORT (such as kafka-1:9092): the port must be a number from 1 to 65535`},
		{"port name", []string{"--bootstrap-servers=kafka:http"}, nil, `--bootstrap-servers: "kafka:http" is not HOST:PORT (such as kafka-1:9092): the port must be a number from 1 to 65535`},
		{"URL from env", nil, map[string]string{"KGITOPS_BOOTSTRAP_SERVERS": "a:1,SASL_SSL://b:9093"}, `KGITOPS_BOOTSTRAP_SERVERS: "SASL_SSL://b:9093" is not HOST:PORT (such as kafka-1:9092); drop the "SASL_SSL://"`},
		{"timeout without unit", []string{bs}, map[string]string{"KGITOPS_TIMEOUT": "30"}, `KGITOPS_TIMEOUT: want a duration such as 30s or 2m: time: missing unit in duration "30"`},
		{"negative timeout", []string{bs, "--timeout=-1s"}, nil, "--timeout: -1s is negative; want a duration such as 30s"},
		{"TLS not a bool", []string{bs}, map[string]string{"KGITOPS_TLS": "yes"}, `KGITOPS_TLS: want true or false: strconv.ParseBool: parsing "yes": invalid syntax`},
		{"unknown mechanism", []string{bs, "--sasl-mechanism=gssapi", "--sasl-username=a"}, nil, `--sasl-mechanism: unknown SASL mechanism "GSSAPI"; want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"unknown mechanism from env", []string{bs}, map[string]string{"KGITOPS_SASL_MECHANISM": "OAUTHBEARER"}, `KGITOPS_SASL_MECHANISM: unknown SASL mechanism "OAUTHBEARER"; want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"mechanism without user", []string{bs, "--sasl-mechanism=scram-sha-512"}, map[string]string{kconn.EnvPassword: testPassword}, "SASL SCRAM-SHA-512 needs a user name: pass --sasl-username or set KGITOPS_SASL_USERNAME"},
		{"user without mechanism", []string{bs, "--sasl-username=alice"}, nil, "--sasl-username given without a SASL mechanism: pass --sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{"user from env without mechanism", []string{bs}, map[string]string{"KGITOPS_SASL_USERNAME": "alice"}, "KGITOPS_SASL_USERNAME given without a SASL mechanism: pass --sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{"password file without mechanism", []string{bs, "--sasl-password-file=testdata/password.txt"}, nil, "--sasl-password-file given without a SASL mechanism: pass --sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"},
		{"no password", scram, nil, "SASL SCRAM-SHA-512 needs a password: set KGITOPS_SASL_PASSWORD or pass --sasl-password-file"},
		{"two password variables", scram, map[string]string{kconn.EnvPassword: testPassword, "KGITOPS_SASL_PASSWORD_FILE": "testdata/password.txt"}, "both KGITOPS_SASL_PASSWORD and KGITOPS_SASL_PASSWORD_FILE are set: set only one"},
		{"missing password file", append(scram, "--sasl-password-file=testdata/missing.txt"), nil, "read SASL password file: open testdata/missing.txt: no such file or directory"},
		{"empty password file", append(scram, "--sasl-password-file=testdata/empty.txt"), nil, `SASL password file "testdata/empty.txt" is empty`},
		{"password file is a directory", append(scram, "--sasl-password-file=testdata"), nil, "read SASL password file: read testdata: is a directory"},
		{"cert without key", []string{bs, "--tls-cert-file=testdata/client.pem"}, nil, "--tls-cert-file given without its key: pass --tls-key-file or set KGITOPS_TLS_KEY_FILE"},
		{"key without cert", []string{bs}, map[string]string{"KGITOPS_TLS_KEY_FILE": "testdata/client-key.pem"}, "KGITOPS_TLS_KEY_FILE given without its certificate: pass --tls-cert-file or set KGITOPS_TLS_CERT_FILE"},
		{"missing CA file", []string{bs, "--tls-ca-file=testdata/missing.pem"}, nil, "read TLS CA file: open testdata/missing.pem: no such file or directory"},
		{"CA file not PEM", []string{bs, "--tls-ca-file=testdata/garbage.pem"}, nil, `TLS CA file "testdata/garbage.pem" holds no PEM certificate`},
		{"password file as CA file", []string{bs, "--tls-ca-file=testdata/password.txt"}, nil, `TLS CA file "testdata/password.txt" holds no PEM certificate`},
		{"password file as key", []string{bs, "--tls-cert-file=testdata/client.pem", "--tls-key-file=testdata/password.txt"}, nil, `load TLS client certificate "testdata/client.pem" with key "testdata/password.txt": tls: failed to find any PEM data in key input`},
		{"key of another cert", []string{bs, "--tls-cert-file=testdata/ca.pem", "--tls-key-file=testdata/client-key.pem"}, nil, `load TLS client certificate "testdata/ca.pem" with key "testdata/client-key.pem": tls: private key does not match public key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := completeArgs(t, tt.args, tt.env)
			if err == nil {
				t.Fatalf("Complete succeeded, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err, tt.want)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}

func TestKafkaCompleteFileErrorsUnwrap(t *testing.T) {
	_, err := completeArgs(t, []string{"--bootstrap-servers=a:1", "--tls-ca-file=testdata/missing.pem"}, nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
}

// Printing Options any way at all, or logging them, shows no password.
func TestKafkaOptionsPrintNoSecret(t *testing.T) {
	o, err := completeArgs(t, []string{"--bootstrap-servers=a:1", "--sasl-mechanism=PLAIN", "--sasl-username=u"}, map[string]string{kconn.EnvPassword: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})).Info("options", "ptr", o, "value", *o)
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s", o, o, o, o),
		fmt.Sprintf("%v %+v %#v", *o, *o, *o),
		buf.String(),
	} {
		assertNoSecret(t, "printed Options", s)
	}
}
