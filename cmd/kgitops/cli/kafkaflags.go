package cli

import (
	"github.com/kgitops/kgitops/internal/envflag"
	"github.com/kgitops/kgitops/internal/kconn"
)

// kafkaVars binds o to the connection flags, each but
// --tls-insecure-skip-verify with a KGITOPS_* variable as a fallback
// (--tls-ca-file reads KGITOPS_TLS_CA_FILE), and makes o's errors name
// them. There is deliberately no --sasl-password flag: command lines end up
// in shell history and process lists, so the password comes from
// KGITOPS_SASL_PASSWORD or --sasl-password-file, and a file the user
// passes wins over the variable.
func kafkaVars(o *kconn.Options) *envflag.Set {
	s := envflag.New("KGITOPS_", "")
	s.Strings(&o.Bootstrap, "Bootstrap", "bootstrap-servers", "Kafka brokers to bootstrap from, as HOST:PORT[,HOST:PORT...]")
	s.Duration(&o.Timeout, "Timeout", "timeout", kconn.DefaultTimeout, "how long to wait for Kafka, both to connect and for the whole command")
	s.String(&o.ClientID, "ClientID", "client-id", kconn.DefaultClientID, "client ID shown to the brokers")
	s.Bool(&o.TLS, "TLS", "tls", "connect with TLS (implied by any --tls-* flag)")
	s.String(&o.TLSCAFile, "TLSCAFile", "tls-ca-file", "", "PEM file of the CA certificates that signed the brokers' certificates (default: the system's)")
	s.String(&o.TLSCertFile, "TLSCertFile", "tls-cert-file", "", "PEM file of the client certificate, for brokers that require one")
	s.String(&o.TLSKeyFile, "TLSKeyFile", "tls-key-file", "", "PEM file of the client certificate's private key")
	s.String(&o.TLSServerName, "TLSServerName", "tls-server-name", "", "name to verify the brokers' certificates against (default: the host dialed)")
	s.Unsafe(&o.TLSInsecureSkipVerify, "TLSInsecureSkipVerify", "tls-insecure-skip-verify", "do not verify the brokers' certificates (unsafe; for tests only)")
	s.String(&o.SASLMechanism, "SASLMechanism", "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: no SASL)")
	s.String(&o.SASLUsername, "SASLUsername", "sasl-username", "", "SASL user name")
	s.String(&o.SASLPasswordFile, "SASLPasswordFile", "sasl-password-file", "", "file holding the SASL password (or set "+kconn.EnvPassword+")")
	s.Secret(&o.SASLPassword, "SASLPassword", kconn.EnvPassword, "SASLPasswordFile")
	o.Names = s
	return s
}

// completeFrom fills the fields bound to vars from the variables of those
// the flags left, then runs the options' own complete, which checks them
// and reads their files.
func completeFrom(vars *envflag.Set, getenv func(string) string, complete func() error) error {
	if err := vars.Fill(getenv); err != nil {
		return err
	}
	return complete()
}
