// Package kconn is how every kgitops command connects to Kafka.
//
// It turns flags, with KGITOPS_* environment variables as fallbacks, into
// an [Options] value, checks it without touching the network ([Options.Complete]),
// connects and proves the connection with one cheap request ([Options.Connect]),
// and explains failures in plain words: an unreachable address, a TLS or SASL
// mistake, or a missing permission ([Explain]). [Transient] tells a retry loop
// which failures are worth retrying.
//
// The SASL password comes only from the KGITOPS_SASL_PASSWORD environment
// variable or a file; there is deliberately no flag for it, and it never
// appears in output, logs or errors.
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

	"github.com/kgitops/kgitops/internal/envflag"
)

// DefaultTimeout bounds connecting, and each command's Kafka work, unless
// --timeout or KGITOPS_TIMEOUT says otherwise.
const DefaultTimeout = 30 * time.Second

// DefaultClientID is the client ID kgitops shows to brokers unless
// --client-id or KGITOPS_CLIENT_ID says otherwise.
const DefaultClientID = "kgitops"

// The SASL mechanisms Options.SASLMechanism accepts, in canonical spelling.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
)

// Options says how to connect to one Kafka cluster. Fill it with AddFlags
// (or in code), then call Complete before Connect.
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
	TLS                   bool
	TLSCAFile             string
	TLSCertFile           string
	TLSKeyFile            string
	TLSServerName         string
	TLSInsecureSkipVerify bool

	// SASLMechanism is "", PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, in
	// any case; Complete makes it upper case.
	SASLMechanism    string
	SASLUsername     string
	SASLPasswordFile string

	password  *secret     // from KGITOPS_SASL_PASSWORD or SASLPasswordFile; a pointer so %v prints no secret
	tlsConfig *tls.Config // built by Complete when TLS is on
	completed bool

	env envflag.Fallbacks // flags given vs defaults, and where values came from
}

// secret holds a password. Options keeps a pointer to it, so that printing an
// Options with %v or %+v shows an address, never the password.
type secret struct{ s string }

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
