package reconcile

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// applyUsers sets and removes SCRAM credentials in one request. Kafka has
// no dry run for it: a dry run skips users.
func (a *applier) applyUsers(ctx context.Context, cs []Change) {
	// A change of the protection alone is for the inventory only.
	cs = slices.DeleteFunc(slices.Clone(cs), func(c Change) bool {
		u := c.Payload.(*UserChange)
		return u.Upsert == nil && len(u.Delete) == 0
	})
	if len(cs) == 0 {
		return
	}
	if a.opts.DryRun {
		for _, c := range cs {
			a.skip(c, "dry run: Kafka cannot validate SCRAM credentials without setting them")
		}
		return
	}
	var dels []kadm.DeleteSCRAM
	var ups []kadm.UpsertSCRAM
	for _, c := range cs {
		u := c.Payload.(*UserChange)
		for _, m := range u.Delete {
			dels = append(dels, kadm.DeleteSCRAM{User: u.Name, Mechanism: scramMechanism(m)})
		}
		if u.Upsert != nil {
			ups = append(ups, kadm.UpsertSCRAM{
				User:       u.Name,
				Mechanism:  scramMechanism(u.Upsert.Mechanism),
				Iterations: u.Upsert.Iterations,
				Password:   u.Upsert.Password.Reveal(),
			})
		}
	}
	resp, err := kadm.NewClient(a.cl).AlterUserSCRAMs(ctx, dels, ups)
	if err != nil {
		a.failAll(cs, fmt.Errorf("alter SCRAM credentials: %w", err))
		return
	}
	for _, r := range resp {
		if r.Err != nil {
			a.fail(KindUser, r.User, withMessage(r.Err, r.ErrMessage))
		}
	}
}

func scramMechanism(name string) kadm.ScramMechanism {
	if name == "SCRAM-SHA-256" {
		return kadm.ScramSha256
	}
	return kadm.ScramSha512
}

// applyQuotas sets and removes client quotas in one request.
func (a *applier) applyQuotas(ctx context.Context, cs []Change) {
	if len(cs) == 0 {
		return
	}
	cs = slices.DeleteFunc(slices.Clone(cs), func(c Change) bool {
		q := c.Payload.(*QuotaChange)
		return len(q.Set) == 0 && len(q.Remove) == 0
	})
	if len(cs) == 0 {
		return
	}
	var entries []kadm.AlterClientQuotaEntry
	byEntity := map[string]Change{}
	for _, c := range cs {
		q := c.Payload.(*QuotaChange)
		e := kadm.AlterClientQuotaEntry{Entity: quotaEntity(q.Entity)}
		for _, k := range sortedKeys(q.Set) {
			e.Ops = append(e.Ops, kadm.AlterClientQuotaOp{Key: k, Value: q.Set[k]})
		}
		for _, k := range q.Remove {
			e.Ops = append(e.Ops, kadm.AlterClientQuotaOp{Key: k, Remove: true})
		}
		entries = append(entries, e)
		byEntity[q.Entity.String()] = c
	}
	adm := kadm.NewClient(a.cl)
	alter := adm.AlterClientQuotas
	if a.opts.DryRun {
		alter = adm.ValidateAlterClientQuotas
	}
	resp, err := alter(ctx, entries)
	if err != nil {
		a.failAll(cs, fmt.Errorf("alter client quotas: %w", err))
		return
	}
	for _, r := range resp {
		if r.Err == nil {
			continue
		}
		var ent spec.QuotaEntity
		for _, comp := range r.Entity {
			name := comp.Name
			if name == nil {
				name = new(string)
			}
			switch comp.Type {
			case "user":
				ent.User = name
			case "client-id":
				ent.ClientID = name
			case "ip":
				ent.IP = name
			}
		}
		if c, ok := byEntity[ent.String()]; ok {
			a.fail(c.Kind, c.Name, withMessage(r.Err, r.ErrMessage))
		}
	}
}

// quotaEntity turns a spec entity into kadm's: a nil name is the default.
func quotaEntity(e spec.QuotaEntity) []kadm.ClientQuotaEntityComponent {
	var out []kadm.ClientQuotaEntityComponent
	add := func(typ string, name *string) {
		if name == nil {
			return
		}
		var n *string
		if *name != "" {
			n = name
		}
		out = append(out, kadm.ClientQuotaEntityComponent{Type: typ, Name: n})
	}
	add("user", e.User)
	add("client-id", e.ClientID)
	add("ip", e.IP)
	return out
}

// applyACLs creates ACLs in one request and deletes ACLs in another, each
// deletion an exact-match filter so that nothing else can match it. Kafka
// has no dry run for ACLs: a dry run skips them.
func (a *applier) applyACLs(ctx context.Context, creates, deletes []Change) {
	if a.opts.DryRun {
		for _, c := range append(creates, deletes...) {
			a.skip(c, "dry run: Kafka cannot validate ACLs without changing them")
		}
		return
	}
	for _, b := range batches(creates, func(Change) int { return 1 }) {
		a.createACLs(ctx, b)
	}
	for _, b := range batches(deletes, func(Change) int { return 1 }) {
		a.deleteACLs(ctx, b)
	}
}

func (a *applier) createACLs(ctx context.Context, cs []Change) {
	req := kmsg.NewPtrCreateACLsRequest()
	for _, c := range cs {
		e := c.Payload.(*ACLChange).Entry
		rt, pt, op, perm := aclEnums(e)
		cr := kmsg.NewCreateACLsRequestCreation()
		cr.ResourceType, cr.ResourceName, cr.ResourcePatternType = rt, e.ResourceName, pt
		cr.Principal, cr.Host, cr.Operation, cr.PermissionType = e.Principal, e.Host, op, perm
		req.Creations = append(req.Creations, cr)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("create ACLs: %w", err))
		return
	}
	for i, r := range resp.Results {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil && i < len(cs) {
			a.fail(KindACL, cs[i].Name, err)
		}
	}
}

func (a *applier) deleteACLs(ctx context.Context, cs []Change) {
	req := kmsg.NewPtrDeleteACLsRequest()
	for _, c := range cs {
		e := c.Payload.(*ACLChange).Entry
		rt, pt, op, perm := aclEnums(e)
		f := kmsg.NewDeleteACLsRequestFilter()
		f.ResourceType, f.ResourceName, f.ResourcePatternType = rt, kmsg.StringPtr(e.ResourceName), pt
		f.Principal, f.Host, f.Operation, f.PermissionType = kmsg.StringPtr(e.Principal), kmsg.StringPtr(e.Host), op, perm
		req.Filters = append(req.Filters, f)
	}
	resp, err := req.RequestWith(ctx, a.cl)
	if err != nil {
		a.failAll(cs, fmt.Errorf("delete ACLs: %w", err))
		return
	}
	for i, r := range resp.Results {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil && i < len(cs) {
			a.fail(KindACL, cs[i].Name, err)
		}
	}
}

// aclEnums turns a spec ACL into Kafka's enums. The spec loader has
// checked every name, so a parse error cannot happen here.
func aclEnums(e spec.ACLEntry) (kmsg.ACLResourceType, kmsg.ACLResourcePatternType, kmsg.ACLOperation, kmsg.ACLPermissionType) {
	rt, _ := kmsg.ParseACLResourceType(e.ResourceType)
	pt, _ := kmsg.ParseACLResourcePatternType(e.PatternType)
	op, _ := kmsg.ParseACLOperation(e.Operation)
	perm, _ := kmsg.ParseACLPermissionType(e.Permission)
	return rt, pt, op, perm
}

// settleACLs waits until every live broker shows the ACLs this apply
// created and no longer shows the ones it deleted (everyBrokerShows; found
// by TestABrokerKilledMidApply, 3-node cluster).
func settleACLs(ctx context.Context, a *applier, done []Change) error {
	creates, _, deletes := byAction(done)
	return everyBrokerShows(ctx, a.cl, "ACLs", readACLs, func(acls map[spec.ACLEntry]bool) bool {
		for _, c := range creates {
			if !acls[c.Payload.(*ACLChange).Entry] {
				return false
			}
		}
		for _, c := range deletes {
			if acls[c.Payload.(*ACLChange).Entry] {
				return false
			}
		}
		return true
	})
}
