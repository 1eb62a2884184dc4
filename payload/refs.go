package payload

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// reference is one schema a schema refers to, by the name it uses.
type reference struct {
	name   string // the import path, the Avro full name, or the $ref URL
	schema sr.Schema
}

// maxReferenceDepth bounds how deep references nest, against cycles.
const maxReferenceDepth = 32

// resolveReferences reads, depth first, every schema that refs name and
// the ones those name in turn: each before the schemas that refer to it,
// each once. An unreachable registry is a lookupError (asked again later).
func resolveReferences(ctx context.Context, cl *sr.Client, refs []sr.SchemaReference) ([]reference, error) {
	var out []reference
	seen := map[string]bool{}
	var walk func(refs []sr.SchemaReference, depth int) error
	walk = func(refs []sr.SchemaReference, depth int) error {
		if depth > maxReferenceDepth {
			return fmt.Errorf("references nest more than %d deep", maxReferenceDepth)
		}
		for _, ref := range refs {
			key := fmt.Sprintf("%s\x00%s\x00%d", ref.Name, ref.Subject, ref.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			ss, err := cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
			if err != nil {
				if notFound(err) {
					return fmt.Errorf("reference %s: subject %q has no version %d", ref.Name, ref.Subject, ref.Version)
				}
				return &lookupError{fmt.Errorf("reference %s (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)}
			}
			if err := walk(ss.References, depth+1); err != nil {
				return err
			}
			out = append(out, reference{name: ref.Name, schema: ss.Schema})
		}
		return nil
	}
	return out, walk(refs, 0)
}

// parseAvro parses text after the named types its references define.
func parseAvro(text string, refs []reference) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	for _, r := range refs {
		if _, err := avro.ParseWithCache(r.schema.Schema, "", cache); err != nil {
			return nil, fmt.Errorf("reference %s: %w", r.name, err)
		}
	}
	return avro.ParseWithCache(text, "", cache)
}

// referenceSources maps each reference's name to its text, for the
// Protobuf compiler's imports and the JSON Schema compiler's resources.
func referenceSources(refs []reference) (map[string]string, error) {
	out := map[string]string{}
	for _, r := range refs {
		if r.name == protoFile || strings.TrimSpace(r.name) == "" {
			return nil, errors.New("a reference has no usable name: " + fmt.Sprintf("%q", r.name))
		}
		out[r.name] = r.schema.Schema
	}
	return out, nil
}
