package reconcile

import (
	"context"
	"regexp"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/export"
)

// ExportedFile is one file of an export (see package export).
type ExportedFile = export.File

// ExportOptions shape an export.
type ExportOptions struct {
	// Layout is how topics are spread over files: one file per topic (the
	// default) or one per team prefix (see export.Layout).
	Layout export.Layout
	// Filter keeps only the topics whose names it matches; nil keeps all.
	// Internal and reserved topics are never exported.
	Filter *regexp.Regexp
	// Roles writes ACL sets that match a built-in role as RoleBindings.
	Roles bool
	// Units writes the values of .ms and .bytes config keys with units
	// (7d, 1GiB) where a unit holds them exactly.
	Units bool
}

// Export turns the live cluster into repo files: Topic documents with only
// the topics' own overrides; ACL documents grouped per principal (or
// RoleBindings, with Roles); one Quota document per entity; and the SCRAM
// user names, commented out (see export.Users). Config keys that kgitops'
// table does not know are listed in a Settings document so that the export
// loads as it is. It is pure: each kind's hook hands its part of live to
// package export, which writes it.
func Export(live *Live, opts ExportOptions) []ExportedFile {
	var files []ExportedFile
	for _, k := range registered() {
		if k.export != nil {
			files = append(files, k.export(live, opts)...)
		}
	}
	return files
}

// AdoptionKeys lists what an export makes kgitops manage, for the
// inventory, as each kind says: the exported topics, every principal with
// ACLs and every quota entity. SCRAM users are not adopted: their
// passwords are unknown.
func AdoptionKeys(live *Live, opts ExportOptions) []ResourceKey {
	var keys []ResourceKey
	for _, k := range registered() {
		if k.adopt == nil {
			continue
		}
		for _, key := range k.adopt(live, opts) {
			if _, theirs := live.Inventory.Others[key]; theirs {
				continue // another inventory owns it
			}
			if opts.Filter != nil && !opts.Filter.MatchString(key.Name) {
				continue
			}
			keys = append(keys, key)
		}
	}
	return keys
}

// Adopt records keys in the inventory as created by kgitops: from then on,
// removing one from the repo deletes it with --allow-delete.
func Adopt(ctx context.Context, cl *kgo.Client, ref InventoryRef, brokers int, keys []ResourceKey, now time.Time) error {
	ref = ref.withDefaults()
	set := make(map[ResourceKey]InventoryEntry, len(keys))
	for _, k := range keys {
		set[k] = InventoryEntry{CreatedAt: now.UTC(), Revision: "adopted"}
	}
	return inventoryWriter{cl: cl, ref: ref, brokers: brokers}.record(ctx, set, nil)
}
