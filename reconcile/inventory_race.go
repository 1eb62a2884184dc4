package reconcile

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Two applies of one inventory can run at the same moment (two CI jobs,
// an apply beside the daemon). The inventory topic is written last-write-
// wins, with no lock. Kafka settles who creates a topic: the other apply
// gets TOPIC_ALREADY_EXISTS. The loser then drops the intent it wrote
// before the create, and that tombstone can land after the winner's record
// of the topic, erasing it: a topic kgitops created that it no longer owns.
// So the loser, once its outcome is written, reads the inventory's records
// again without its own: what another apply recorded for a topic it lost is
// written back.

// restoreLost writes back, for each creation in lost (this apply's intents
// it dropped after TOPIC_ALREADY_EXISTS), what another apply recorded for it
// since the plan, if anything: the inventory as it would be had this apply
// written nothing. The result of such a creation says who made it.
func (a *applier) restoreLost(ctx context.Context, lost []ResourceKey) error {
	if len(lost) == 0 {
		return nil
	}
	others, err := a.othersInventory(ctx)
	if err != nil {
		return err
	}
	set := map[ResourceKey]InventoryEntry{}
	for _, k := range lost {
		e, ok := others.Entries[k]
		if !ok {
			continue // created outside kgitops, or not recorded yet
		}
		set[k] = e
		if res := a.results[k.Kind+"/"+k.Name]; res != nil && res.Err != nil {
			res.Err = fmt.Errorf("%w: created meanwhile by another apply of this inventory, which recorded it; plan again to see whether it matches", res.Err)
		}
	}
	return a.writer().record(ctx, set, nil)
}

// othersInventory reads the inventory as it would be had this apply
// written nothing: what the inventory held, and what other applies of it
// recorded since.
func (a *applier) othersInventory(ctx context.Context) (Inventory, error) {
	ref := a.opts.Inventory
	others := Inventory{Entries: map[ResourceKey]InventoryEntry{}, name: ref.Name}
	err := scanInventory(ctx, a.cl, ref, func(r *kgo.Record) {
		if a.wrote[r.Offset] {
			return
		}
		if !ref.Key.IsZero() && ref.ownRecord(string(r.Key)) && !ref.authentic(r) && !ref.TrustUnsigned {
			return
		}
		others.apply(ref, r)
	})
	if err != nil {
		return others, fmt.Errorf("check the inventory for topics another apply created meanwhile: %w", err)
	}
	return others, nil
}
