package export

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// Layout says how Topics spreads topics over files.
type Layout string

const (
	// LayoutTopic writes one file per topic, topics/<name>.yaml. The zero
	// Layout means the same.
	LayoutTopic Layout = "topic"
	// LayoutTeam writes one file per team prefix, topics/<team>.yaml: the
	// part of a topic's name before its first '.', '-' or '_'. Names
	// without one go to topics/other.yaml.
	LayoutTeam Layout = "team"
)

// Topics writes topics as Topic documents, in name order, spread over files
// as layout says: their partitions, replication factor and configs, which
// should be only the topics' own overrides. When some config key is one
// that spec does not know, it adds a Settings document, settings.yaml, that
// lists those keys, so that the export loads as it is. With units, a
// value of a .ms or .bytes key is written in the largest unit that holds
// it exactly (7d, 1GiB), which loads as the same value.
func Topics(topics []spec.Topic, layout Layout, units bool) []File {
	topics = slices.SortedStableFunc(slices.Values(topics), func(a, b spec.Topic) int { return cmp.Compare(a.Name, b.Name) })
	unknown := map[string]bool{}
	byFile := map[string][]string{}
	for _, t := range topics {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Topic\nmetadata:\n  name: %s\nspec:\n", spec.APIVersion, yamlString(t.Name))
		fmt.Fprintf(&b, "  partitions: %d\n  replicationFactor: %d\n", t.Partitions, t.ReplicationFactor)
		if len(t.Configs) > 0 {
			b.WriteString("  configs:\n")
			for _, k := range slices.Sorted(maps.Keys(t.Configs)) {
				v := t.Configs[k]
				if h := spec.HumanValue(k, v); units && h != "" && spec.KnownConfigKey(k) {
					v = h
				}
				fmt.Fprintf(&b, "    %s: %s\n", k, yamlScalar(v))
				if !spec.KnownConfigKey(k) {
					unknown[k] = true
				}
			}
		}
		file := filepath.Join("topics", t.Name+".yaml")
		if layout == LayoutTeam {
			file = filepath.Join("topics", teamOf(t.Name)+".yaml")
		}
		byFile[file] = append(byFile[file], b.String())
	}
	var files []File
	for _, file := range slices.Sorted(maps.Keys(byFile)) {
		files = append(files, File{Path: file, Data: []byte(strings.Join(byFile[file], "---\n"))})
	}
	if len(unknown) > 0 {
		files = append(files, settings(unknown))
	}
	return files
}

// settings writes a Settings document that lists the config keys unknown.
func settings(unknown map[string]bool) File {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: %s\nkind: Settings\nmetadata:\n  name: exported\nspec:\n", spec.APIVersion)
	b.WriteString("  # topic config keys the cluster uses that kgitops' own table does not know\n")
	b.WriteString("  extraConfigKeys:\n")
	for _, k := range slices.Sorted(maps.Keys(unknown)) {
		fmt.Fprintf(&b, "    - %s\n", k)
	}
	return File{Path: "settings.yaml", Data: []byte(b.String())}
}

// teamOf is a topic name's team prefix: the part before its first '.',
// '-' or '_'.
func teamOf(name string) string {
	if i := strings.IndexAny(name, ".-_"); i > 0 {
		return name[:i]
	}
	return "other"
}
