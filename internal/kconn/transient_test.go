package kconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestTransient(t *testing.T) {
	refused := fmt.Errorf("unable to dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", refused, true},
		{"connection reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"unknown host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "kafka", IsNotFound: true}}, true},
		{"deadline", fmt.Errorf("list topics: %w", context.DeadlineExceeded), true},
		{"hung up mid-way", io.ErrUnexpectedEOF, true},
		{"retriable Kafka error", fmt.Errorf("create topic: %w", kerr.NotController), true},
		{"leader not available", kerr.LeaderNotAvailable, true},
		{"explained deadline", explain(context.DeadlineExceeded, "no answer"), true},

		{"cancelled", context.Canceled, false},
		{"client closed", kgo.ErrClientClosed, false},
		{"topic exists", kerr.TopicAlreadyExists, false},
		{"invalid config", fmt.Errorf("alter: %w", kerr.InvalidConfig), false},
		{"topic authorization", &kadm.AuthError{Err: kerr.TopicAuthorizationFailed}, false},
		{"cluster authorization", kerr.ClusterAuthorizationFailed, false},
		{"SASL login", kerr.SaslAuthenticationFailed, false},
		{"SASL mechanism", kerr.UnsupportedSaslMechanism, false},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		{"wrong host name", x509.HostnameError{Host: "kafka"}, false},
		{"TLS alert", &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}, false},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false},
		{"hung up at once", &kgo.ErrFirstReadEOF{}, false},
		{"SASL hang-up explained", &explained{msg: "hung up during SASL", err: io.EOF, config: true}, false},
		{"TLS failure under a deadline", &explained{msg: "x", err: context.DeadlineExceeded, cause: x509.UnknownAuthorityError{}}, false},
		{"unknown error", errors.New("something"), false},

		{"shards all transient", &kadm.ShardErrors{Errs: []kadm.ShardError{{Err: io.EOF}, {Err: kerr.NotController}}}, true},
		{"shards with a permission error", &kadm.ShardErrors{Errs: []kadm.ShardError{{Err: io.EOF}, {Err: kerr.TopicAuthorizationFailed}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
