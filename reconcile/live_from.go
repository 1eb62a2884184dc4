package reconcile

import "github.com/kgitops/kgitops/spec"

// LiveFrom is the cluster as it would be after base was applied exactly,
// with an inventory that owns everything base declares. Diff(head,
// LiveFrom(base), DiffOptions{}) is then what a pull request from base to
// head changes: the same engine, rules and refusals as a plan against a
// real cluster, with no cluster. Removals show as pending deletions,
// because kgitops deletes only what it created, and only with
// --allow-delete.
//
// SCRAM users are the one special case: a password cannot be compared
// offline, so Diff compares where each password comes from instead.
func LiveFrom(base *spec.State) *Live {
	live := &Live{Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}}
	for _, k := range registered() {
		if k.liveFrom != nil {
			k.liveFrom(base, live)
		}
	}
	return live
}

// own records k as created by kgitops, in a Live made by LiveFrom, with
// the protection its document asked for.
func (l *Live) own(kind, name string, annotations map[string]string) {
	key := ResourceKey{kind, name}
	e := l.Inventory.Entries[key]
	e.Revision = "base"
	e.PreventDestroy = e.PreventDestroy || spec.PreventDestroy(annotations)
	l.Inventory.Entries[key] = e
}

func topicsFrom(base *spec.State, live *Live) {
	live.Topics = map[string]LiveTopic{}
	for _, t := range base.Topics {
		if spec.MarkedForDeletion(t.Annotations) {
			continue // gone once base is applied
		}
		configs := make(map[string]string, len(t.Configs))
		for k, v := range t.Configs {
			configs[k] = v
		}
		live.Topics[t.Name] = LiveTopic{Name: t.Name, Partitions: t.Partitions, ReplicationFactor: t.ReplicationFactor, Configs: configs}
		live.own(KindTopic, t.Name, t.Annotations)
	}
}

func usersFrom(base *spec.State, live *Live) {
	live.Users = map[string][]ScramCredential{}
	live.offlineUsers = map[string]spec.User{}
	for _, u := range base.Users {
		if spec.MarkedForDeletion(u.Annotations) {
			continue
		}
		live.Users[u.Name] = []ScramCredential{{Mechanism: u.Mechanism, Iterations: u.Iterations}}
		live.offlineUsers[u.Name] = u
		live.own(KindUser, u.Name, u.Annotations)
	}
}

func quotasFrom(base *spec.State, live *Live) {
	live.Quotas = map[string]LiveQuota{}
	for _, q := range base.Quotas {
		if spec.MarkedForDeletion(q.Annotations) {
			continue
		}
		values := make(map[string]float64, len(q.Values))
		for k, v := range q.Values {
			values[k] = v
		}
		key := q.Entity.String()
		live.Quotas[key] = LiveQuota{Entity: q.Entity, Values: values}
		live.own(KindQuota, key, q.Annotations)
	}
}

func aclsFrom(base *spec.State, live *Live) {
	live.ACLs = map[spec.ACLEntry]bool{}
	for _, d := range base.DesiredACLs() {
		live.ACLs[d.Entry] = true
		live.own(KindACL, d.Entry.Principal, nil)
	}
	for _, pr := range base.ProtectedPrincipals() {
		if live.Inventory.has(KindACL, pr) {
			live.own(KindACL, pr, map[string]string{spec.AnnotationPreventDestroy: "true"})
		}
	}
}
