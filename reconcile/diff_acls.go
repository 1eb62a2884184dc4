package reconcile

import (
	"fmt"
	"slices"
	"sort"

	"github.com/kgitops/kgitops/spec"
)

// ACLChange is the executable part of an ACL change: the one ACL to create
// or delete.
type ACLChange struct {
	Entry spec.ACLEntry
	// PrincipalHadACLs is set on a creation for a principal that already
	// had ACLs kgitops did not create: the principal is then recorded as
	// external, and its ACLs are never deleted when the repo drops it.
	PrincipalHadACLs bool
	// KeepPrincipal is set on a deletion written in git (kgitops.io/delete)
	// of a principal the repo still governs: the inventory keeps it.
	KeepPrincipal bool
	// Protect, on an update that names only the principal, is
	// kgitops.io/prevent-destroy to record for the principal.
	Protect *bool
}

func (c *ACLChange) protection() *bool { return c.Protect }

// diffACLs makes every managed principal's live ACLs exactly the declared
// ones. A principal is managed when the repo names it. Extra ACLs of a
// managed principal are deleted as drift, without a flag. The ACLs of a
// principal the repo no longer names are deleted only when the inventory
// says kgitops created them, and only with AllowDelete. The ACLs of
// documents marked with kgitops.io/delete are deleted, with AllowDelete,
// whoever created them.
func diffACLs(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	want := desired.DesiredACLs()
	doomed := desired.DeletedACLs()
	if live.ACLs == nil {
		if len(want)+len(doomed) > 0 {
			p.refuse(KindACL, "*", "the cluster's ACLs were not read")
		}
		return
	}
	managed := map[string]bool{}
	for _, pr := range desired.ManagedPrincipals() {
		managed[pr] = true
	}
	hadACLs := map[string]bool{}
	for e := range live.ACLs {
		hadACLs[e.Principal] = true
	}
	declared := make(map[spec.ACLEntry]bool, len(want))
	for _, d := range want {
		declared[d.Entry] = true
		if live.ACLs[d.Entry] {
			continue
		}
		c := aclChange(ActionCreate, d.Entry, d.Sources)
		c.Payload.(*ACLChange).PrincipalHadACLs = hadACLs[d.Entry.Principal] && !live.Inventory.has(KindACL, d.Entry.Principal)
		p.Changes = append(p.Changes, c)
	}

	requested := map[spec.ACLEntry]bool{}
	for _, d := range doomed {
		if declared[d.Entry] {
			p.refuse(KindACL, d.Entry.String(), fmt.Sprintf("%s asks for it and %s asks to delete it; remove it from one of them",
				sourceText(wantedBy(want, d.Entry)), sourceText(d.Sources[0])))
			continue
		}
		requested[d.Entry] = true
		if !live.ACLs[d.Entry] {
			continue
		}
		c := aclChange(ActionDelete, d.Entry, d.Sources)
		for i := range c.Sources {
			c.Sources[i] += " (" + spec.AnnotationDelete + ")"
		}
		c.Requested, c.Pending = true, !opts.AllowDelete
		c.Payload.(*ACLChange).KeepPrincipal = managed[d.Entry.Principal]
		p.Changes = append(p.Changes, c)
	}
	p.protectPrincipals(desired, live, managed)

	removed := map[string]bool{}
	for _, pr := range live.Inventory.created(KindACL) {
		if !managed[pr] {
			removed[pr] = true
		}
	}
	var extra []spec.ACLEntry
	for e := range live.ACLs {
		if !declared[e] && !requested[e] && (managed[e.Principal] || removed[e.Principal]) {
			extra = append(extra, e)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].String() < extra[j].String() })
	for _, e := range extra {
		c := aclChange(ActionDelete, e, nil)
		if managed[e.Principal] {
			c.Drift = true
		} else {
			c.Pending = !opts.AllowDelete
		}
		p.Changes = append(p.Changes, c)
	}
}

// protectPrincipals records kgitops.io/prevent-destroy for each principal
// the repo governs that the inventory holds, or will hold once this plan
// creates its first ACL: a change that names only the principal.
func (p *Plan) protectPrincipals(desired *spec.State, live *Live, managed map[string]bool) {
	protected := map[string]bool{}
	for _, pr := range desired.ProtectedPrincipals() {
		protected[pr] = true
	}
	creates := map[string]bool{}
	for _, c := range p.Changes {
		if c.Kind == KindACL && c.Action == ActionCreate {
			creates[c.Payload.(*ACLChange).Entry.Principal] = true
		}
	}
	for _, pr := range sortedKeys(managed) {
		e, held := live.Inventory.Entries[ResourceKey{KindACL, pr}]
		want := protected[pr]
		if (!held && !creates[pr]) || want == e.PreventDestroy {
			continue
		}
		var old any
		if held {
			old = e.PreventDestroy
		}
		p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindACL, Name: pr,
			Fields:  []Field{protectField(old, want)},
			Payload: &ACLChange{Entry: spec.ACLEntry{Principal: pr}, Protect: &want},
			Sources: principalSources(desired, pr)})
	}
}

// principalSources names the documents, not marked for deletion, that
// name principal pr.
func principalSources(desired *spec.State, pr string) []string {
	var out []string
	for _, a := range desired.ACLs {
		if a.Principal == pr && !spec.MarkedForDeletion(a.Annotations) {
			out = append(out, "ACL "+a.Name+" at "+a.Pos.String())
		}
	}
	for _, b := range desired.RoleBindings {
		if slices.Contains(b.Principals, pr) && !spec.MarkedForDeletion(b.Annotations) {
			out = append(out, "RoleBinding "+b.Name+" at "+b.Pos.String())
		}
	}
	return out
}

// wantedBy is the first document that asks for e.
func wantedBy(want []spec.DesiredACL, e spec.ACLEntry) spec.ACLSource {
	for _, d := range want {
		if d.Entry == e {
			return d.Sources[0]
		}
	}
	return spec.ACLSource{}
}

func aclChange(action Action, e spec.ACLEntry, sources []spec.ACLSource) Change {
	fields := []Field{
		{Path: "principal", New: e.Principal},
		{Path: "permission", New: e.Permission},
		{Path: "operation", New: e.Operation},
		{Path: "resource", New: e.ResourceType + ":" + e.ResourceName},
		{Path: "patternType", New: e.PatternType},
		{Path: "host", New: e.Host},
	}
	if action == ActionDelete {
		for i := range fields {
			fields[i].Old, fields[i].New = fields[i].New, nil
		}
	}
	c := Change{Action: action, Kind: KindACL, Name: e.String(), Fields: fields, Payload: &ACLChange{Entry: e}}
	for _, s := range sources {
		c.Sources = append(c.Sources, sourceText(s))
	}
	return c
}

// sourceText names the document that asks for an ACL, for reviewers.
func sourceText(s spec.ACLSource) string {
	text := s.Kind + " " + s.Name
	if s.Role != "" {
		text += fmt.Sprintf(" (role %s)", s.Role)
	}
	if s.Pos.File != "" {
		text += " at " + s.Pos.String()
	}
	return text
}
