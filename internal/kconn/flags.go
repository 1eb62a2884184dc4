package kconn

import (
	"strings"

	"github.com/spf13/pflag"
)

// Flag names. Each but --tls-insecure-skip-verify has an environment
// fallback named by envFor.
const (
	flagBootstrap     = "bootstrap-servers"
	flagTimeout       = "timeout"
	flagClientID      = "client-id"
	flagTLS           = "tls"
	flagTLSCA         = "tls-ca-file"
	flagTLSCert       = "tls-cert-file"
	flagTLSKey        = "tls-key-file"
	flagTLSServerName = "tls-server-name"
	flagTLSInsecure   = "tls-insecure-skip-verify"
	flagSASLMechanism = "sasl-mechanism"
	flagSASLUsername  = "sasl-username"
	flagSASLPassFile  = "sasl-password-file"
)

// EnvPassword is the only way, besides a file, to give the SASL password.
const EnvPassword = "KGITOPS_SASL_PASSWORD"

// envFor names the environment variable a flag falls back to:
// --tls-ca-file reads KGITOPS_TLS_CA_FILE.
func envFor(flag string) string {
	return "KGITOPS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// AddFlags registers the connection flags on fs. There is deliberately no
// --sasl-password flag: command lines end up in shell history and process
// lists, so the password comes from KGITOPS_SASL_PASSWORD or
// --sasl-password-file.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	o.env.Flags = fs
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	clientID := o.ClientID
	if clientID == "" {
		clientID = DefaultClientID
	}
	fs.StringSliceVar(&o.Bootstrap, flagBootstrap, o.Bootstrap, "Kafka brokers to bootstrap from, as HOST:PORT[,HOST:PORT...]"+envHelp(flagBootstrap))
	fs.DurationVar(&o.Timeout, flagTimeout, timeout, "how long to wait for Kafka, both to connect and for the whole command"+envHelp(flagTimeout))
	fs.StringVar(&o.ClientID, flagClientID, clientID, "client ID shown to the brokers"+envHelp(flagClientID))
	fs.BoolVar(&o.TLS, flagTLS, o.TLS, "connect with TLS (implied by any --tls-* flag)"+envHelp(flagTLS))
	fs.StringVar(&o.TLSCAFile, flagTLSCA, o.TLSCAFile, "PEM file of the CA certificates that signed the brokers' certificates (default: the system's)"+envHelp(flagTLSCA))
	fs.StringVar(&o.TLSCertFile, flagTLSCert, o.TLSCertFile, "PEM file of the client certificate, for brokers that require one"+envHelp(flagTLSCert))
	fs.StringVar(&o.TLSKeyFile, flagTLSKey, o.TLSKeyFile, "PEM file of the client certificate's private key"+envHelp(flagTLSKey))
	fs.StringVar(&o.TLSServerName, flagTLSServerName, o.TLSServerName, "name to verify the brokers' certificates against (default: the host dialed)"+envHelp(flagTLSServerName))
	fs.BoolVar(&o.TLSInsecureSkipVerify, flagTLSInsecure, o.TLSInsecureSkipVerify, "do not verify the brokers' certificates (unsafe; for tests only)")
	fs.StringVar(&o.SASLMechanism, flagSASLMechanism, o.SASLMechanism, "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: no SASL)"+envHelp(flagSASLMechanism))
	fs.StringVar(&o.SASLUsername, flagSASLUsername, o.SASLUsername, "SASL user name"+envHelp(flagSASLUsername))
	fs.StringVar(&o.SASLPasswordFile, flagSASLPassFile, o.SASLPasswordFile, "file holding the SASL password (or set "+EnvPassword+")"+envHelp(flagSASLPassFile))
}

func envHelp(flag string) string { return " [$" + envFor(flag) + "]" }
