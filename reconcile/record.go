package reconcile

import (
	"context"
	"fmt"
)

// record writes to the inventory what the applied changes mean for it, in
// one produce round:
//   - a created topic, quota entity or user is recorded (a user with the
//     salted hash of its credential; a user that existed before kgitops
//     touched it, as external);
//   - the first ACL kgitops creates for a principal records the principal;
//   - a deleted topic, quota entity or user, and a principal whose ACLs
//     were all deleted because the repo no longer names it, are removed.
//
// A dry run records nothing. Failed changes are left as they were, so a
// failed deletion stays in the inventory for the next try.
func (a *applier) record(ctx context.Context, run []Change) error {
	if a.opts.DryRun {
		return nil
	}
	inv := a.opts.Inventory
	set := map[ResourceKey]InventoryEntry{}
	var remove []ResourceKey
	now := a.opts.Now().UTC()
	entry := func(external bool) InventoryEntry {
		return InventoryEntry{CreatedAt: now, Revision: a.opts.Revision, External: external}
	}
	principalsFailed := map[string]bool{}
	for _, c := range run {
		if !a.ok(c) && c.Kind == KindACL && c.Action == ActionDelete {
			principalsFailed[c.ACL.Entry.Principal] = true
		}
	}
	for _, c := range run {
		if !a.ok(c) {
			continue
		}
		key := ResourceKey{c.Kind, c.Name}
		switch {
		case c.Kind == KindUser && c.User.Upsert != nil:
			u := c.User.Upsert
			hash, err := hashCredential(u.Mechanism, u.Iterations, u.Password)
			if err != nil {
				return fmt.Errorf("record user %q: %w", c.Name, err)
			}
			e := entry(c.User.Existed)
			if prev, ok := a.prior[key]; ok {
				e.External = prev.External
			}
			e.PasswordHash = hash
			set[key] = e
		case c.Kind == KindACL && c.Action == ActionCreate:
			pk := ResourceKey{KindACL, c.ACL.Entry.Principal}
			if _, known := a.prior[pk]; !known {
				set[pk] = entry(c.ACL.PrincipalHadACLs)
			}
		case c.Kind == KindACL && c.Action == ActionDelete && !c.Drift:
			if p := c.ACL.Entry.Principal; !principalsFailed[p] {
				remove = append(remove, ResourceKey{KindACL, p})
			}
		case c.Action == ActionCreate && (c.Kind == KindTopic || c.Kind == KindQuota):
			set[key] = entry(false)
		case c.Action == ActionDelete && c.Kind != KindACL && !c.Drift:
			remove = append(remove, key)
		}
	}
	w := inventoryWriter{cl: a.cl, ref: inv, brokers: a.opts.Brokers}
	return w.record(ctx, set, dedupe(remove))
}

func dedupe(keys []ResourceKey) []ResourceKey {
	seen := map[ResourceKey]bool{}
	var out []ResourceKey
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
