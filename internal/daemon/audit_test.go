package daemon

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestAuditEvents checks that every applied change is published as a
// CloudEvents JSON event with the revision, kind, name, action, before and
// after.
func TestAuditEvents(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		auditTopic := kafkatest.Unique("audit")
		h := newHarness(t, c, ModeApply, func(cfg *Config) {
			cfg.Audit = &Auditor{Client: cfg.Client, Topic: auditTopic, Source: "test repo"}
		})
		name := kafkatest.Unique("audited")
		first := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1, "retention.ms: 3600000")})
		h.start()
		h.waitFor("applied", func(s Status) bool { return s.LastAppliedRevision == first })
		second := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1, "retention.ms: 7200000")})
		h.waitFor("applied", func(s Status) bool { return s.LastAppliedRevision == second })

		cl := c.Client(t, kgo.ConsumeTopics(auditTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var events []ChangeEvent
		for len(events) < 2 {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("got %d audit events, want 2", len(events))
			}
			fs.EachRecord(func(r *kgo.Record) {
				var ev ChangeEvent
				if err := json.Unmarshal(r.Value, &ev); err != nil {
					t.Fatalf("audit event is not JSON: %v", err)
				}
				if string(r.Key) != "Topic/"+name {
					t.Errorf("event key %q", r.Key)
				}
				events = append(events, ev)
			})
		}
		create, update := events[0], events[1]
		if create.SpecVersion != "1.0" || create.Type != EventType || create.Subject != "Topic/"+name ||
			create.Data.Revision != first || create.Data.Action != "create" || create.Data.After["configs.retention.ms"] != "3600000" {
			t.Errorf("create event: %+v", create)
		}
		if update.Data.Revision != second || update.Data.Action != "update" ||
			update.Data.Before["configs.retention.ms"] != "3600000" || update.Data.After["configs.retention.ms"] != "7200000" {
			t.Errorf("update event: %+v", update)
		}
	})
}
