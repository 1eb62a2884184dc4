package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file describes the documents the loader reads as one JSON Schema
// (draft 2020-12), so that an editor running the YAML language server
// validates and completes kgitops files while they are typed. It is built
// from the loader's own tables: the kinds, the topic config keys with their
// types and ranges, the operations of each resource type, the built-in
// roles, the quota keys and the SCRAM bounds.
//
// The loader stays the judge. The schema accepts every document the loader
// accepts on its own, and rejects what one document shows to be wrong,
// except what only `kgitops validate` can tell:
//
//   - anything that spans documents: a name declared twice, topic names that
//     collide, whether a RoleBinding's Role exists and what it needs, config
//     keys that Settings.extraConfigKeys allows (so any key is allowed, and
//     the two keys Kafka 4.0 removed are only marked deprecated), quota
//     entities with two quotas;
//   - the range of a number written in quotes ("0" for partitions) or with
//     a unit (a throttle of 8388608TiB), a size that is not a whole number
//     of bytes (0.5B), and a whole number written as 1e3, 1_000 or 0x10,
//     which JSON cannot tell from 1000 or 16;
//   - duplicates written in two spellings ([read, READ], or a broker id
//     as [1, "1"]), and a config key both set and ignored on one topic;
//   - whether a static placement has one replica list per partition, each
//     as long as the replication factor: either may come from a profile;
//   - a principal type in the wrong case (user:alice), an IPv4 address
//     written as IPv6 in an ACL's host, a quota's IPv6 address (only its
//     characters are checked), and "*" among the items of a replica list;
//   - non-ASCII letters that Go's case folding equates with ASCII ones
//     (the Kelvin sign K for k): the schema's patterns spell ASCII only.
//
// Words the loader reads in any case (operations, resource types, pattern
// types, permissions, SCRAM mechanisms, booleans) are an anyOf: an enum of
// the usual spellings, which editors offer as completions, or a pattern that
// spells the words letter by letter in both cases, [Rr][Ee][Aa][Dd], with
// [_-]* wherever the loader ignores '_' and '-'. JSON Schema patterns are
// ECMA-262 regular expressions, which have no (?i); every pattern here is
// also valid RE2, so Go validators compile it too.
//
// Scalars the loader reads as the text written (names, labels) accept
// strings, numbers and booleans alike; whole numbers accept a YAML integer
// or a quoted decimal, as the loader does.

// schema is one JSON Schema object. Its fields are in the order a person
// reads a schema; never makes it the schema false, which nothing matches.
type schema struct {
	Schema           string             `json:"$schema,omitempty"`
	Ref              string             `json:"$ref,omitempty"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description,omitempty"`
	Deprecated       bool               `json:"deprecated,omitempty"`
	Type             any                `json:"type,omitempty"` // a name or a list of names
	Const            any                `json:"const,omitempty"`
	Enum             []any              `json:"enum,omitempty"`
	Examples         []string           `json:"examples,omitempty"`
	Pattern          string             `json:"pattern,omitempty"`
	MinLength        int                `json:"minLength,omitempty"`
	MaxLength        int                `json:"maxLength,omitempty"`
	Minimum          json.Number        `json:"minimum,omitempty"`
	ExclusiveMinimum json.Number        `json:"exclusiveMinimum,omitempty"`
	Maximum          json.Number        `json:"maximum,omitempty"`
	Required         []string           `json:"required,omitempty"`
	Properties       props              `json:"properties,omitempty"`
	PropertyNames    *schema            `json:"propertyNames,omitempty"`
	PatternProps     props              `json:"patternProperties,omitempty"`
	AdditionalProps  *schema            `json:"additionalProperties,omitempty"`
	MinProperties    int                `json:"minProperties,omitempty"`
	MaxProperties    int                `json:"maxProperties,omitempty"`
	Items            *schema            `json:"items,omitempty"`
	MinItems         int                `json:"minItems,omitempty"`
	UniqueItems      bool               `json:"uniqueItems,omitempty"`
	AnyOf            []*schema          `json:"anyOf,omitempty"`
	OneOf            []*schema          `json:"oneOf,omitempty"`
	AllOf            []*schema          `json:"allOf,omitempty"`
	Not              *schema            `json:"not,omitempty"`
	If               *schema            `json:"if,omitempty"`
	Then             *schema            `json:"then,omitempty"`
	Else             *schema            `json:"else,omitempty"`
	Defs             map[string]*schema `json:"$defs,omitempty"`

	never bool
	raw   json.RawMessage // a schema given whole, by a kind added with Register
}

// prop is one entry of properties; props keeps them in declaration order.
type prop struct {
	name string
	s    *schema
}

type props []prop

// never is the schema false: a property that must not be given.
func never() *schema { return &schema{never: true} }

func (s *schema) MarshalJSON() ([]byte, error) {
	if s.never {
		return []byte("false"), nil
	}
	if s.raw != nil {
		return s.raw, nil
	}
	type plain schema
	return marshal((*plain)(s))
}

func (ps props) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(p.name)
		if err != nil {
			return nil, err
		}
		v, err := p.s.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping, so that "<default>"
// stays readable.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// JSONSchemaDialect is the JSON Schema draft JSONSchema writes.
const JSONSchemaDialect = "https://json-schema.org/draft/2020-12/schema"

// Kinds returns the kinds the loader reads, sorted.
func Kinds() []string { return kindNames() }

// JSONSchema returns the JSON Schema (draft 2020-12) of the documents
// kgitops reads, indented, ending in a newline. With kind "" its root is a
// oneOf over every kind, told apart by "kind"; with a kind, such as Topic,
// it is that kind's schema alone. See the top of schema.go for what the
// schema checks and what only the loader does.
func JSONSchema(kind string) ([]byte, error) {
	defs := schemaDefs()
	var root *schema
	if kind == "" {
		root = &schema{
			Title: "kgitops document",
			Description: "A document of a kgitops repo: " + strings.Join(kindNames(), ", ") +
				". `kgitops validate` also checks what spans documents, such as names declared twice.",
			// An empty document, between two "---" or in an empty file, is
			// null: kgitops skips it, and the editor should not flag it.
			Type:     []string{"object", "null"},
			Required: []string{"apiVersion", "kind", "metadata"},
			Properties: props{
				{"apiVersion", ref("apiVersion", "")},
				{"kind", &schema{Description: "What the document declares.", Enum: strs(kindNames())}},
			},
		}
		root.OneOf = []*schema{{Description: "An empty document, which kgitops skips.", Type: "null"}}
		for _, k := range kindNames() {
			root.OneOf = append(root.OneOf, ref(k, ""))
		}
	} else {
		d, ok := defs[kind]
		if _, isKind := kindNamed(kind); !ok || !isKind {
			hint := "kinds: " + strings.Join(kindNames(), ", ")
			if s := suggestHint(kind, kindNames(), ""); s != "" {
				hint = s + " " + hint
			}
			return nil, fmt.Errorf("unknown kind %q (%s)", kind, hint)
		}
		c := *d
		root = &c
		delete(defs, kind)
	}
	root.Schema = JSONSchemaDialect
	root.Defs = reachable(root, defs)
	out, err := marshal(root)
	if err != nil {
		return nil, fmt.Errorf("encode the schema: %w", err)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, out, "", "  "); err != nil {
		return nil, fmt.Errorf("indent the schema: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// reachable returns the definitions root refers to, directly or not.
func reachable(root *schema, defs map[string]*schema) map[string]*schema {
	out := map[string]*schema{}
	var walk func(s *schema)
	walk = func(s *schema) {
		if s == nil {
			return
		}
		if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
			if _, seen := out[name]; !seen {
				out[name] = defs[name]
				walk(defs[name])
			}
		}
		for _, p := range slices.Concat(s.Properties, s.PatternProps) {
			walk(p.s)
		}
		for _, c := range slices.Concat(s.AnyOf, s.OneOf, s.AllOf,
			[]*schema{s.PropertyNames, s.AdditionalProps, s.Items, s.Not, s.If, s.Then, s.Else}) {
			walk(c)
		}
	}
	walk(root)
	return out
}

func ref(name, desc string) *schema { return &schema{Ref: "#/$defs/" + name, Description: desc} }

// object is a mapping with the given fields only, as the loader's fields
// reads it.
func object(desc string, required []string, ps ...prop) *schema {
	return &schema{Description: desc, Type: "object", Required: required, Properties: ps, AdditionalProps: never()}
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// textTypes are the JSON types of a YAML scalar that the loader reads as
// the text written, such as a name: `name: 2024` is the name "2024".
var textTypes = []string{"string", "number", "boolean"}

func text(desc string) *schema { return &schema{Description: desc, Type: textTypes, MinLength: 1} }

// anyCase spells word for a pattern in any case, one ASCII letter at a
// time: read is [Rr][Ee][Aa][Dd]. With squashed, '_' and '-' may come
// anywhere, as squash ignores them.
func anyCase(word string, squashed bool) string {
	var b strings.Builder
	gap := ""
	if squashed {
		word, gap = squash(word), "[_-]*"
	}
	for i, r := range word {
		if i > 0 {
			b.WriteString(gap)
		}
		lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
		if lo != up && r < 128 {
			b.WriteString("[" + up + lo + "]")
		} else {
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// wordsPattern matches one of words in any case, and with squashed in any
// of the spellings squash folds together.
func wordsPattern(words []string, squashed bool) string {
	alts := make([]string, len(words))
	for i, w := range words {
		alts[i] = anyCase(w, squashed)
	}
	if squashed {
		return "^[_-]*(" + strings.Join(alts, "|") + ")[_-]*$"
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}

// keyword is a word the loader reads in several spellings: one of the
// usual ones, which editors offer, or any other that pattern matches.
func keyword(desc string, usual []string, pattern string) *schema {
	return &schema{Description: desc, AnyOf: []*schema{{Enum: strs(usual)}, {Type: "string", Pattern: pattern}}}
}

// spellings lists Kafka's name of each word, then how the README writes
// it (describeConfigs), then kebab case (describe-configs), without repeats.
func spellings(kafka []string) []string {
	var out []string
	for _, like := range []string{"X_X", "x", "x-x"} {
		for _, w := range kafka {
			if s := spellLike(w, like); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// boolean is true or false, as a YAML boolean or as text in any case.
func boolean(desc string, trim bool) *schema {
	p := wordsPattern([]string{"true", "false"}, false)
	if trim {
		p = `^\s*` + strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$") + `\s*$`
	}
	return &schema{Description: desc, Type: []string{"boolean", "string"}, Pattern: p}
}

// inner returns the pattern of re without its anchors, to build on it.
func inner(re *regexp.Regexp) string {
	return strings.TrimSuffix(strings.TrimPrefix(re.String(), "^"), "$")
}

// wholeNumber is a YAML integer within r, or one written in quotes (with
// spaces around it when trim, as config values may have).
func wholeNumber(desc string, r intRange, trim bool) *schema {
	p := `^[+-]?[0-9]+$`
	if trim {
		p = `^\s*[+-]?[0-9]+\s*$`
	}
	s := &schema{Description: desc, Type: []string{"integer", "string"}, Pattern: p}
	bounds := &schema{Minimum: num(r.lo), Maximum: num(r.hi)}
	if len(r.also) == 0 {
		s.Minimum, s.Maximum = bounds.Minimum, bounds.Maximum
		return s
	}
	s.AnyOf = []*schema{bounds, {Enum: ints(r.also)}}
	return s
}

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func ints(ns []int64) []any {
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = n
	}
	return out
}

// rangeText says which whole numbers r allows, in words.
func rangeText(r intRange) string {
	typeLo, typeHi := -int64(1)<<(r.bits-1), int64(1)<<(r.bits-1)-1
	text := fmt.Sprintf("from %d to %d", r.lo, r.hi)
	switch {
	case r.lo == typeLo && r.hi == typeHi:
		text = "any"
	case r.hi == typeHi:
		text = fmt.Sprintf("at least %d", r.lo)
	}
	for _, v := range slices.Backward(r.also) {
		text = fmt.Sprintf("%d or %s", v, text)
	}
	return text
}

// Patterns of the values the loader checks by hand (aclvalues.go,
// names.go). The tests hold each against the function it mirrors.
const (
	topicChar = `[a-zA-Z0-9._-]`
	// topicName is ValidTopicName but for the length: not "." or "..".
	topicName = topicChar + `{3,}|[a-zA-Z0-9_-]` + topicChar + `?|\.[a-zA-Z0-9_-]`
	// reservedTopic is what Reserved reports.
	reservedTopic = `^(__|\.|_confluent-)|^_schemas$|(^|\.)heartbeats$|\.internal$|-(changelog|repartition)$|(^|-)connect-(offsets|configs|status)$`
	ipv4Octet     = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	ipv4          = ipv4Octet + `(\.` + ipv4Octet + `){3}`
	// javaIPv6 is an IPv6 address as Java writes it: eight groups of
	// lower-case hex digits without leading zeros.
	javaIPv6Group = `(0|[1-9a-f][0-9a-f]{0,3})`
	javaIPv6      = javaIPv6Group + `(:` + javaIPv6Group + `){7}`
	// principal is a type and a name, neither empty nor padded with spaces.
	principal = `^[^:\s]([^:]*[^:\s])?:\S([\s\S]*\S)?$`
)

// configDocs says what each topic config key does, for an editor's hover;
// the schema adds what Kafka accepts from topicConfigs.
var configDocs = map[string]string{
	"cleanup.policy":                          "What happens to old segments: delete them after the retention, compact them to the latest value per key, or both.",
	"compression.type":                        "The compression of the topic's data on the broker; producer keeps what the producer sent.",
	"compression.gzip.level":                  "The gzip level, when compression.type is gzip.",
	"compression.lz4.level":                   "The lz4 level, when compression.type is lz4.",
	"compression.zstd.level":                  "The zstd level, when compression.type is zstd.",
	"delete.retention.ms":                     "How long delete markers (tombstones) stay on a compacted topic.",
	"file.delete.delay.ms":                    "How long to wait before a deleted segment's file is removed from disk.",
	"flush.messages":                          "Force an fsync after this many messages; normally left to the operating system.",
	"flush.ms":                                "Force an fsync after this many milliseconds; normally left to the operating system.",
	"follower.replication.throttled.replicas": `Replicas whose follower replication is throttled: partition:broker pairs, or "*" for all.`,
	"index.interval.bytes":                    "How many bytes apart the entries of the offset index are.",
	"leader.replication.throttled.replicas":   `Replicas whose leader replication is throttled: partition:broker pairs, or "*" for all.`,
	"local.retention.bytes":                   "With tiered storage: bytes a partition keeps on local disk (-2: as retention.bytes).",
	"local.retention.ms":                      "With tiered storage: how long segments stay on local disk (-2: as retention.ms).",
	"max.compaction.lag.ms":                   "The longest a message stays uncompacted.",
	"max.message.bytes":                       "The largest record batch the topic accepts.",
	"message.downconversion.enable":           "Whether the broker converts messages for old consumers (deprecated; Kafka 4 still accepts it).",
	"message.timestamp.after.max.ms":          "How far ahead of the broker's clock a message's timestamp may be.",
	"message.timestamp.before.max.ms":         "How far behind the broker's clock a message's timestamp may be.",
	"message.timestamp.type":                  "Whether a message's timestamp is the producer's (CreateTime) or the broker's (LogAppendTime).",
	"min.cleanable.dirty.ratio":               "How much of the log must be uncompacted before the cleaner compacts it.",
	"min.compaction.lag.ms":                   "The least time a message stays uncompacted.",
	"min.insync.replicas":                     "How many replicas must have a write for a producer with acks=all to succeed.",
	"preallocate":                             "Whether to preallocate the file of a new segment.",
	"remote.log.copy.disable":                 "With tiered storage: stop copying segments to remote storage.",
	"remote.log.delete.on.disable":            "With tiered storage: delete the remote data when remote storage is disabled.",
	"remote.storage.enable":                   "Whether the topic uses tiered storage.",
	"retention.bytes":                         "The most bytes a partition keeps before old segments are deleted (negative: no limit).",
	"retention.ms":                            "How long messages are kept before they are deleted (-1: no time limit).",
	"segment.bytes":                           "The size of a segment file (at least 1 MiB since Kafka 4.0).",
	"segment.index.bytes":                     "The size of a segment's offset index.",
	"segment.jitter.ms":                       "The most random time taken off segment.ms, so that segments do not all roll at once.",
	"segment.ms":                              "After how long a segment is rolled, even when it is not full.",
	"unclean.leader.election.enable":          "Whether a replica that is not in sync may become leader, losing messages.",
}

// quotaDocs says what each quota key limits.
var quotaDocs = map[string]string{
	"producer_byte_rate":       "Bytes per second the entity may produce, per broker.",
	"consumer_byte_rate":       "Bytes per second the entity may fetch, per broker.",
	"request_percentage":       "Percentage of a broker's network and I/O thread time the entity may use.",
	"controller_mutation_rate": "Partitions per second the entity may create or delete.",
	"connection_creation_rate": "New connections per second from the IP address.",
}
