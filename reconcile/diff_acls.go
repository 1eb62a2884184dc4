package reconcile

import (
	"fmt"
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
}

// diffACLs makes every managed principal's live ACLs exactly the declared
// ones. A principal is managed when the repo names it. Extra ACLs of a
// managed principal are deleted as drift, without a flag. The ACLs of a
// principal the repo no longer names are deleted only when the inventory
// says kgitops created them, and only with AllowDelete.
func diffACLs(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	want := desired.DesiredACLs()
	if live.ACLs == nil {
		if len(want) > 0 {
			p.refuse(KindACL, "*", "the cluster's ACLs were not read")
		}
		return
	}
	managed := map[string]bool{}
	for _, pr := range desired.Principals() {
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

	removed := map[string]bool{}
	for _, pr := range live.Inventory.created(KindACL) {
		if !managed[pr] {
			removed[pr] = true
		}
	}
	var extra []spec.ACLEntry
	for e := range live.ACLs {
		if !declared[e] && (managed[e.Principal] || removed[e.Principal]) {
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
