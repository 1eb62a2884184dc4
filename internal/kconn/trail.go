package kconn

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// trail records how far connections got: TCP, TLS, and which request a read
// failed on. franz-go retries some failures until the deadline and then
// reports only "context deadline exceeded", and reports a broker that hangs
// up during SASL as a bare EOF; the trail lets diagnose name the real cause.
type trail struct {
	mu sync.Mutex
	st trailState
	// inflight are the requests written and not answered (unanswered.go).
	inflight map[inflightKey][]inflight

	// stop, if set, ends Connect's first request early: franz-go retries
	// a broker hanging up during SASL as if it were a network blip,
	// though it nearly always means wrong credentials.
	stop context.CancelFunc
}

// trailState is a snapshot of a trail.
type trailState struct {
	tcpOK   bool  // some TCP connection was opened
	dialErr error // the last TCP dial failure
	tlsOK   bool  // some TLS handshake finished
	tlsErr  error // the last TLS handshake failure

	readErr error // the last failed read (or write) of a response (or request)
	readKey int16 // and the key of that request
}

var (
	_ kgo.HookBrokerRead  = (*trail)(nil)
	_ kgo.HookBrokerWrite = (*trail)(nil)
)

func (t *trail) dialed(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.st.dialErr = err
	} else {
		t.st.tcpOK = true
	}
}

func (t *trail) handshook(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.st.tlsErr = err
	} else {
		t.st.tlsOK = true
	}
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (t *trail) OnBrokerRead(_ kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	t.failed(key, err)
}

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (t *trail) OnBrokerWrite(meta kgo.BrokerMetadata, key int16, _ int, _, _ time.Duration, err error) {
	if err == nil {
		t.wrote(meta, key)
	}
	t.failed(key, err)
}

func (t *trail) failed(key int16, err error) {
	// Failures from our own deadline or Close say nothing about the broker.
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kgo.ErrClientClosed) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.readErr, t.st.readKey = err, key
	if t.stop != nil && t.st.inSASL() {
		t.stop()
	}
}

// stopOnSASLFailure makes a failed SASL exchange call stop; nil undoes it.
func (t *trail) stopOnSASLFailure(stop context.CancelFunc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stop = stop
}

func (t *trail) snapshot() trailState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

// inSASL reports whether the last failed read was part of logging in.
func (s trailState) inSASL() bool {
	return s.readErr != nil && (s.readKey == int16(kmsg.SASLHandshake) || s.readKey == int16(kmsg.SASLAuthenticate))
}
