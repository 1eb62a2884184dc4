package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/sr"
)

// applySchemas registers new versions, references first (by depth, one
// depth at a time), then sets the levels; or deletes subjects, soft or
// hard. A failure is the subject's; the others carry on.
func (a *applier) applySchemas(ctx context.Context, cs []Change) {
	cl, err := backend[*sr.Client](a.b, BackendSchemaRegistry)
	if err != nil {
		a.failAll(cs, err)
		return
	}
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(x, y Change) int {
		return cmp.Compare(x.Payload.(*SchemaChange).Depth, y.Payload.(*SchemaChange).Depth)
	})
	for _, c := range cs {
		p := c.Payload.(*SchemaChange)
		if c.Action == ActionDelete {
			if _, err := cl.DeleteSubject(ctx, p.Subject, sr.SoftDelete); err != nil {
				a.fail(c.Kind, c.Name, fmt.Errorf("soft-delete subject %q: %w", p.Subject, err))
				continue
			}
			if p.Hard {
				if _, err := cl.DeleteSubject(ctx, p.Subject, sr.HardDelete); err != nil {
					a.fail(c.Kind, c.Name, fmt.Errorf("hard-delete subject %q: %w", p.Subject, err))
				}
			}
			continue
		}
		p.registeredID = p.LiveID
		if p.Register != nil {
			ss, err := cl.CreateSchema(ctx, p.Subject, registrySchema(*p.Register))
			if err != nil {
				a.fail(c.Kind, c.Name, fmt.Errorf("register a new version of subject %q: %w", p.Subject, err))
				continue
			}
			p.registeredID = ss.ID
			if ss.Version < p.LiveVersion && !a.undoDrift(ctx, cl, c, ss.Version) {
				continue
			}
		}
		if p.Level != "" {
			var level sr.CompatibilityLevel
			if err := level.UnmarshalText([]byte(p.Level)); err != nil {
				a.fail(c.Kind, c.Name, fmt.Errorf("compatibility level of subject %q: %w", p.Subject, err))
				continue
			}
			if res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: level}, p.Subject); res[0].Err != nil {
				a.fail(c.Kind, c.Name, fmt.Errorf("set the compatibility level of subject %q to %s: %w", p.Subject, p.Level, res[0].Err))
			}
		}
	}
}

// recordSchemas records each subject kgitops registered with the id of
// its latest version, so that a version registered outside the repo
// shows as drift, and forgets deleted subjects.
func recordSchemas(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{c.Kind, ownerOf(c)}
		p := c.Payload.(*SchemaChange)
		switch c.Action {
		case ActionCreate, ActionUpdate:
			prev, known := r.prior(key)
			e := r.entry(p.Existed && !known || prev.External)
			e.PreventDestroy = r.protected(key, c)
			e.SchemaID = p.registeredID
			if r.intent && known {
				e.SchemaID = prev.SchemaID
			}
			r.put(key, e)
		case ActionDelete:
			r.drop(key)
		}
	}
}

// undoDrift makes version, which the registry returned for the repo's
// schema, the latest again by soft-deleting the versions above it that
// were registered outside the repo, when the plan allows deletions.
func (a *applier) undoDrift(ctx context.Context, cl *sr.Client, c Change, version int) bool {
	p := c.Payload.(*SchemaChange)
	if !p.UndoDrift {
		a.fail(c.Kind, c.Name, fmt.Errorf("subject %q holds the repo's schema as version %d, below version %d registered outside the repo: "+
			"apply with --allow-delete to soft-delete the newer versions", p.Subject, version, p.LiveVersion))
		return false
	}
	for v := p.LiveVersion; v > version; v-- {
		if err := cl.DeleteSchema(ctx, p.Subject, v, sr.SoftDelete); err != nil && !registryNotFound(err) {
			a.fail(c.Kind, c.Name, fmt.Errorf("soft-delete version %d of subject %q, registered outside the repo: %w", v, p.Subject, err))
			return false
		}
	}
	return true
}
