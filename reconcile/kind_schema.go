package reconcile

import (
	"context"

	"github.com/kgitops/kgitops/spec"
)

// KindSchema is a schema registry subject: its latest schema and its
// compatibility level (observe_schema.go, diff_schema.go,
// apply_schema.go). It is the first kind whose backend is not Kafka: the
// registry's Confluent API, a *sr.Client in Backends.Other under
// BackendSchemaRegistry.
const KindSchema = spec.KindSchema

// BackendSchemaRegistry names the schema registry in Backends.Other.
const BackendSchemaRegistry = "schema-registry"

// Risk codes of the Schema kind.
const (
	RiskSchemaDelete        = "schema-delete"        // risky: a soft delete, the registry keeps the versions
	RiskSchemaHardDelete    = "schema-hard-delete"   // destructive
	RiskCompatibilityChange = "compatibility-change" // risky
)

func init() {
	register(&kind{
		name: KindSchema,
		// After topics: a topic's schemas arrive with it, and the topic
		// does not need them to exist.
		order: 60,
		after: []string{KindTopic},
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.Schemas) > 0 || len(inv.created(KindSchema)) > 0
		},
		observe:  observeSchemas,
		diff:     diffSchemas,
		apply:    func(ctx context.Context, a *applier, cs []Change) { a.applySchemas(ctx, cs) },
		record:   recordSchemas,
		risks:    schemaRisks,
		export:   exportSchemas,
		adopt:    adoptSchemas,
		liveFrom: schemasFrom,
		declared: func(st *spec.State) []string {
			names := make([]string, len(st.Schemas))
			for i, s := range st.Schemas {
				names[i] = s.Subject
			}
			return names
		},
		removed: " (field removed)",
	})
}

var schemaRisks = []riskRule{
	{code: RiskSchemaHardDelete, destructive: true, onDelete: func(c Change) string {
		if p, ok := c.Payload.(*SchemaChange); ok && p.Hard {
			return "hard-deletes the subject and every version of its schema: records written with them can no longer be decoded"
		}
		return ""
	}},
	{code: RiskSchemaDelete, onDelete: func(c Change) string {
		if p, ok := c.Payload.(*SchemaChange); !ok || !p.Hard {
			return "soft-deletes the subject: producers can no longer register or look up its schema"
		}
		return ""
	}},
	{code: RiskCompatibilityChange, match: is("compatibility"), onField: func(f Field) string {
		old, _ := f.Old.(string)
		nw, _ := f.New.(string)
		if old == "" {
			return ""
		}
		if nw == "" {
			nw = "the registry's default"
		}
		return "the compatibility level changes from " + old + " to " + nw + ": the registry checks new versions differently"
	}},
}
