package kconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Transient reports whether err is worth retrying unchanged after a backoff:
// the network failed (refused, reset, unresolvable host, hung up mid-way),
// a deadline passed, or Kafka answered with an error it calls retriable
// (such as NOT_CONTROLLER or LEADER_NOT_AVAILABLE).
//
// It reports false for what only a change of configuration or permissions
// fixes: TLS and SASL failures, authorization errors, a listener that hangs
// up on a new connection (TLS or SASL mismatch), other Kafka errors, a
// cancelled context, a closed client, and anything it does not know. A
// kadm.ShardErrors is transient when all its shards are.
//
// An unresolvable host counts as transient on purpose: a name can appear
// later, as a Kubernetes Service does while its pods start.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, kgo.ErrClientClosed) {
		return false
	}
	if se, ok := errors.AsType[*kadm.ShardErrors](err); ok && len(se.Errs) > 0 {
		for _, s := range se.Errs {
			if !Transient(s.Err) {
				return false
			}
		}
		return true
	}
	if configProblem(err) {
		return false
	}
	if ke, ok := errors.AsType[*kerr.Error](err); ok {
		return ke.Retriable
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true // refused, reset, timeouts, DNS
	}
	return kgo.IsRetryableBrokerErr(err)
}

// configProblem reports whether err comes from TLS, SASL or a listener that
// hangs up on new connections: retrying will not help.
func configProblem(err error) bool {
	return errors.As(err, new(*kgo.ErrFirstReadEOF)) || tlsOrSASLProblem(err)
}

// tlsOrSASLProblem reports whether err is a certificate or TLS failure, or
// a connection failure that Connect diagnosed as a TLS or SASL mismatch.
func tlsOrSASLProblem(err error) bool {
	var (
		opErr  *net.OpError
		hdrErr tls.RecordHeaderError
	)
	switch {
	case errors.As(err, new(*tls.CertificateVerificationError)),
		errors.As(err, new(x509.UnknownAuthorityError)),
		errors.As(err, new(x509.HostnameError)),
		errors.As(err, new(x509.CertificateInvalidError)),
		errors.As(err, &hdrErr),
		errors.As(err, &opErr) && opErr.Op == "remote error": // a TLS alert
		return true
	}
	if e, ok := errors.AsType[*explained](err); ok && e.config {
		return true
	}
	return false
}
