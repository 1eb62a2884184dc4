package reconcile

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// schemaFileBase is a file name for a subject.
func schemaFileBase(subject string) string {
	return strings.Trim(unsafeFileChars.ReplaceAllString(subject, "_"), ".")
}

func schemaExt(typ string) string {
	switch typ {
	case spec.SchemaProtobuf:
		return ".proto"
	case spec.SchemaJSON:
		return ".schema.json"
	}
	return ".avsc"
}

// exportSchemas writes each subject's latest schema to a file under
// schemas/, with a Schema document next to it that points at the file.
// A filter keeps the subjects whose names it matches (as adopt does), so
// that `--filter '^shop\.'` keeps shop.orders and shop.orders-value.
func exportSchemas(live *Live, opts ExportOptions) []ExportedFile {
	var files []ExportedFile
	ss := schemasOf(live)
	for _, subject := range sortedKeys(ss) {
		ls := ss[subject]
		if ls.Version == 0 || opts.Filter != nil && !opts.Filter.MatchString(subject) {
			continue
		}
		base := schemaFileBase(subject)
		file := base + schemaExt(ls.Type)
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Schema\nmetadata:\n  name: %s\nspec:\n  subject: %s\n  type: %s\n  schemaFile: %s\n",
			spec.APIVersion, yamlString(base), yamlString(subject), ls.Type, file)
		if len(ls.References) > 0 {
			b.WriteString("  references:\n")
			for _, r := range ls.References {
				fmt.Fprintf(&b, "    - {name: %s, subject: %s, version: %d}\n", yamlString(r.Name), yamlString(r.Subject), r.Version)
			}
		}
		if ls.Level != "" {
			fmt.Fprintf(&b, "  compatibility: %s\n", ls.Level)
		}
		text := ls.Schema
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		files = append(files,
			ExportedFile{Path: "schemas/" + base + ".yaml", Data: []byte(b.String())},
			ExportedFile{Path: "schemas/" + file, Data: []byte(text)})
	}
	return files
}

// yamlString quotes s for YAML when it needs it.
func yamlString(s string) string {
	if s != "" && !strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") && strings.TrimSpace(s) == s {
		return s
	}
	return fmt.Sprintf("%q", s)
}

func adoptSchemas(live *Live, _ ExportOptions) []ResourceKey {
	var keys []ResourceKey
	ss := schemasOf(live)
	for _, subject := range sortedKeys(ss) {
		if ss[subject].Version > 0 {
			keys = append(keys, ResourceKey{KindSchema, subject})
		}
	}
	return keys
}

// schemasFrom makes the schemas base declares live, as if applied, for
// the offline diff between git refs.
func schemasFrom(base *spec.State, live *Live) {
	ss := liveSchemas{}
	for _, sc := range base.Schemas {
		if spec.MarkedForDeletion(sc.Annotations) {
			continue // gone once base is applied
		}
		ss[sc.Subject] = LiveSubject{Subject: sc.Subject, Version: 1, Type: sc.Type, Schema: sc.Text, References: sc.References, Level: sc.Compatibility}
		live.own(KindSchema, sc.Subject, sc.Annotations)
	}
	setPart(live, KindSchema, ss)
}
