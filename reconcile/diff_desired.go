package reconcile

import (
	"fmt"
	"sort"

	"github.com/kgitops/kgitops/spec"
)

// DiffDesired compares two versions of the desired state, with no cluster:
// what a pull request changes. It returns a Plan so that the same
// renderers print it. A removal from the repo shows as a pending deletion,
// because kgitops deletes only what it created, and only with
// --allow-delete; a change plan would refuse (shrinking partitions,
// changing the replication factor) shows as an error. Pure.
func DiffDesired(base, head *spec.State) *Plan {
	p := &Plan{Changes: []Change{}}
	p.desiredTopics(base, head)
	p.desiredACLs(base, head)
	p.desiredQuotas(base, head)
	p.desiredUsers(base, head)
	sortChanges(p.Changes)
	p.summarize()
	return p
}

func (p *Plan) desiredTopics(base, head *spec.State) {
	old := map[string]spec.Topic{}
	for _, t := range base.Topics {
		old[t.Name] = t
	}
	seen := map[string]bool{}
	for _, t := range head.Topics {
		seen[t.Name] = true
		b, existed := old[t.Name]
		if !existed {
			p.Changes = append(p.Changes, createTopic(t, nil))
			continue
		}
		if t.Partitions < b.Partitions {
			p.refuse(KindTopic, t.Name, fmt.Sprintf("partitions shrink from %d to %d: kgitops refuses this; Kafka cannot remove partitions", b.Partitions, t.Partitions))
		}
		if t.ReplicationFactor != b.ReplicationFactor {
			p.refuse(KindTopic, t.Name, fmt.Sprintf("replicationFactor changes from %d to %d: kgitops refuses this for now", b.ReplicationFactor, t.ReplicationFactor))
		}
		var fields []Field
		if t.Partitions > b.Partitions {
			fields = append(fields, Field{Path: "partitions", Old: b.Partitions, New: t.Partitions})
		}
		keys := sortedKeys(t.Configs)
		for _, k := range sortedKeys(b.Configs) {
			if _, ok := t.Configs[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			nv, inHead := t.Configs[k]
			ov, inBase := b.Configs[k]
			switch {
			case inHead && !inBase:
				fields = append(fields, Field{Path: "configs." + k, New: nv})
			case !inHead && inBase:
				fields = append(fields, Field{Path: "configs." + k, Old: ov})
			case !spec.ConfigEqual(k, nv, ov):
				fields = append(fields, Field{Path: "configs." + k, Old: ov, New: nv})
			}
		}
		fields = append(fields, listField("ignoreConfigs", b.IgnoreConfigs, t.IgnoreConfigs)...)
		if len(fields) > 0 {
			p.Changes = append(p.Changes, Change{Action: ActionUpdate, Kind: KindTopic, Name: t.Name, Fields: fields})
		}
	}
	for _, t := range base.Topics {
		if !seen[t.Name] {
			p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindTopic, Name: t.Name, Pending: true})
		}
	}
}

// listField reports a changed list as one field, or nothing.
func listField(path string, old, cur []string) []Field {
	if fmt.Sprint(old) == fmt.Sprint(cur) {
		return nil
	}
	f := Field{Path: path}
	if len(old) > 0 {
		f.Old = fmt.Sprint(old)
	}
	if len(cur) > 0 {
		f.New = fmt.Sprint(cur)
	}
	return []Field{f}
}

func (p *Plan) desiredACLs(base, head *spec.State) {
	old := map[spec.ACLEntry]bool{}
	for _, d := range base.DesiredACLs() {
		old[d.Entry] = true
	}
	cur := map[spec.ACLEntry]bool{}
	for _, d := range head.DesiredACLs() {
		cur[d.Entry] = true
		if !old[d.Entry] {
			p.Changes = append(p.Changes, aclChange(ActionCreate, d.Entry, d.Sources))
		}
	}
	stillNamed := map[string]bool{}
	for _, pr := range head.Principals() {
		stillNamed[pr] = true
	}
	for _, d := range base.DesiredACLs() {
		if cur[d.Entry] {
			continue
		}
		c := aclChange(ActionDelete, d.Entry, d.Sources)
		// A principal the repo still names is managed: its extra ACLs go
		// without a flag. One the repo drops loses its ACLs only with
		// --allow-delete (and only if kgitops created them).
		c.Drift = stillNamed[d.Entry.Principal]
		c.Pending = !c.Drift
		p.Changes = append(p.Changes, c)
	}
}

func (p *Plan) desiredQuotas(base, head *spec.State) {
	old := map[string]spec.Quota{}
	for _, q := range base.Quotas {
		old[q.Entity.String()] = q
	}
	seen := map[string]bool{}
	for _, q := range head.Quotas {
		key := q.Entity.String()
		seen[key] = true
		b, existed := old[key]
		var fields []Field
		for _, k := range sortedKeys(q.Values) {
			ov, had := b.Values[k]
			switch {
			case !had:
				fields = append(fields, Field{Path: "values." + k, New: quotaText(q.Values[k])})
			case ov != q.Values[k]:
				fields = append(fields, Field{Path: "values." + k, Old: quotaText(ov), New: quotaText(q.Values[k])})
			}
		}
		for _, k := range sortedKeys(b.Values) {
			if _, ok := q.Values[k]; !ok {
				fields = append(fields, Field{Path: "values." + k, Old: quotaText(b.Values[k])})
			}
		}
		if len(fields) == 0 {
			continue
		}
		action := ActionUpdate
		if !existed {
			action = ActionCreate
		}
		p.Changes = append(p.Changes, Change{Action: action, Kind: KindQuota, Name: key, Fields: fields,
			Sources: []string{"Quota " + q.Name + " at " + q.Pos.String()}})
	}
	for _, q := range base.Quotas {
		if key := q.Entity.String(); !seen[key] {
			p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindQuota, Name: key, Pending: true})
		}
	}
}

func (p *Plan) desiredUsers(base, head *spec.State) {
	old := map[string]spec.User{}
	for _, u := range base.Users {
		old[u.Name] = u
	}
	seen := map[string]bool{}
	for _, u := range head.Users {
		seen[u.Name] = true
		b, existed := old[u.Name]
		var fields []Field
		add := func(path string, ov, nv any) {
			if !existed {
				fields = append(fields, Field{Path: path, New: nv})
			} else if ov != nv {
				fields = append(fields, Field{Path: path, Old: ov, New: nv})
			}
		}
		add("scram.mechanism", b.Mechanism, u.Mechanism)
		add("scram.iterations", b.Iterations, u.Iterations)
		add("scram.passwordFrom", passwordOrigin(b), passwordOrigin(u))
		if len(fields) == 0 {
			continue
		}
		action := ActionUpdate
		if !existed {
			action = ActionCreate
		}
		p.Changes = append(p.Changes, Change{Action: action, Kind: KindUser, Name: u.Name, Fields: fields,
			Sources: []string{"User " + u.Name + " at " + u.Pos.String()}})
	}
	for _, u := range base.Users {
		if !seen[u.Name] {
			p.Changes = append(p.Changes, Change{Action: ActionDelete, Kind: KindUser, Name: u.Name, Pending: true})
		}
	}
}
