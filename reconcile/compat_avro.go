package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/spec"
)

// checkedLocally prefixes the verdict of a compatibility check kgitops
// made itself, so that the plan says who judged.
const checkedLocally = "checked by kgitops, as the registry cannot check an Avro schema with references"

// registryCannotCheck says whether the registry refused to check a schema
// it would register: Apicurio 3.0 answers every compatibility check of an
// Avro schema with references with 422 "invalid Avro schema", as it does
// not resolve the references there (it does when registering).
func registryCannotCheck(err error, want spec.Schema) bool {
	var re *sr.ResponseError
	return want.Type == spec.SchemaAvro && len(want.References) > 0 &&
		errors.As(err, &re) && re.StatusCode == http.StatusUnprocessableEntity
}

// checkAvroLocally checks, as the registry would, whether the repo's Avro
// schema may follow the subject's versions under the subject's level
// (its own, else the global one): with its references resolved from the
// registry, against the latest version, or against every version for a
// transitive level. It costs one request for the level, one per
// referenced version, and one per older version for a transitive level.
func checkAvroLocally(ctx context.Context, cl *sr.Client, want spec.Schema, latest LiveSubject) (sr.CheckCompatibilityResult, error) {
	res := cl.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), latest.Subject)
	if err := res[0].Err; err != nil {
		return sr.CheckCompatibilityResult{}, fmt.Errorf("read the compatibility level of subject %q: %w", latest.Subject, err)
	}
	level := res[0].Level.String()
	if level == "NONE" {
		return sr.CheckCompatibilityResult{Is: true}, nil
	}
	r := avroResolver{ctx: ctx, cl: cl, texts: map[string]sr.SubjectSchema{}}
	next, err := r.parse(want.Text, want.References)
	if err != nil {
		return sr.CheckCompatibilityResult{}, fmt.Errorf("resolve the references of subject %q: %w", latest.Subject, err)
	}
	versions := []sr.SubjectSchema{{Subject: latest.Subject, Version: latest.Version, Schema: registrySchema(spec.Schema{Type: spec.SchemaAvro, Text: latest.Schema, References: latest.References})}}
	if strings.HasSuffix(level, "_TRANSITIVE") {
		all, err := cl.SubjectVersions(ctx, latest.Subject)
		if err != nil {
			return sr.CheckCompatibilityResult{}, fmt.Errorf("list the versions of subject %q: %w", latest.Subject, err)
		}
		for _, v := range all {
			if v == latest.Version {
				continue
			}
			ss, err := r.version(latest.Subject, v)
			if err != nil {
				return sr.CheckCompatibilityResult{}, err
			}
			versions = append(versions, ss)
		}
	}
	var messages []string
	for _, v := range versions {
		old, err := r.parse(v.Schema.Schema, liveRefs(v.References))
		if err != nil {
			return sr.CheckCompatibilityResult{}, fmt.Errorf("version %d of subject %q: %w", v.Version, latest.Subject, err)
		}
		for _, m := range avroIncompatible(level, next, old) {
			messages = append(messages, fmt.Sprintf("%s: against version %d: %s", checkedLocally, v.Version, m))
		}
	}
	return sr.CheckCompatibilityResult{Is: len(messages) == 0, Messages: messages}, nil
}

// avroIncompatible lists why next may not follow old under level: it must
// read old's records (BACKWARD), old must read its records (FORWARD), or
// both (FULL).
func avroIncompatible(level string, next, old avro.Schema) []string {
	var out []string
	base := strings.TrimSuffix(level, "_TRANSITIVE")
	if base == "BACKWARD" || base == "FULL" {
		if err := avro.NewSchemaCompatibility().Compatible(next, old); err != nil {
			out = append(out, "the new schema cannot read records written with the old one: "+err.Error())
		}
	}
	if base == "FORWARD" || base == "FULL" {
		if err := avro.NewSchemaCompatibility().Compatible(old, next); err != nil {
			out = append(out, "the old schema cannot read records written with the new one: "+err.Error())
		}
	}
	return out
}

// avroResolver parses Avro schemas with their references, reading each
// referenced version from the registry once.
type avroResolver struct {
	ctx   context.Context
	cl    *sr.Client
	texts map[string]sr.SubjectSchema // subject@version
}

func (r *avroResolver) version(subject string, v int) (sr.SubjectSchema, error) {
	key := fmt.Sprintf("%s@%d", subject, v)
	if ss, ok := r.texts[key]; ok {
		return ss, nil
	}
	ss, err := r.cl.SchemaByVersion(r.ctx, subject, v)
	if err != nil {
		return ss, fmt.Errorf("read version %d of subject %q: %w", v, subject, err)
	}
	r.texts[key] = ss
	return ss, nil
}

// parse parses text after its references (depth first), in a cache of
// its own so that two versions of one named type do not meet.
func (r *avroResolver) parse(text string, refs []spec.SchemaReference) (avro.Schema, error) {
	cache := &avro.SchemaCache{}
	seen := map[string]bool{}
	var add func(refs []spec.SchemaReference, depth int) error
	add = func(refs []spec.SchemaReference, depth int) error {
		if depth > 32 {
			return errors.New("references nest more than 32 deep")
		}
		for _, ref := range refs {
			key := fmt.Sprintf("%s@%d", ref.Subject, ref.Version)
			if seen[key] {
				continue
			}
			seen[key] = true
			ss, err := r.version(ref.Subject, ref.Version)
			if err != nil {
				return err
			}
			if err := add(liveRefs(ss.References), depth+1); err != nil {
				return err
			}
			if _, err := avro.ParseWithCache(ss.Schema.Schema, "", cache); err != nil {
				return fmt.Errorf("reference %s (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)
			}
		}
		return nil
	}
	if err := add(refs, 0); err != nil {
		return nil, err
	}
	return avro.ParseWithCache(text, "", cache)
}

func liveRefs(refs []sr.SchemaReference) []spec.SchemaReference {
	out := make([]spec.SchemaReference, len(refs))
	for i, r := range refs {
		out[i] = spec.SchemaReference{Name: r.Name, Subject: r.Subject, Version: r.Version}
	}
	return out
}
