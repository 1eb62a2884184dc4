package reconcile

import (
	"encoding/binary"
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// overridesRequest is a DescribeConfigsRequest whose response keeps, of
// each resource's configs, only the overrides set on the resource itself
// (source DYNAMIC_TOPIC_CONFIG, with a value). A real broker answers with
// every config of a topic, defaults included: 33 per topic on Kafka 4.1,
// about 5 KB per topic once decoded, 50 MB for 10,000 topics, of which a
// plan keeps the few overrides. The response is read as it is decoded and
// the rest is never allocated.
//
// franz-go sends a request type it does not know to any broker, which is
// where a topic's configs can be read (it shards only its own
// DescribeConfigsRequest); kgo's own fetch request is such a type too.
type overridesRequest struct {
	*kmsg.DescribeConfigsRequest
}

func (r overridesRequest) ResponseKind() kmsg.Response {
	resp := &overridesResponse{}
	resp.Default()
	resp.Version = r.Version
	return resp
}

// overridesResponse is the DescribeConfigsResponse of an overridesRequest.
type overridesResponse struct {
	kmsg.DescribeConfigsResponse
}

func (r *overridesResponse) RequestKind() kmsg.Request {
	return overridesRequest{&kmsg.DescribeConfigsRequest{Version: r.Version}}
}

func (r *overridesResponse) ReadFrom(src []byte) error {
	return r.readOverrides(src)
}

func (r *overridesResponse) UnsafeReadFrom(src []byte) error {
	return r.readOverrides(src)
}

var errShortResponse = errors.New("DescribeConfigs response: not enough data")

// readOverrides decodes a DescribeConfigsResponse of r.Version (0 to 4,
// flexible from 4) as kmsg does, keeping only the overrides
// (DYNAMIC_TOPIC_CONFIG with a value), without their synonyms, documentation or unknown tags.
func (r *overridesResponse) readOverrides(src []byte) error {
	version := r.Version
	flexible := version >= 4
	b := &wire{src: src}
	r.Resources = nil
	r.ThrottleMillis = b.int32()
	n := b.arrayLen(flexible)
	for range n {
		if b.bad {
			break
		}
		var res kmsg.DescribeConfigsResponseResource
		res.Default()
		res.ErrorCode = b.int16()
		res.ErrorMessage = b.nullableString(flexible)
		res.ResourceType = kmsg.ConfigResourceType(b.int8())
		res.ResourceName = b.string(flexible)
		configs := b.arrayLen(flexible)
		for range configs {
			if b.bad {
				break
			}
			name := b.span(b.strLen(flexible))
			value, null := b.nullableSpan(flexible)
			readOnly := b.bool()
			if version == 0 {
				b.bool() // IsDefault
			}
			source := kmsg.ConfigSource(-1)
			if version >= 1 {
				source = kmsg.ConfigSource(b.int8())
			}
			sensitive := b.bool()
			if version >= 1 {
				synonyms := b.arrayLen(flexible)
				for range synonyms {
					if b.bad {
						break
					}
					b.span(b.strLen(flexible))
					b.nullableSpan(flexible)
					b.int8()
					if flexible {
						b.skipTags()
					}
				}
			}
			configType := kmsg.ConfigType(0)
			if version >= 3 {
				configType = kmsg.ConfigType(b.int8())
				b.nullableSpan(flexible) // Documentation
			}
			if flexible {
				b.skipTags()
			}
			if b.bad || null || source != kmsg.ConfigSourceDynamicTopicConfig {
				continue // what describeTopicOverrides would leave out
			}
			c := kmsg.NewDescribeConfigsResponseResourceConfig()
			c.Name, c.Value = string(name), kmsg.StringPtr(string(value))
			c.ReadOnly, c.Source, c.IsSensitive, c.ConfigType = readOnly, source, sensitive, configType
			res.Configs = append(res.Configs, c)
		}
		if flexible {
			b.skipTags()
		}
		r.Resources = append(r.Resources, res)
	}
	if flexible {
		b.skipTags()
	}
	if b.bad {
		return errShortResponse
	}
	return nil
}

// wire reads Kafka's primitive types; a read past the end sets bad and
// returns zero values from then on.
type wire struct {
	src []byte
	bad bool
}

func (b *wire) take(n int) []byte {
	if b.bad || n < 0 || len(b.src) < n {
		b.bad, b.src = true, nil
		return nil
	}
	out := b.src[:n:n]
	b.src = b.src[n:]
	return out
}

func (b *wire) int8() int8 {
	p := b.take(1)
	if p == nil {
		return 0
	}
	return int8(p[0])
}

func (b *wire) bool() bool { return b.int8() != 0 }

func (b *wire) int16() int16 {
	p := b.take(2)
	if p == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(p))
}

func (b *wire) int32() int32 {
	p := b.take(4)
	if p == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(p))
}

func (b *wire) uvarint() int {
	if b.bad {
		return 0
	}
	v, n := binary.Uvarint(b.src)
	if n <= 0 || v > 1<<31-1 {
		b.bad, b.src = true, nil
		return 0
	}
	b.src = b.src[n:]
	return int(v)
}

// arrayLen reads an array's length; a null array is empty. A length
// longer than the bytes left is bad: every element takes a byte at least.
func (b *wire) arrayLen(flexible bool) int {
	var n int
	if flexible {
		n = b.uvarint() - 1
	} else {
		n = int(b.int32())
	}
	if n > len(b.src) {
		b.bad, b.src = true, nil
		return 0
	}
	return max(n, 0)
}

// strLen reads a non-null string's length.
func (b *wire) strLen(flexible bool) int {
	if flexible {
		return b.uvarint() - 1
	}
	return int(b.int16())
}

func (b *wire) string(flexible bool) string { return string(b.span(b.strLen(flexible))) }

func (b *wire) span(n int) []byte { return b.take(n) }

// nullableSpan reads a nullable string's bytes, and whether it is null.
func (b *wire) nullableSpan(flexible bool) ([]byte, bool) {
	n := b.strLen(flexible)
	if n < 0 && !b.bad {
		return nil, true
	}
	return b.take(n), false
}

func (b *wire) nullableString(flexible bool) *string {
	p, null := b.nullableSpan(flexible)
	if null || b.bad {
		return nil
	}
	s := string(p)
	return &s
}

// skipTags skips a flexible message's tagged fields.
func (b *wire) skipTags() {
	for range b.uvarint() {
		if b.bad {
			return
		}
		b.uvarint() // the tag
		b.take(b.uvarint())
	}
}
