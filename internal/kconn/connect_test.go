package kconn

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/secret"
)

// connectCase is one attempt to connect, and what must come of it.
type connectCase struct {
	name      string
	o         Options
	password  string           // the SASL password to give; empty: testPassword
	want      string           // the whole error text; "" means Connect must succeed
	wantIs    error            // if set, errors.Is(err, wantIs) must hold
	wantAs    func(error) bool // if set, must hold for err
	transient bool             // what Transient must say of the error
	quick     bool             // the error must come within a second
}

// runConnect completes tt.o with tt.password, connects, and checks the outcome,
// the time taken, and that neither the error nor any log line leaks the
// password. {addr} in tt.want stands for the bootstrap list.
func runConnect(t *testing.T, tt connectCase) {
	t.Helper()
	o := tt.o
	o.SASLPassword = secret.New(cmp.Or(tt.password, testPassword))
	if err := o.Complete(); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	log, logs := captureLog()
	start := time.Now()
	cl, adm, err := o.Connect(t.Context(), log)
	took := time.Since(start)
	if cl != nil {
		defer cl.Close()
	}

	// Never a hang: every case uses --timeout 2s or fails faster.
	if took > 8*time.Second {
		t.Errorf("Connect took %v; want well under 10s", took)
	}
	assertNoSecret(t, "log", logs.String())
	assertNoSecret(t, "String", o.String())
	if tt.want == "" {
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		if _, err := adm.ListTopics(t.Context()); err != nil {
			t.Errorf("ListTopics over the new client: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Connect succeeded; want %q", tt.want)
	}
	if cl != nil || adm != nil {
		t.Error("Connect returned clients along with an error")
	}
	assertNoSecret(t, "error", err.Error())
	want := strings.ReplaceAll(tt.want, "{addr}", strings.Join(o.Bootstrap, ","))
	if err.Error() != want {
		t.Errorf("error\n got  %q\n want %q", err, want)
	}
	if tt.quick && took > time.Second {
		t.Errorf("Connect took %v; want under a second", took)
	}
	if errors.Is(err, context.Canceled) {
		t.Error("errors.Is(err, context.Canceled): callers would take it for giving up")
	}
	if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
		t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
	}
	if tt.wantAs != nil && !tt.wantAs(err) {
		t.Errorf("the error does not wrap the expected type")
	}
	if got := Transient(err); got != tt.transient {
		t.Errorf("Transient = %v, want %v", got, tt.transient)
	}
}

func isA[T error](err error) bool { _, ok := errors.AsType[T](err); return ok }

func TestConnectSASL(t *testing.T) {
	addrs := startKfake(t, kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "admin", testPassword),
		kfake.Superuser("SCRAM-SHA-512", "admin512", testPassword),
		kfake.Superuser("PLAIN", "plainuser", testPassword),
	)
	sasl := func(mech, user string) Options {
		return Options{Bootstrap: addrs, Timeout: 2 * time.Second, SASLMechanism: mech, SASLUsername: user}
	}
	const wrongPass = "not-the-password"
	tests := []connectCase{
		{name: "SCRAM-SHA-256", o: sasl("SCRAM-SHA-256", "admin")},
		{name: "SCRAM-SHA-512", o: sasl("scram-sha-512", "admin512")},
		{name: "PLAIN", o: sasl("plain", "plainuser")},
		{
			name: "wrong password", o: sasl("SCRAM-SHA-256", "admin"), password: wrongPass, quick: true,
			want: `Kafka at {addr} hung up during the SASL SCRAM-SHA-256 login as "admin": the user, the password or the mechanism is probably wrong (check --sasl-username, KGITOPS_SASL_PASSWORD or --sasl-password-file, and --sasl-mechanism)`,
		},
		{
			name: "wrong PLAIN password", o: sasl("PLAIN", "plainuser"), password: wrongPass, quick: true,
			want: `Kafka at {addr} hung up during the SASL PLAIN login as "plainuser": the user, the password or the mechanism is probably wrong (check --sasl-username, KGITOPS_SASL_PASSWORD or --sasl-password-file, and --sasl-mechanism)`,
		},
		{
			name: "user unknown to the mechanism", o: sasl("SCRAM-SHA-512", "admin"), quick: true,
			want: `Kafka at {addr} hung up during the SASL SCRAM-SHA-512 login as "admin": the user, the password or the mechanism is probably wrong (check --sasl-username, KGITOPS_SASL_PASSWORD or --sasl-password-file, and --sasl-mechanism)`,
		},
		{
			name: "no SASL", o: Options{Bootstrap: addrs, Timeout: 2 * time.Second},
			want:   "Kafka at {addr} hung up after the first request: the listener probably needs SASL (pass --sasl-mechanism and --sasl-username, and set KGITOPS_SASL_PASSWORD)",
			wantAs: isA[*kgo.ErrFirstReadEOF],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); runConnect(t, tt) })
	}
}

func TestConnectUnreachable(t *testing.T) {
	closed, silent := closedPort(t), silentListener(t)
	tests := []connectCase{
		{
			name: "closed port", o: Options{Bootstrap: []string{closed}, Timeout: 2 * time.Second},
			want:   "cannot reach Kafka at {addr}: connection refused (check --bootstrap-servers)",
			wantIs: syscall.ECONNREFUSED, transient: true,
		},
		{
			name: "two closed ports", o: Options{Bootstrap: []string{closed, closedPort(t)}, Timeout: 2 * time.Second},
			want:   "cannot reach Kafka at {addr}: connection refused (check --bootstrap-servers)",
			wantIs: syscall.ECONNREFUSED, transient: true,
		},
		{
			name: "listener that never answers", o: Options{Bootstrap: []string{silent}, Timeout: 2 * time.Second},
			want:   "no answer from Kafka at {addr} within 2s: the connection opened but Kafka did not answer (is this a Kafka port? does the listener need --tls? or raise --timeout)",
			wantIs: context.DeadlineExceeded, transient: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); runConnect(t, tt) })
	}
}

// The resolver's reason depends on the machine (no such host, or no DNS at
// all), so only the rest of the text is checked.
func TestConnectUnknownHost(t *testing.T) {
	// .invalid never resolves (RFC 6761).
	o := Options{Bootstrap: []string{"kafka.invalid:9092"}, Timeout: 2 * time.Second}
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err := o.Connect(t.Context(), nil)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("Connect took %v; want well under 10s", took)
	}
	const head, tail = `cannot resolve Kafka host "kafka.invalid": `, " (check --bootstrap-servers)"
	if err == nil || !strings.HasPrefix(err.Error(), head) || !strings.HasSuffix(err.Error(), tail) {
		t.Fatalf("got %v, want %q...%q", err, head, tail)
	}
	if !isA[*net.DNSError](err) {
		t.Error("the error does not wrap a *net.DNSError")
	}
	if !Transient(err) {
		t.Error("Transient = false, want true: a name can appear later")
	}
}

func TestConnectTLS(t *testing.T) {
	f := newTLSFiles(t)
	tlsAddrs := startKfake(t, kfake.TLS(f.serverConfig(false)))
	mtlsAddrs := startKfake(t, kfake.TLS(f.serverConfig(true)))
	plainAddrs := startKfake(t)
	tls := func(addrs []string) Options { return Options{Bootstrap: addrs, Timeout: 2 * time.Second, TLS: true} }
	withCA := func(addrs []string) Options { o := tls(addrs); o.TLSCAFile = f.ca; return o }

	tests := []connectCase{
		{name: "CA file", o: withCA(tlsAddrs)},
		{name: "skip verify", o: Options{Bootstrap: tlsAddrs, TLSInsecureSkipVerify: true}},
		{name: "client certificate", o: func() Options {
			o := withCA(mtlsAddrs)
			o.TLSCertFile, o.TLSKeyFile = f.clientCert, f.clientKey
			return o
		}()},
		{
			name: "no CA file", o: tls(tlsAddrs),
			want:   "TLS: Kafka at {addr} has a certificate signed by an unknown authority: pass --tls-ca-file with the CA certificate that signed it",
			wantAs: isA[x509.UnknownAuthorityError],
		},
		{
			name: "wrong server name", o: func() Options { o := withCA(tlsAddrs); o.TLSServerName = "kafka.example"; return o }(),
			want:   "TLS: the certificate of Kafka at {addr} is not valid for the name dialed (x509: certificate is valid for localhost, not kafka.example): use a broker address the certificate names, or pass --tls-server-name",
			wantAs: isA[x509.HostnameError],
		},
		{
			name: "client certificate missing", o: withCA(mtlsAddrs),
			want: "TLS: Kafka at {addr} refused the handshake (tls: certificate required): it may require a client certificate: pass --tls-cert-file and --tls-key-file",
		},
		{
			name: "TLS to a plaintext port", o: tls(plainAddrs),
			want:   "TLS: no TLS handshake with Kafka at {addr} within 2s: the port probably does not speak TLS (drop --tls, or use the port of a TLS listener)",
			wantIs: context.DeadlineExceeded,
		},
		{
			// A regression test: kgitops said "cannot talk to Kafka" with
			// franz-go's words for Apache Kafka's answer.
			name: "plaintext to a TLS port that answers with an alert", o: Options{Bootstrap: []string{alertListener(t)}, Timeout: 2 * time.Second},
			want:  "Kafka at {addr} answered in TLS: the listener needs TLS (pass --tls, and --tls-ca-file if its CA is private)",
			quick: true,
		},
		{
			name: "plaintext to a TLS port", o: Options{Bootstrap: tlsAddrs, Timeout: 2 * time.Second},
			want:   "Kafka at {addr} hung up at once: the listener probably needs TLS (pass --tls, and --tls-ca-file if its CA is private)",
			wantAs: isA[*kgo.ErrFirstReadEOF],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { t.Parallel(); runConnect(t, tt) })
	}
}

// Skipping certificate verification always leaves a warning in the log,
// from Connect and from NewClient (which kgitops run uses); verifying
// leaves none.
func TestInsecureSkipVerifyWarns(t *testing.T) {
	f := newTLSFiles(t)
	addrs := startKfake(t, kfake.TLS(f.serverConfig(false)))
	for _, tt := range []struct {
		name string
		o    Options
		want bool
	}{
		{"skip verify", Options{Bootstrap: addrs, TLSInsecureSkipVerify: true}, true},
		{"CA file", Options{Bootstrap: addrs, TLSCAFile: f.ca}, false},
		{"plaintext", Options{Bootstrap: addrs}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Timeout = 2 * time.Second
			if err := tt.o.Complete(); err != nil {
				t.Fatal(err)
			}
			log, logs := captureLog()
			if cl, _, err := tt.o.Connect(t.Context(), log); err == nil {
				cl.Close()
			}
			cl, err := tt.o.NewClient(log)
			if err != nil {
				t.Fatal(err)
			}
			cl.Close()
			want := 0
			if tt.want {
				want = 2 // Connect's and NewClient's
			}
			if got := strings.Count(logs.String(), InsecureSkipVerifyWarning); got != want {
				t.Errorf("the warning shows %d times in the log, want %d:\n%s", got, want, logs)
			}
		})
	}
}
