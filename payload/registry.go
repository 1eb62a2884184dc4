package payload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Registry looks schemas up in a schema registry that speaks the Confluent
// API, and caches what it finds (and which ids it does not know) for its
// lifetime: a registered schema never changes.
type Registry struct {
	cl *sr.Client

	mu      sync.Mutex
	byId    map[int]*cached
	unknown int // ids the registry said it does not know
}

// maxUnknown is how many ids the registry does not know a Registry asks
// about: past it, plain binary data that happens to start with a 0 byte
// (a big-endian long, most binary formats) would cost a lookup a record,
// so a new id is taken for plain data without asking.
const maxUnknown = 64

// retryAfter is how long a lookup that failed (the registry down, a 503,
// a timeout) is remembered before the id is asked about again.
var retryAfter = 5 * time.Second // a var for tests

// lookupTimeout bounds one id's lookups, whoever asked first.
const lookupTimeout = 10 * time.Second

// NewRegistry returns a Registry over cl.
func NewRegistry(cl *sr.Client) *Registry {
	return &Registry{cl: cl, byId: make(map[int]*cached)}
}

// cached is one schema id: its schema parsed once, or nil for an id the
// registry does not know.
type cached struct {
	mu       sync.Mutex
	loaded   bool      // the answer is final: a schema, or an id the registry does not know
	err      error     // a failure to reach the registry, or to parse the schema
	failedAt time.Time // when a failure to reach the registry happened: asked again after retryAfter
	known    bool
	id       int
	subject  string
	schema   sr.Schema

	refs []reference // the schemas it refers to, each before its users

	avro  avro.Schema
	proto protoreflect.FileDescriptor
	jsch  *jsonschema.Schema
}

// byID returns the schema with id, nil when the registry does not know it.
func (r *Registry) byID(ctx context.Context, id int) (*cached, error) {
	r.mu.Lock()
	c, ok := r.byId[id]
	if !ok {
		if r.unknown >= maxUnknown {
			r.mu.Unlock()
			return nil, nil // plain data: see maxUnknown
		}
		c = &cached{id: id}
		r.byId[id] = c
	}
	r.mu.Unlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded && (c.err == nil || time.Since(c.failedAt) >= retryAfter) {
		// Its own deadline: a caller that gives up must not fail the id
		// for every later record.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		c.err = c.load(lctx, r.cl)
		cancel()
		var unreachable *lookupError
		switch {
		case errors.As(c.err, &unreachable):
			c.failedAt = time.Now() // asked again later
		default:
			c.loaded = true // a schema, an unknown id, or a schema that does not parse: final
		}
		if c.loaded && c.err == nil && !c.known {
			r.mu.Lock()
			r.unknown++
			r.mu.Unlock()
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	if !c.known {
		return nil, nil
	}
	return c, nil
}

// lookupError is a failure to get an answer from the registry, which a
// later lookup may not meet.
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }
func (e *lookupError) Unwrap() error { return e.err }

func (c *cached) load(ctx context.Context, cl *sr.Client) error {
	s, err := cl.SchemaByID(ctx, c.id)
	if err != nil {
		if notFound(err) {
			return nil
		}
		return &lookupError{fmt.Errorf("schema id %d: %w", c.id, err)}
	}
	c.known, c.schema = true, s
	// The subject is for people; a registry that cannot say it still decodes.
	if vs, err := cl.SchemaVersionsByID(ctx, c.id); err == nil && len(vs) > 0 {
		c.subject = vs[0].Subject
	} else if subs, err := cl.SubjectsByID(ctx, c.id); err == nil && len(subs) > 0 {
		c.subject = subs[0]
	}
	if len(s.References) > 0 {
		if c.refs, err = resolveReferences(ctx, cl, s.References); err != nil {
			return fmt.Errorf("schema id %d: %w", c.id, err)
		}
	}
	return c.parse()
}

// parse compiles the schema text for its type.
func (c *cached) parse() error {
	sources, err := referenceSources(c.refs)
	switch {
	case err != nil:
	case c.schema.Type == sr.TypeAvro:
		c.avro, err = parseAvro(c.schema.Schema, c.refs)
	case c.schema.Type == sr.TypeProtobuf:
		c.proto, err = compileProto(c.schema.Schema, sources)
	case c.schema.Type == sr.TypeJSON:
		c.jsch, err = compileJSONSchema(c.schema.Schema, sources)
	default:
		err = fmt.Errorf("unknown schema type %v", c.schema.Type)
	}
	if err != nil {
		return fmt.Errorf("schema id %d (%s): %w", c.id, c.schema.Type, err)
	}
	return nil
}

// notFound reports whether err is the registry saying it has no such
// schema or subject.
func notFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// bySubject returns the schema registered under subject at version, or
// its latest version when version is -1.
func (r *Registry) bySubject(ctx context.Context, subject string, version int) (*cached, error) {
	ss, err := r.cl.SchemaByVersion(ctx, subject, version)
	if err != nil {
		v := strconv.Itoa(version)
		if version == -1 {
			v = "latest"
		}
		if notFound(err) {
			return nil, fmt.Errorf("the registry has no schema %s version %s", subject, v)
		}
		return nil, fmt.Errorf("schema %s version %s: %w", subject, v, err)
	}
	c, err := r.byID(ctx, ss.ID)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("schema %s version %d: the registry does not know its id %d", subject, ss.Version, ss.ID)
	}
	return c, nil
}

// ParseSubject splits SUBJECT[:VERSION] (VERSION a number or "latest")
// into the subject and the version, -1 for the latest.
func ParseSubject(s string) (string, int, error) {
	subject, v, ok := strings.Cut(s, ":")
	if i := strings.LastIndex(s, ":"); i >= 0 {
		subject, v, ok = s[:i], s[i+1:], true
		if _, err := strconv.Atoi(v); err != nil && v != "latest" {
			subject, v, ok = s, "", false // a colon inside the subject name
		}
	}
	if subject == "" {
		return "", 0, fmt.Errorf("%q: want SUBJECT[:VERSION]", s)
	}
	if !ok || v == "latest" {
		return subject, -1, nil
	}
	n, _ := strconv.Atoi(v)
	if n < 1 {
		return "", 0, fmt.Errorf("%q: the version must be 1 or more, or latest", s)
	}
	return subject, n, nil
}
