package export

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// BrokerConfigs writes one BrokerConfig document per level,
// brokers/<name>.yaml, the cluster-wide defaults first. A key in a
// document's Secrets is sensitive: Kafka never returns its value, so it is
// written as a commented-out valueFrom to fill in, and listed in
// ignoreConfigs until then. A key spec does not know is listed in
// ignoreConfigs too, so that the export plans empty. With units, a value of
// a .ms or .bytes key is written in the largest unit that holds it exactly.
func BrokerConfigs(bs []spec.BrokerConfig, units bool) []File {
	bs = slices.SortedStableFunc(slices.Values(bs), func(a, b spec.BrokerConfig) int { return spec.CompareBrokers(a.Broker, b.Broker) })
	var files []File
	seen := map[string]int{}
	for _, bc := range bs {
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: BrokerConfig\nmetadata:\n  name: %s\nspec:\n  broker: %s\n", spec.APIVersion, yamlString(bc.Name), yamlScalar(bc.Broker))
		if len(bc.Configs)+len(bc.Secrets) > 0 {
			b.WriteString("  configs:\n")
		}
		for _, k := range slices.Sorted(maps.Keys(bc.Configs)) {
			v := bc.Configs[k]
			if h := spec.HumanValue(k, v); units && h != "" {
				v = h
			}
			fmt.Fprintf(&b, "    %s: %s\n", k, yamlScalar(v))
		}
		if len(bc.Secrets) > 0 {
			b.WriteString("    # Sensitive: Kafka never returns these values. To manage one, give where it is,\n")
			b.WriteString("    # uncomment it and remove it from ignoreConfigs below.\n")
			for _, k := range slices.Sorted(maps.Keys(bc.Secrets)) {
				fmt.Fprintf(&b, "    # %s: {valueFrom: {env: CHANGE_ME}}\n", k)
			}
		}
		if len(bc.IgnoreConfigs) > 0 {
			b.WriteString("  ignoreConfigs:\n")
			for _, k := range bc.IgnoreConfigs {
				why := "not in kgitops' table: list it in extraBrokerConfigKeys of a Settings document to manage it"
				if _, secret := bc.Secrets[k]; secret {
					why = "sensitive: see above"
				}
				fmt.Fprintf(&b, "    - %s # %s\n", yamlString(k), why)
			}
		}
		files = append(files, File{Path: uniquePath(seen, filepath.Join("brokers", fileName(bc.Name))), Data: []byte(b.String())})
	}
	return files
}
