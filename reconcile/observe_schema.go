package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/spec"
)

// schemaConcurrency bounds the requests to the registry in flight.
const schemaConcurrency = 8

// LiveSubject is one registry subject as observed: its latest version
// (none when Version is 0), its own compatibility level ("" when it has
// none), and, for a declared schema that differs, the registry's verdict
// on the repo's schema.
type LiveSubject struct {
	Subject    string
	Version    int
	ID         int
	Type       string
	Schema     string
	References []spec.SchemaReference
	Level      string
	// Check is the registry's compatibility check of the repo's schema
	// against the latest version; nil when not asked.
	Check *sr.CheckCompatibilityResult
}

// liveSchemas is the Schema kind's part of Live, by subject.
type liveSchemas map[string]LiveSubject

func schemasOf(live *Live) liveSchemas {
	s, _ := live.Parts[KindSchema].(liveSchemas)
	return s
}

// observeSchemas reads the latest version of every declared subject and
// of every subject the inventory holds (all of them for an export),
// concurrently and bounded: one request each, two when the repo declares
// the subject's level. A declared schema that differs from the latest
// version costs one more: the registry's compatibility check.
func observeSchemas(ctx context.Context, b Backends, live *Live, all bool) error {
	cl, err := backend[*sr.Client](b, BackendSchemaRegistry)
	if err != nil && all {
		return nil // an export without a registry exports no schemas
	}
	if err != nil {
		return fmt.Errorf("the repo declares Schema documents but no schema registry is configured: give --schema-registry or set KGITOPS_SCHEMA_REGISTRY_URL")
	}
	want := map[string]*spec.Schema{}
	if live.desired != nil {
		for i := range live.desired.Schemas {
			want[live.desired.Schemas[i].Subject] = &live.desired.Schemas[i]
		}
	}
	subjects := sortedKeys(want)
	for _, s := range live.Inventory.created(KindSchema) {
		if _, ok := want[s]; !ok {
			subjects = append(subjects, s)
		}
	}
	if all {
		got, err := cl.Subjects(ctx)
		if err != nil {
			return fmt.Errorf("list registry subjects: %w", err)
		}
		for _, s := range got {
			if !slices.Contains(subjects, s) {
				subjects = append(subjects, s)
			}
		}
	}
	out := liveSchemas{}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, schemaConcurrency)
	)
	for _, subject := range subjects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ls, err := observeSubject(ctx, cl, subject, want[subject], all)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[subject] = ls
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	setPart(live, KindSchema, out)
	return nil
}

// observeSubject reads one subject: its latest version, its level when
// the repo declares one (or for an export), and the registry's
// compatibility check when the repo's schema differs.
func observeSubject(ctx context.Context, cl *sr.Client, subject string, want *spec.Schema, all bool) (LiveSubject, error) {
	ls := LiveSubject{Subject: subject}
	ss, err := cl.SchemaByVersion(ctx, subject, -1)
	switch {
	case registryNotFound(err):
	case err != nil:
		return ls, fmt.Errorf("read subject %q: %w", subject, err)
	default:
		ls.Version, ls.ID, ls.Schema = ss.Version, ss.ID, ss.Schema.Schema
		ls.Type = schemaTypeName(ss.Type)
		if len(ss.References) > 0 {
			ls.References = liveRefs(ss.References)
		}
	}
	if ls.Version > 0 && (all || want != nil && want.Compatibility != "") {
		res := cl.Compatibility(ctx, subject)
		if e := res[0].Err; e != nil && !registryNotFound(e) {
			return ls, fmt.Errorf("read the compatibility level of subject %q: %w", subject, e)
		} else if e == nil {
			ls.Level = res[0].Level.String()
		}
	}
	if want != nil && ls.Version > 0 && !sameSchema(*want, ls) {
		ctx := sr.WithParams(ctx, sr.Verbose)
		check, err := cl.CheckCompatibility(ctx, subject, -1, registrySchema(*want))
		if registryCannotCheck(err, *want) {
			check, err = checkAvroLocally(ctx, cl, *want, ls)
		}
		if err != nil {
			return ls, fmt.Errorf("check the compatibility of subject %q: %w", subject, err)
		}
		ls.Check = &check
	}
	return ls, nil
}

// registryNotFound says whether err is the registry saying it has no such
// subject or version, or no level of its own.
func registryNotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

func schemaTypeName(t sr.SchemaType) string {
	switch t {
	case sr.TypeProtobuf:
		return spec.SchemaProtobuf
	case sr.TypeJSON:
		return spec.SchemaJSON
	}
	return spec.SchemaAvro
}

func registrySchema(s spec.Schema) sr.Schema {
	out := sr.Schema{Schema: s.Text}
	switch s.Type {
	case spec.SchemaProtobuf:
		out.Type = sr.TypeProtobuf
	case spec.SchemaJSON:
		out.Type = sr.TypeJSON
	default:
		out.Type = sr.TypeAvro
	}
	for _, r := range s.References {
		out.References = append(out.References, sr.SchemaReference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	return out
}
