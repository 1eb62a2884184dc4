package kconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// diagnose turns the error of Connect's first request into one that names
// the cause and what to check, using what the trail saw on the wire. took
// is how long Connect waited.
func (o *Options) diagnose(parent context.Context, took time.Duration, seen trailState, err error) error {
	at := o.addrs()
	if errors.Is(parent.Err(), context.Canceled) {
		return fmt.Errorf("connect to Kafka at %s: %w", at, err)
	}
	for _, check := range []func(string, trailState, error) error{
		o.saslProblem,
		o.tlsProblem,
		o.dialProblem,
		o.hangUp,
		o.tlsAnswer,
	} {
		if e := check(at, seen, err); e != nil {
			return e
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return o.noAnswer(at, took, seen, err)
	}
	if x := Explain(err); x != err {
		return x
	}
	return explain(err, "cannot talk to Kafka at %s: %v", at, err)
}

func (o *Options) saslProblem(at string, seen trailState, err error) error {
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return explain(err, "SASL %s login as %q to Kafka at %s failed: check --sasl-username, the password (%s or --sasl-password-file) and --sasl-mechanism: %v",
			o.SASLMechanism, o.SASLUsername, at, EnvPassword, err)
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		return explain(err, "Kafka at %s does not enable the SASL mechanism %s: pass another --sasl-mechanism", at, o.SASLMechanism)
	case errors.Is(err, kerr.IllegalSaslState):
		return explain(err, "Kafka at %s does not expect SASL on this port: drop --sasl-mechanism, or use the port of a SASL listener", at)
	case o.SASLMechanism != "" && seen.inSASL():
		// Brokers, kfake among them, may hang up on a failed login
		// instead of answering SASL_AUTHENTICATION_FAILED.
		return &explained{
			msg: fmt.Sprintf("Kafka at %s hung up during the SASL %s login as %q: the user, the password or the mechanism is probably wrong (check --sasl-username, %s or --sasl-password-file, and --sasl-mechanism)",
				at, o.SASLMechanism, o.SASLUsername, EnvPassword),
			// Not err: that is the context Connect cancelled on seeing
			// the hang-up, and callers may take context.Canceled to
			// mean that they gave up.
			err: seen.readErr, config: true,
		}
	}
	return nil
}

func (o *Options) tlsProblem(at string, seen trailState, err error) error {
	cause := seen.tlsErr
	if cause == nil {
		cause = err
	}
	fail := func(format string, args ...any) error {
		return &explained{msg: fmt.Sprintf(format, args...), err: err, cause: cause, config: true}
	}
	var (
		hostErr  x509.HostnameError
		verifErr *tls.CertificateVerificationError
		headErr  tls.RecordHeaderError
		opErr    *net.OpError
	)
	switch {
	case errors.As(cause, new(x509.UnknownAuthorityError)):
		return fail("TLS: Kafka at %s has a certificate signed by an unknown authority: pass --tls-ca-file with the CA certificate that signed it", at)
	case errors.As(cause, &hostErr):
		return fail("TLS: the certificate of Kafka at %s is not valid for the name dialed (%v): use a broker address the certificate names, or pass --tls-server-name", at, hostErr)
	case errors.As(cause, &verifErr):
		return fail("TLS: cannot verify the certificate of Kafka at %s (%v): check --tls-ca-file and the broker's certificate", at, verifErr.Err)
	case errors.As(cause, &headErr):
		return fail("TLS: Kafka at %s does not answer in TLS: the port is probably plaintext (drop --tls, or use the port of a TLS listener)", at)
	case errors.As(cause, &opErr) && opErr.Op == "remote error":
		// A TLS alert from the broker, such as "tls: certificate required".
		hint := "check --tls-cert-file and --tls-key-file"
		if o.TLSCertFile == "" {
			hint = "it may require a client certificate: pass --tls-cert-file and --tls-key-file"
		}
		return fail("TLS: Kafka at %s refused the handshake (%v): %s", at, opErr.Err, hint)
	case seen.tlsErr != nil && !isTimeout(seen.tlsErr) && !errors.Is(seen.tlsErr, context.Canceled) && !seen.tlsOK:
		return fail("TLS: Kafka at %s hung up during the TLS handshake (%v): the port is probably plaintext (drop --tls, or use the port of a TLS listener)", at, seen.tlsErr)
	}
	return nil
}

func (o *Options) dialProblem(at string, seen trailState, err error) error {
	cause := err
	if !isDialErr(err) {
		if seen.tcpOK || seen.dialErr == nil {
			return nil
		}
		cause = seen.dialErr
	}
	fail := func(format string, args ...any) error {
		return &explained{msg: fmt.Sprintf(format, args...), err: err, cause: cause}
	}
	if dnsErr, ok := errors.AsType[*net.DNSError](cause); ok {
		return fail("cannot resolve Kafka host %q: %s (check --bootstrap-servers)", dnsErr.Name, dnsErr.Err)
	}
	if isTimeout(cause) || errors.Is(cause, context.Canceled) {
		return nil // noAnswer says it
	}
	reason := cause.Error()
	if errno, ok := errors.AsType[syscall.Errno](cause); ok {
		reason = errno.Error()
	}
	return fail("cannot reach Kafka at %s: %s (check --bootstrap-servers)", at, reason)
}

// hangUp explains a broker closing a new connection at once, which franz-go
// reports as *kgo.ErrFirstReadEOF: usually the client and the listener
// disagree about TLS or SASL.
func (o *Options) hangUp(at string, seen trailState, err error) error {
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); !ok {
		return nil
	}
	switch {
	case o.tlsConfig == nil && seen.readKey == int16(kmsg.ApiVersions):
		return explain(err, "Kafka at %s hung up at once: the listener probably needs TLS (pass --tls, and --tls-ca-file if its CA is private)", at)
	case o.SASLMechanism == "":
		return explain(err, "Kafka at %s hung up after the first request: the listener probably needs SASL (pass --sasl-mechanism and --sasl-username, and set %s)", at, EnvPassword)
	default:
		return explain(err, "Kafka at %s hung up at once: check that --tls and --sasl-mechanism match the listener", at)
	}
}

// tlsAnswer explains a TLS listener answering kgitops' plaintext request
// with a TLS alert, as Apache Kafka does (kfake hangs up instead: see
// hangUp). franz-go says so in its error's text only.
func (o *Options) tlsAnswer(at string, _ trailState, err error) error {
	if o.tlsConfig != nil || !strings.Contains(err.Error(), "appear to be a tls alert record") {
		return nil
	}
	return &explained{
		msg:    fmt.Sprintf("Kafka at %s answered in TLS: the listener needs TLS (pass --tls, and --tls-ca-file if its CA is private)", at),
		err:    err,
		config: true,
	}
}

func (o *Options) noAnswer(at string, took time.Duration, seen trailState, err error) error {
	within := took.Round(100 * time.Millisecond)
	switch {
	case o.Timeout > 0 && took >= o.Timeout:
		// The deadline ran out: say the --timeout the user gave, not
		// the few milliseconds a busy machine adds to it.
		within = o.Timeout
	case within == 0:
		within = took
	}
	if o.tlsConfig != nil && seen.tcpOK && !seen.tlsOK {
		return &explained{
			msg:    fmt.Sprintf("TLS: no TLS handshake with Kafka at %s within %v: the port probably does not speak TLS (drop --tls, or use the port of a TLS listener)", at, within),
			err:    err,
			config: true,
		}
	}
	if !seen.tcpOK {
		return explain(err, "no answer from Kafka at %s within %v: no TCP connection opened (check --bootstrap-servers and the network, or raise --timeout)", at, within)
	}
	hint := "is this a Kafka port? does the listener need --tls? or raise --timeout"
	if o.tlsConfig != nil {
		hint = "is this a Kafka port? or raise --timeout"
	}
	return explain(err, "no answer from Kafka at %s within %v: the connection opened but Kafka did not answer (%s)", at, within, hint)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

func isDialErr(err error) bool {
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "dial"
}
