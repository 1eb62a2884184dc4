// Package kconn is how every kgitops command connects to Kafka.
//
// It takes an [Options] value, which the command line fills from its flags
// and KGITOPS_* environment variables (package cli does; kconn reads
// neither), checks it without touching the network ([Options.Complete]),
// connects and proves the connection with one cheap request ([Options.Connect]),
// and explains failures in plain words: an unreachable address, a TLS or SASL
// mistake, or a missing permission ([Explain]). [Transient] tells a retry loop
// which failures are worth retrying.
//
// The SASL password is held as a [secret.Value] and never appears in
// output, logs or errors. Connect's explanations name kgitops' flags and
// variables: this package serves kgitops' commands only.
//
// This package deliberately does not read or change any Kafka resource, add
// retries beyond franz-go's own (which --timeout bounds), or wrap the
// franz-go clients: Connect hands back a *kgo.Client and a *kadm.Client for
// the caller to use directly. It supports the SASL
// mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 only (no OAUTHBEARER,
// GSSAPI or AWS_MSK_IAM).
package kconn

import (
	"crypto/tls"
	"fmt"
	"strings"
	"time"

	"github.com/kgitops/kgitops/secret"
)

// DefaultTimeout bounds connecting, and each command's Kafka work, when
// Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// DefaultClientID is the client ID kgitops shows to brokers when
// Options.ClientID is empty.
const DefaultClientID = "kgitops"

// The SASL mechanisms Options.SASLMechanism accepts, in canonical spelling.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// EnvPassword is the environment variable kgitops reads the SASL password
// from; Connect's explanations name it.
const EnvPassword = "KGITOPS_SASL_PASSWORD"

// InsecureSkipVerifyWarning is the warning Connect and NewClient log, and
// kgitops' commands print, whenever Options.TLSInsecureSkipVerify is on:
// the one way to skip certificate verification must never go unnoticed.
const InsecureSkipVerifyWarning = "not verifying the brokers' TLS certificates (--tls-insecure-skip-verify): " +
	"anyone on the network path can pose as the brokers and read or change what kgitops sends and receives; " +
	"pass --tls-ca-file with the CA certificate that signed them instead"

// Options says how to connect to one Kafka cluster. Fill it, then call
// Complete before Connect.
type Options struct {
	// Bootstrap lists the seed brokers as HOST:PORT.
	Bootstrap []string
	// Timeout bounds connecting, and callers use it to bound each
	// command's whole Kafka work. Zero means DefaultTimeout.
	Timeout time.Duration
	// ClientID is sent to the brokers. Empty means DefaultClientID.
	ClientID string

	// TLS turns on TLS. Any TLS file, server name or skip-verify turns it
	// on too.
	TLS           bool
	TLSCAFile     string
	TLSCertFile   string
	TLSKeyFile    string
	TLSServerName string
	// TLSInsecureSkipVerify accepts any broker certificate. Connect and
	// NewClient log InsecureSkipVerifyWarning when it is on.
	TLSInsecureSkipVerify bool

	// SASLMechanism is "", PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, in
	// any case; Complete makes it upper case.
	SASLMechanism string
	SASLUsername  string
	// SASLPassword is the SASL password, or SASLPasswordFile holds it;
	// not both. Without a mechanism it is ignored.
	SASLPassword     secret.Value
	SASLPasswordFile string

	// Names tells Complete's errors how the user set each field, so
	// that they name the flag or variable the user wrote. Nil names the
	// Go fields.
	Names Names

	password  secret.Value // SASLPassword or the file's content, as Complete found it
	tlsConfig *tls.Config  // built by Complete when TLS is on
	completed bool
}

// Names tells Complete's errors how the user set each Options field, by
// its Go name ("Bootstrap", "SASLPassword"). Package cli implements it over
// kgitops' flags and variables.
type Names interface {
	// Source says where field's value came from, as "--timeout" or
	// "KGITOPS_TIMEOUT".
	Source(field string) string
	// HowToSet says how to give field a value, meta standing for the
	// value, as "pass --bootstrap-servers HOST:PORT"; with orEnv it adds
	// the variable: "... or set KGITOPS_BOOTSTRAP_SERVERS".
	HowToSet(field, meta string, orEnv bool) string
}

// source is Names.Source, or the Go field without Names.
func (o *Options) source(field string) string {
	if o.Names == nil {
		return "Options." + field
	}
	return o.Names.Source(field)
}

// howToSet is Names.HowToSet, or "set Options.<field>" without Names.
func (o *Options) howToSet(field, meta string, orEnv bool) string {
	if o.Names == nil {
		return "set Options." + field
	}
	return o.Names.HowToSet(field, meta, orEnv)
}

// String describes the connection for logs and output, with no secret, as in
// "127.0.0.1:9092 (SASL SCRAM-SHA-512 as alice, TLS)".
func (o *Options) String() string {
	var how []string
	if o.SASLMechanism != "" {
		how = append(how, fmt.Sprintf("SASL %s as %s", o.SASLMechanism, o.SASLUsername))
	}
	switch {
	case o.tlsOn() && o.TLSInsecureSkipVerify:
		how = append(how, "TLS without certificate verification")
	case o.tlsOn():
		how = append(how, "TLS")
	}
	if len(how) == 0 {
		how = append(how, "plaintext")
	}
	return fmt.Sprintf("%s (%s)", o.addrs(), strings.Join(how, ", "))
}

// addrs is the bootstrap list as the user would write it.
func (o *Options) addrs() string {
	if len(o.Bootstrap) == 0 {
		return "(no bootstrap servers)"
	}
	return strings.Join(o.Bootstrap, ",")
}

// tlsOn reports whether the connection uses TLS: asked for with TLS, or
// implied by any other TLS setting.
func (o *Options) tlsOn() bool {
	return o.TLS || o.TLSCAFile != "" || o.TLSCertFile != "" || o.TLSKeyFile != "" ||
		o.TLSServerName != "" || o.TLSInsecureSkipVerify
}
