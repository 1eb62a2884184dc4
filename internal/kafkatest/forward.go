package kafkatest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Forwarder lets a kfake control function fail part of a request and hand
// the rest to the cluster: Send issues that rest through a client of its
// own while the control sleeps (kfake.SleepControl), and the control lets
// the forwarded request through while Busy says so.
//
//	fw := kafkatest.NewForwarder(t, c)
//	c.Fake.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
//		if fw.Busy() {
//			return nil, nil, false
//		}
//		rest := ... // req without the part to fail
//		got, err := fw.Send(rest)
//		... // got's answers plus an error for the part left out
//	})
type Forwarder struct {
	c    *Cluster
	side *kgo.Client
	busy atomic.Bool
}

// NewForwarder makes a Forwarder to kfake cluster c.
func NewForwarder(t testing.TB, c *Cluster) *Forwarder {
	t.Helper()
	if c.Fake == nil {
		t.Fatalf("kafkatest: a Forwarder needs kfake, not %s", c.Name)
	}
	return &Forwarder{c: c, side: c.Client(t)}
}

// Busy says whether a request Send issued is on its way: the control
// function must let it through.
func (f *Forwarder) Busy() bool { return f.busy.Load() }

// Send issues req to the cluster from inside a control function, within
// 30 s.
func (f *Forwarder) Send(req kmsg.Request) (kmsg.Response, error) {
	return f.SendAfter(0, req)
}

// SendAfter is Send after delay (a slow controller); a nil req only waits.
func (f *Forwarder) SendAfter(delay time.Duration, req kmsg.Request) (kmsg.Response, error) {
	var resp kmsg.Response
	var err error
	f.c.Fake.SleepControl(func() {
		time.Sleep(delay)
		if req == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		f.busy.Store(true)
		defer f.busy.Store(false)
		resp, err = f.side.Request(ctx, req)
	})
	return resp, err
}
