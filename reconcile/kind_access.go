package reconcile

import (
	"cmp"
	"context"
	"fmt"

	"github.com/kgitops/kgitops/export"
	"github.com/kgitops/kgitops/spec"
)

// The access-control kinds: SCRAM users, client quotas and ACLs
// (diff_users.go, diff_quotas.go, diff_acls.go, observe_access.go,
// apply_access.go). Each is read only when the repo declares some or the
// inventory holds some: reading costs a permission on the cluster that
// kgitops may not have.
func init() {
	register(&kind{
		name:  KindUser,
		order: 20,
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.Users) > 0 || len(inv.created(KindUser)) > 0
		},
		observe:    observeUsers,
		standalone: true,
		diff:       diffUsers,
		apply:      func(ctx context.Context, a *applier, cs []Change) { a.applyUsers(ctx, cs) },
		settle:     settleUsers,
		record:     recordUsers,
		declared: func(st *spec.State) []string {
			names := make([]string, len(st.Users))
			for i, u := range st.Users {
				names[i] = u.Name
			}
			return names
		},
		own: func(live *Live, name string, e InventoryEntry) (InventoryEntry, ownership) {
			return e, exists(live.Users != nil, len(live.Users[name]) > 0)
		},
		risks:    userRisks,
		export:   exportUsers,
		liveFrom: usersFrom,
		removed:  " (credential removed)",
	})
	register(&kind{
		name:  KindQuota,
		order: 30,
		after: []string{KindUser},
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.Quotas) > 0 || len(inv.created(KindQuota)) > 0
		},
		observe:    observeQuotas,
		standalone: true,
		diff:       diffQuotas,
		apply:      func(ctx context.Context, a *applier, cs []Change) { a.applyQuotas(ctx, cs) },
		settle:     settleQuotas,
		record:     recordCreatedDeleted,
		risks:      quotaRisks,
		export:     exportQuotas,
		liveFrom:   quotasFrom,
		declared: func(st *spec.State) []string {
			keys := make([]string, len(st.Quotas))
			for i, q := range st.Quotas {
				keys[i] = q.Entity.String()
			}
			return keys
		},
		own: func(live *Live, name string, e InventoryEntry) (InventoryEntry, ownership) {
			return e, exists(live.Quotas != nil, len(live.Quotas[name].Values) > 0)
		},
		adopt: func(live *Live, _ ExportOptions) []ResourceKey {
			var keys []ResourceKey
			for _, q := range sortedKeys(live.Quotas) {
				if len(live.Quotas[q].Values) > 0 {
					keys = append(keys, ResourceKey{KindQuota, q})
				}
			}
			return keys
		},
		removed: " (quota removed)",
	})
	register(&kind{
		name:  KindACL,
		order: 40,
		after: []string{KindTopic, KindUser},
		wanted: func(d *spec.State, inv Inventory) bool {
			return len(d.ACLs)+len(d.RoleBindings) > 0 || len(inv.created(KindACL)) > 0
		},
		observe:    observeACLs,
		standalone: true,
		diff:       diffACLs,
		apply: func(ctx context.Context, a *applier, cs []Change) {
			creates, _, deletes := byAction(cs)
			a.applyACLs(ctx, creates, deletes)
		},
		settle:   settleACLs,
		record:   recordACLs,
		declared: func(st *spec.State) []string { return st.Principals() },
		owner:    func(c Change) string { return c.Payload.(*ACLChange).Entry.Principal },
		own: func(live *Live, principal string, e InventoryEntry) (InventoryEntry, ownership) {
			has := false
			for a := range live.ACLs {
				if a.Principal == principal {
					has = true
					break
				}
			}
			return e, exists(live.ACLs != nil, has)
		},
		liveFrom: aclsFrom,
		risks:    aclRisks,
		export: func(live *Live, opts ExportOptions) []ExportedFile {
			if opts.Roles {
				return export.Roles(live.ACLs)
			}
			return export.ACLs(live.ACLs)
		},
		adopt: func(live *Live, _ ExportOptions) []ResourceKey {
			principals := map[string]bool{}
			for e := range live.ACLs {
				principals[e.Principal] = true
			}
			var keys []ResourceKey
			for _, p := range sortedKeys(principals) {
				keys = append(keys, ResourceKey{KindACL, p})
			}
			return keys
		},
		// ACLs read best grouped by principal.
		compare: func(a, b Change) int {
			return cmp.Compare(a.Payload.(*ACLChange).Entry.Principal, b.Payload.(*ACLChange).Entry.Principal)
		},
	})
}

// exportUsers hands the SCRAM users to package export, one spec.User per
// credential.
func exportUsers(live *Live, _ ExportOptions) []ExportedFile {
	var us []spec.User
	for name, creds := range live.Users {
		for _, c := range creds {
			us = append(us, spec.User{Name: name, Mechanism: c.Mechanism, Iterations: c.Iterations})
		}
	}
	return export.Users(us)
}

// exportQuotas hands the quotas to package export, each named after its
// entity.
func exportQuotas(live *Live, _ ExportOptions) []ExportedFile {
	var qs []spec.Quota
	for key, q := range live.Quotas {
		qs = append(qs, spec.Quota{Name: key, Entity: q.Entity, Values: q.Values})
	}
	return export.Quotas(qs)
}

// recordUsers records a user whose credential was set, with the salted
// hash of that credential (a user that existed before kgitops touched it
// is recorded as external, and stays so), and removes a deleted user.
func recordUsers(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{c.Kind, c.Name}
		uc := c.Payload.(*UserChange)
		switch {
		case uc.Upsert != nil:
			hash, err := hashCredential(uc.Upsert.Mechanism, uc.Upsert.Iterations, uc.Upsert.Password)
			if err != nil {
				r.fail(fmt.Errorf("record user %q: %w", c.Name, err))
				return
			}
			e := r.entry(uc.Existed)
			if prev, ok := r.prior(key); ok {
				e.External = prev.External
			}
			e.PasswordHash = hash
			e.PreventDestroy = r.protected(key, c)
			r.put(key, e)
		case c.Action == ActionUpdate:
			r.protect(key, c)
		case c.Action == ActionDelete && !c.Drift:
			r.drop(key)
		}
	}
}

// recordACLs records, at the first ACL kgitops creates for a principal,
// the principal, with its protection; notes a change of protection of a
// principal it holds; and removes a principal whose ACLs were all deleted
// because the repo no longer names it.
func recordACLs(r *recorder, cs []Change) {
	failed := map[string]bool{}
	protect := map[string]Change{} // principal -> its protection change
	for _, c := range cs {
		ac := c.Payload.(*ACLChange)
		if !r.ok(c) && c.Action == ActionDelete {
			failed[ac.Entry.Principal] = true
		}
		if ac.Protect != nil {
			protect[ac.Entry.Principal] = c
		}
	}
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		ac := c.Payload.(*ACLChange)
		pk := ResourceKey{KindACL, ac.Entry.Principal}
		switch {
		case c.Action == ActionCreate:
			if _, known := r.prior(pk); !known {
				e := r.entry(ac.PrincipalHadACLs)
				if pc, ok := protect[ac.Entry.Principal]; ok {
					e.PreventDestroy = r.protected(pk, pc)
				}
				r.put(pk, e)
			}
		case c.Action == ActionUpdate:
			r.protect(pk, c)
		case c.Action == ActionDelete && !c.Drift && !ac.KeepPrincipal && !failed[ac.Entry.Principal]:
			r.drop(pk)
		}
	}
}

// exists is the ownership of a resource that has no identity beyond its
// name: there or not, when its kind was read.
func exists(read, there bool) ownership {
	switch {
	case !read:
		return ownUnknown
	case there:
		return ownSame
	}
	return ownMissing
}
