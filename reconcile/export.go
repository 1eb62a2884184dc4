package reconcile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// ExportedFile is one file of an export: a path relative to the output
// folder and its YAML.
type ExportedFile struct {
	Path string
	Data []byte
}

// Export turns the live cluster into repo files: one Topic document per
// file, with only the topic's own overrides; one ACL document per
// principal; one Quota document per entity; and the SCRAM user names,
// commented out (see exportUsers). Internal and reserved topics are left
// out. Config keys that kgitops' table does not know are listed in a
// Settings document so that the export loads as it is. It is pure.
func Export(live *Live) []ExportedFile {
	names := make([]string, 0, len(live.Topics))
	for name, t := range live.Topics {
		if _, reserved := spec.Reserved(name); reserved || t.Internal {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	unknown := map[string]bool{}
	var files []ExportedFile
	for _, name := range names {
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
		files = append(files, ExportedFile{Path: filepath.Join("topics", name+".yaml"), Data: []byte(b.String())})
	}
	files = append(files, exportACLs(live.ACLs)...)
	files = append(files, exportQuotas(live.Quotas)...)
	files = append(files, exportUsers(live.Users)...)
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
