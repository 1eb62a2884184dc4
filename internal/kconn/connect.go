package kconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/twmb/franz-go/plugin/kslog"
)

// maxDialTimeout bounds one TCP dial plus TLS handshake, as kgo's default does.
const maxDialTimeout = 10 * time.Second

// Connect builds a Kafka client and proves, within o.Timeout, that it can
// reach the cluster, shake hands and log in, by asking for the broker list
// (a metadata request for no topics, which needs no permission). It returns
// the client and an admin client over it; the caller closes the *kgo.Client.
//
// On failure it closes the client and returns an error that names the cause
// in plain words and says what to check. The error wraps franz-go's, so
// errors.Is and errors.As see the original (a *net.DNSError,
// x509.UnknownAuthorityError, kerr.SaslAuthenticationFailed, ...).
//
// franz-go's own log lines go to log, at warn level and above; a nil log
// discards them. Complete must have succeeded first.
func (o *Options) Connect(ctx context.Context, log *slog.Logger) (*kgo.Client, *kadm.Client, error) {
	return o.ConnectWith(ctx, log)
}

// NewClient builds a Kafka client without contacting the cluster, for a
// long-running process that must start while Kafka is down and reconnect
// when it comes back (kgo reconnects by itself). Complete must have
// succeeded first.
func (o *Options) NewClient(log *slog.Logger) (*kgo.Client, error) {
	if !o.completed {
		return nil, errors.New("kafka connection options are not complete: call Complete before NewClient")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.warnInsecure(log)
	cl, err := kgo.NewClient(o.clientOpts(new(trail), log)...)
	if err != nil {
		return nil, fmt.Errorf("set up Kafka client for %s: %w", o, err)
	}
	return cl, nil
}

// warnInsecure logs InsecureSkipVerifyWarning when certificate
// verification is off.
func (o *Options) warnInsecure(log *slog.Logger) {
	if o.tlsConfig != nil && o.tlsConfig.InsecureSkipVerify {
		log.Warn(InsecureSkipVerifyWarning)
	}
}

func (o *Options) clientOpts(tr *trail, log *slog.Logger) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(o.Bootstrap...),
		kgo.ClientID(o.ClientID),
		kgo.Dialer(o.dialer(tr)),
		kgo.RetryTimeout(o.Timeout),
		kgo.WithLogger(warnLogger{kslog.New(log)}),
		kgo.WithHooks(tr),
	}
	if o.SASLMechanism != "" {
		opts = append(opts, kgo.SASL(o.mechanism()))
	}
	return opts
}

func (o *Options) mechanism() sasl.Mechanism {
	pass := o.password.Reveal()
	switch o.SASLMechanism {
	case MechanismPlain:
		return plain.Auth{User: o.SASLUsername, Pass: pass}.AsMechanism()
	case MechanismSCRAMSHA256:
		return scram.Auth{User: o.SASLUsername, Pass: pass}.AsSha256Mechanism()
	default: // MechanismSCRAMSHA512; validate allows nothing else
		return scram.Auth{User: o.SASLUsername, Pass: pass}.AsSha512Mechanism()
	}
}

// dialer opens TCP and then TLS itself, rather than leaving both to kgo, so
// that tr can tell "no TCP connection" from "TCP, but no TLS handshake".
func (o *Options) dialer(tr *trail) func(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout := min(o.Timeout, maxDialTimeout)
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		conn, err := d.DialContext(ctx, network, addr)
		tr.dialed(err)
		if err != nil || o.tlsConfig == nil {
			return conn, err
		}
		tc := o.tlsConfig.Clone()
		if tc.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				tc.ServerName = host
			}
		}
		tconn := tls.Client(conn, tc)
		err = tconn.HandshakeContext(ctx)
		tr.handshook(err)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return tconn, nil
	}
}

// warnLogger passes on franz-go's log lines at warn level and above only:
// its info and debug lines are for debugging franz-go itself.
type warnLogger struct{ *kslog.Logger }

func (l warnLogger) Level() kgo.LogLevel { return min(l.Logger.Level(), kgo.LogLevelWarn) }
