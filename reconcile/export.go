package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/spec"
)

// ExportedFile is one file of an export: a path relative to the output
// folder and its YAML.
type ExportedFile struct {
	Path string
	Data []byte
}

// ExportOptions shape an export.
type ExportOptions struct {
	// Layout is "topic" (one file per topic, the default) or "team" (one
	// file per team prefix: the part of the name before its first '.',
	// '-' or '_'; names without one go to topics/other.yaml).
	Layout string
	// Filter keeps only the topics whose names it matches; nil keeps all.
	// Internal and reserved topics are never exported.
	Filter *regexp.Regexp
	// Roles writes ACL sets that match a built-in role as RoleBindings.
	Roles bool
}

// Export turns the live cluster into repo files: Topic documents with only
// the topics' own overrides; ACL documents grouped per principal (or
// RoleBindings, with Roles); one Quota document per entity; and the SCRAM
// user names, commented out (see exportUsers). Config keys that kgitops'
// table does not know are listed in a Settings document so that the export
// loads as it is. It is pure.
func Export(live *Live, opts ExportOptions) []ExportedFile {
	var files []ExportedFile
	for _, k := range registered() {
		if k.export != nil {
			files = append(files, k.export(live, opts)...)
		}
	}
	return files
}

// exportTopics writes the topics, one file each or one per team, and a
// Settings document listing the config keys kgitops' table does not know.
func exportTopics(live *Live, opts ExportOptions) []ExportedFile {
	unknown := map[string]bool{}
	byFile := map[string][]string{}
	for _, name := range ExportedTopics(live, opts) {
		t := live.Topics[name]
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Topic\nmetadata:\n  name: %s\nspec:\n", spec.APIVersion, yamlString(name))
		fmt.Fprintf(&b, "  partitions: %d\n  replicationFactor: %d\n", t.Partitions, t.ReplicationFactor)
		if len(t.Configs) > 0 {
			b.WriteString("  configs:\n")
			for _, k := range sortedKeys(t.Configs) {
				fmt.Fprintf(&b, "    %s: %s\n", k, yamlScalar(t.Configs[k]))
				if !spec.KnownConfigKey(k) {
					unknown[k] = true
				}
			}
		}
		file := filepath.Join("topics", name+".yaml")
		if opts.Layout == "team" {
			file = filepath.Join("topics", teamOf(name)+".yaml")
		}
		byFile[file] = append(byFile[file], b.String())
	}
	var files []ExportedFile
	for _, file := range sortedKeys(byFile) {
		files = append(files, ExportedFile{Path: file, Data: []byte(strings.Join(byFile[file], "---\n"))})
	}
	if len(unknown) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Settings\nmetadata:\n  name: exported\nspec:\n", spec.APIVersion)
		b.WriteString("  # topic config keys the cluster uses that kgitops' own table does not know\n")
		b.WriteString("  extraConfigKeys:\n")
		for _, k := range sortedKeys(unknown) {
			fmt.Fprintf(&b, "    - %s\n", k)
		}
		files = append(files, ExportedFile{Path: "settings.yaml", Data: []byte(b.String())})
	}
	return files
}

// ExportedTopics lists, sorted, the topics an export writes.
func ExportedTopics(live *Live, opts ExportOptions) []string {
	var names []string
	for name, t := range live.Topics {
		if _, reserved := spec.Reserved(name); reserved || t.Internal {
			continue
		}
		if opts.Filter != nil && !opts.Filter.MatchString(name) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// teamOf is a topic name's team prefix: the part before its first '.',
// '-' or '_'.
func teamOf(name string) string {
	if i := strings.IndexAny(name, ".-_"); i > 0 {
		return name[:i]
	}
	return "other"
}

// AdoptionKeys lists what an export makes kgitops manage, for the
// inventory, as each kind says: the exported topics, every principal with
// ACLs and every quota entity. SCRAM users are not adopted: their
// passwords are unknown.
func AdoptionKeys(live *Live, opts ExportOptions) []ResourceKey {
	var keys []ResourceKey
	for _, k := range registered() {
		if k.adopt != nil {
			keys = append(keys, k.adopt(live, opts)...)
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

// WriteExport writes files under dir, creating folders as needed.
func WriteExport(dir string, files []ExportedFile) error {
	for _, f := range files {
		p := filepath.Join(dir, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// yamlString writes a string so that YAML reads it back as a string.
func yamlString(v string) string {
	if plainString.MatchString(v) && !yamlKeyword[strings.ToLower(v)] {
		return v
	}
	return quote(v)
}

// yamlScalar writes a config value bare when YAML reads it back as the
// same text (numbers, booleans, plain words), quoted otherwise.
func yamlScalar(v string) string {
	l := strings.ToLower(v)
	if plainScalar.MatchString(v) && (l == "true" || l == "false" || !yamlKeyword[l]) {
		return v
	}
	return quote(v)
}

var (
	plainString = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*(:[A-Za-z0-9._-]+)?$`)
	plainScalar = regexp.MustCompile(`^(-?[0-9]+(\.[0-9]+)?|[A-Za-z][A-Za-z0-9._-]*)$`)
	yamlKeyword = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "~": true}
)

// quote writes v as a JSON string, which YAML reads as the same string;
// unlike json.Marshal it leaves <, > and & as they are.
func quote(v string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
