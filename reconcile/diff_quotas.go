package reconcile

import (
	"sort"
	"strconv"

	"github.com/kgitops/kgitops/spec"
)

// QuotaChange is the executable part of a quota change: the values to set
// and the keys to remove for one entity.
type QuotaChange struct {
	Entity spec.QuotaEntity
	Set    map[string]float64
	Remove []string // sorted
	// Protect is kgitops.io/prevent-destroy to record in the inventory,
	// when it changes.
	Protect *bool
}

func (c *QuotaChange) protection() *bool { return c.Protect }

// diffQuotas makes each declared entity's quotas exactly the declared
// values: keys that differ are set, undeclared keys are removed. An entity
// the repo no longer declares loses its quotas only when the inventory
// says kgitops created them, and only with AllowDelete. An entity whose
// Quota is marked with kgitops.io/delete loses its quotas, with
// AllowDelete, whoever set them.
func diffQuotas(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	if live.Quotas == nil {
		if len(desired.Quotas) > 0 {
			p.refuse(KindQuota, "*", "the cluster's quotas were not read")
		}
		return
	}
	declared := map[string]bool{}
	for _, q := range desired.Quotas {
		key := q.Entity.String()
		declared[key] = true
		have := live.Quotas[key].Values
		if spec.MarkedForDeletion(q.Annotations) {
			if len(have) > 0 {
				c := deleteQuota(key, live.Quotas[key], opts)
				c.Requested = true
				c.Sources = []string{"Quota " + q.Name + " at " + q.Pos.String() + " (" + spec.AnnotationDelete + ")"}
				p.Changes = append(p.Changes, c)
			}
			continue
		}
		qc := &QuotaChange{Entity: q.Entity, Set: map[string]float64{}}
		var fields []Field
		for _, k := range sortedKeys(q.Values) {
			want := q.Values[k]
			old, set := have[k]
			switch {
			case !set:
				qc.Set[k] = want
				fields = append(fields, Field{Path: "values." + k, New: quotaText(want)})
			case old != want:
				qc.Set[k] = want
				fields = append(fields, Field{Path: "values." + k, Old: quotaText(old), New: quotaText(want)})
			}
		}
		for _, k := range sortedKeys(have) {
			if _, ok := q.Values[k]; !ok {
				qc.Remove = append(qc.Remove, k)
				fields = append(fields, Field{Path: "values." + k, Old: quotaText(have[k])})
			}
		}
		action := ActionUpdate
		if len(have) == 0 {
			action = ActionCreate
		}
		// The inventory holds the entity once kgitops created its quotas.
		entry, held := live.Inventory.Entries[ResourceKey{KindQuota, key}]
		if want := spec.PreventDestroy(q.Annotations); (held || action == ActionCreate) && want != entry.PreventDestroy {
			qc.Protect = &want
			var old any
			if held {
				old = entry.PreventDestroy
			}
			fields = append(fields, protectField(old, want))
		}
		if len(fields) == 0 {
			continue
		}
		p.Changes = append(p.Changes, Change{Action: action, Kind: KindQuota, Name: key, Fields: fields, Payload: qc,
			Sources: []string{"Quota " + q.Name + " at " + q.Pos.String()}})
	}

	for _, key := range live.Inventory.created(KindQuota) {
		lq, exists := live.Quotas[key]
		if declared[key] || !exists || len(lq.Values) == 0 {
			continue
		}
		p.Changes = append(p.Changes, deleteQuota(key, lq, opts))
	}
}

// deleteQuota removes every quota of an entity.
func deleteQuota(key string, lq LiveQuota, opts DiffOptions) Change {
	qc := &QuotaChange{Entity: lq.Entity}
	var fields []Field
	for _, k := range sortedKeys(lq.Values) {
		qc.Remove = append(qc.Remove, k)
		fields = append(fields, Field{Path: "values." + k, Old: quotaText(lq.Values[k])})
	}
	sort.Strings(qc.Remove)
	return Change{Action: ActionDelete, Kind: KindQuota, Name: key, Fields: fields, Payload: qc, Pending: !opts.AllowDelete}
}

// quotaText prints a quota value as Kafka's tools do: integers without a
// fraction.
func quotaText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
