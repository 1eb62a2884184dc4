package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/ktopic"

	"github.com/kgitops/kgitops/reconcile"
)

// Auditor publishes every applied change as a CloudEvents 1.0 JSON event
// (structured mode) to a Kafka topic, keyed by kind/name so that one
// resource's events stay in order.
type Auditor struct {
	Client *kgo.Client
	Topic  string
	Source string // the event source: the repo, credentials stripped
	Now    func() time.Time

	ensured bool
}

// ChangeEvent is an audit event: a CloudEvents envelope around one change.
type ChangeEvent struct {
	SpecVersion     string     `json:"specversion"`
	ID              string     `json:"id"`
	Source          string     `json:"source"`
	Type            string     `json:"type"`
	Subject         string     `json:"subject"`
	Time            time.Time  `json:"time"`
	DataContentType string     `json:"datacontenttype"`
	Data            ChangeData `json:"data"`
}

// ChangeData is what changed. Before and After map each changed field to
// its old and new value; neither ever holds a password.
type ChangeData struct {
	Revision string         `json:"revision"`
	Kind     string         `json:"kind"`
	Name     string         `json:"name"`
	Action   string         `json:"action"`
	Before   map[string]any `json:"before,omitempty"`
	After    map[string]any `json:"after,omitempty"`
	Sources  []string       `json:"sources,omitempty"`
}

// EventType is the CloudEvents type of an applied change.
const EventType = "io.kgitops.change.applied"

// NewChangeEvent builds the event for one applied change.
func NewChangeEvent(source string, at time.Time, rev string, c reconcile.Change) ChangeEvent {
	data := ChangeData{Revision: rev, Kind: c.Kind, Name: c.Name, Action: string(c.Action), Sources: c.Sources}
	for _, f := range c.Fields {
		if f.Old != nil {
			if data.Before == nil {
				data.Before = map[string]any{}
			}
			data.Before[f.Path] = f.Old
		}
		if f.New != nil {
			if data.After == nil {
				data.After = map[string]any{}
			}
			data.After[f.Path] = f.New
		}
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	return ChangeEvent{
		SpecVersion: "1.0", ID: hex.EncodeToString(id[:]), Source: source, Type: EventType,
		Subject: c.Kind + "/" + c.Name, Time: at.UTC(), DataContentType: "application/json", Data: data,
	}
}

// Publish sends one event per successfully applied change, in one produce
// round. It creates the topic on first use if it does not exist.
func (a *Auditor) Publish(ctx context.Context, rev Revision, results []reconcile.Result) error {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	var recs []*kgo.Record
	for _, r := range results {
		if r.Err != nil || r.Skipped != "" {
			continue
		}
		ev := NewChangeEvent(a.Source, now(), rev.ID, r.Change)
		v, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		recs = append(recs, &kgo.Record{Topic: a.Topic, Key: []byte(ev.Subject), Value: v,
			Headers: []kgo.RecordHeader{{Key: "content-type", Value: []byte("application/cloudevents+json")}}})
	}
	if len(recs) == 0 {
		return nil
	}
	if !a.ensured {
		if err := ktopic.Ensure(ctx, a.Client, ktopic.Spec{Name: a.Topic, What: "audit topic", Partitions: -1, ReplicationFactor: -1}); err != nil {
			return err
		}
		a.ensured = true
	}
	if err := a.Client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("publish to audit topic %q: %w", a.Topic, err)
	}
	return nil
}
