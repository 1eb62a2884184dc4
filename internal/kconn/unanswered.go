package kconn

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A broker that accepts requests and never answers (stopped, out of
// memory, stuck on a full disk) shows only as a timeout: "context deadline
// exceeded" names no broker. The trail therefore also keeps the requests
// written and not yet answered, so that a timeout can say which broker did
// not answer, and to what.

// inflightKey is one kind of request to one broker. A connection answers
// in order, so the oldest write of a key is the one answered next.
type inflightKey struct {
	node int32
	key  int16
}

// inflight is a request written to a broker, not yet answered.
type inflight struct {
	addr string
	at   time.Time
}

var _ kgo.HookBrokerE2E = (*trail)(nil)

// wrote records a request written to a broker.
func (t *trail) wrote(meta kgo.BrokerMetadata, key int16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inflight == nil {
		t.inflight = map[inflightKey][]inflight{}
	}
	k := inflightKey{meta.NodeID, key}
	t.inflight[k] = append(t.inflight[k], inflight{addr: fmt.Sprintf("%s:%d", meta.Host, meta.Port), at: time.Now()})
}

// OnBrokerE2E implements kgo.HookBrokerE2E: a request written earlier was
// answered, or its connection died.
func (t *trail) OnBrokerE2E(meta kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	if e2e.WriteErr != nil {
		return // never written: never recorded
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := inflightKey{meta.NodeID, key}
	if q := t.inflight[k]; len(q) > 1 {
		t.inflight[k] = q[1:]
	} else {
		delete(t.inflight, k)
	}
}

// unanswered describes the requests written more than older ago and not
// answered, by broker, or returns "".
func (t *trail) unanswered(older time.Duration) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	type waiting struct {
		node   int32
		addr   string
		oldest map[string]time.Duration // by request name
		count  map[string]int
	}
	var ws []*waiting
	for k, q := range t.inflight {
		for _, f := range q {
			age := now.Sub(f.at)
			if age < older {
				continue
			}
			i := slices.IndexFunc(ws, func(w *waiting) bool { return w.node == k.node && w.addr == f.addr })
			if i < 0 {
				ws = append(ws, &waiting{node: k.node, addr: f.addr, oldest: map[string]time.Duration{}, count: map[string]int{}})
				i = len(ws) - 1
			}
			name := kmsg.NameForKey(k.key)
			ws[i].oldest[name] = max(ws[i].oldest[name], age)
			ws[i].count[name]++
		}
	}
	if len(ws) == 0 {
		return ""
	}
	slices.SortFunc(ws, func(a, b *waiting) int { return strings.Compare(a.addr, b.addr) })
	var parts []string
	for _, w := range ws {
		var reqs []string
		for _, name := range slices.Sorted(maps.Keys(w.oldest)) {
			r := name
			if n := w.count[name]; n > 1 {
				r += fmt.Sprintf(" ×%d", n)
			}
			reqs = append(reqs, fmt.Sprintf("%s for %s", r, w.oldest[name].Round(100*time.Millisecond)))
		}
		who := fmt.Sprintf("broker %d at %s", w.node, w.addr)
		if w.node < math.MinInt32/2 { // franz-go numbers seed brokers from MinInt32
			who = "the bootstrap server " + w.addr
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", who, strings.Join(reqs, ", ")))
	}
	return "no answer from " + strings.Join(parts, "; ")
}

// Unanswered describes the requests cl (or a client made from its
// options) wrote more than older ago that no broker has answered, by
// broker: "no answer from broker 2 at host:9092 (DescribeConfigs for
// 29.8s)". It returns "" when there are none, or when cl was not made by
// this package.
func Unanswered(cl *kgo.Client, older time.Duration) string {
	hooks, _ := cl.OptValue(kgo.WithHooks).([]kgo.Hook)
	for _, h := range hooks {
		if t, ok := h.(*trail); ok {
			return t.unanswered(older)
		}
	}
	return ""
}

// ReadTimedOut is the error of a read of the cluster through cl that took
// longer than timeout (err is the deadline's error). It names the brokers
// that had not answered, if any.
func ReadTimedOut(cl *kgo.Client, timeout time.Duration, err error) error {
	msg := fmt.Sprintf("reading the cluster took longer than --timeout %s", timeout)
	if u := Unanswered(cl, time.Second); u != "" {
		msg += ": " + u + "; check those brokers (their logs, memory and disks), or raise --timeout"
	}
	return fmt.Errorf("%s: %w", msg, err)
}
