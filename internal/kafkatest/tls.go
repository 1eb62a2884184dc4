package kafkatest

import (
	"os"
	"testing"
)

// Environment variables that name the real broker's TLS listeners and the PEM files to
// reach them (written by internal/testbroker/broker.sh env, which makes a fresh CA at
// every start).
const (
	EnvTLSBootstrap     = "KGITOPS_TEST_KAFKA_TLS"             // SSL, server certificate only: User:ANONYMOUS, a super user
	EnvMTLSBootstrap    = "KGITOPS_TEST_KAFKA_MTLS"            // SSL requiring a client certificate: User:<its CN>
	EnvSASLSSLBootstrap = "KGITOPS_TEST_KAFKA_SASL_SSL"        // SASL_SSL, SCRAM-SHA-256/512 over TLS
	EnvTLSCA            = "KGITOPS_TEST_KAFKA_TLS_CA"          // the CA certificate
	EnvTLSClientCert    = "KGITOPS_TEST_KAFKA_TLS_CLIENT_CERT" // client certificate of TLSClientPrincipal
	EnvTLSClientKey     = "KGITOPS_TEST_KAFKA_TLS_CLIENT_KEY"  // its private key
	EnvTLSNobodyCert    = "KGITOPS_TEST_KAFKA_TLS_NOBODY_CERT" // client certificate of TLSNobodyPrincipal
	EnvTLSNobodyKey     = "KGITOPS_TEST_KAFKA_TLS_NOBODY_KEY"  // its private key
)

// The principals of the real broker's client certificates (broker.sh maps a
// certificate's CN to User:<CN>), and a name its certificate holds besides
// localhost and 127.0.0.1.
const (
	TLSClientPrincipal = "User:kgitops-test-client" // a super user
	TLSNobodyPrincipal = "User:kgitops-test-nobody" // granted nothing
	TLSServerName      = "broker.kgitops.test"      // resolves nowhere; for --tls-server-name
)

// TLS is the real broker's TLS listeners, each a bootstrap list, and the PEM files
// that reach them.
type TLS struct {
	Bootstrap     []string // SSL listener that asks for no client certificate
	MTLSBootstrap []string // SSL listener that requires a client certificate
	SASLBootstrap []string // SASL_SSL listener: Cluster.AdminUser and AdminPassword log in
	CAFile        string   // the CA that signed the broker's and the clients' certificates

	ClientCertFile, ClientKeyFile string // TLSClientPrincipal's certificate and key
	NobodyCertFile, NobodyKeyFile string // TLSNobodyPrincipal's certificate and key
}

// RealTLS returns the real broker's TLS listeners, or nil when no real broker is given
// (and t.Fatal when KGITOPS_REQUIRE_REAL_KAFKA=1 but there is none, or it has no TLS
// listeners). kfake-backed tests have no counterpart: these tests are for Apache Kafka's
// own TLS, mTLS principals and SASL_SSL.
func RealTLS(t testing.TB) *TLS {
	t.Helper()
	if RealBroker(t) == nil {
		return nil
	}
	tc := &TLS{
		Bootstrap:      splitAddrs(os.Getenv(EnvTLSBootstrap)),
		MTLSBootstrap:  splitAddrs(os.Getenv(EnvMTLSBootstrap)),
		SASLBootstrap:  splitAddrs(os.Getenv(EnvSASLSSLBootstrap)),
		CAFile:         os.Getenv(EnvTLSCA),
		ClientCertFile: os.Getenv(EnvTLSClientCert),
		ClientKeyFile:  os.Getenv(EnvTLSClientKey),
		NobodyCertFile: os.Getenv(EnvTLSNobodyCert),
		NobodyKeyFile:  os.Getenv(EnvTLSNobodyKey),
	}
	if len(tc.Bootstrap) == 0 || len(tc.MTLSBootstrap) == 0 || len(tc.SASLBootstrap) == 0 || tc.CAFile == "" ||
		tc.ClientCertFile == "" || tc.ClientKeyFile == "" || tc.NobodyCertFile == "" || tc.NobodyKeyFile == "" {
		const why = "kafkatest: the real broker's TLS listeners are not all given (KGITOPS_TEST_KAFKA_TLS, _MTLS, _SASL_SSL and _TLS_* files); restart it with a current internal/testbroker/broker.sh"
		if requireReal() {
			t.Fatal(why)
		}
		t.Log(why)
		return nil
	}
	for _, f := range []string{tc.CAFile, tc.ClientCertFile, tc.ClientKeyFile, tc.NobodyCertFile, tc.NobodyKeyFile} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("kafkatest: the real broker's TLS files: %v", err)
		}
	}
	return tc
}
