// Package tail reads a topic's records from where the user asks, without
// reading the logs up to there, and makes them readable: it seeks with
// ListOffsets (by timestamp for a time, end minus N for the last N), reads
// the partitions directly, decodes keys and values with the payload
// package, filters them (--grep, --where) and prints them as text or JSON
// lines.
//
// It deliberately never joins a consumer group and never commits an
// offset, so tailing a topic leaves no trace on the cluster.
package tail

import (
	"context"
	"encoding/hex"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/payload"
)

// Record is a Kafka record made readable.
type Record struct {
	Partition int32
	Offset    int64
	Timestamp time.Time
	Key       payload.Decoded
	Headers   []Header
	Value     payload.Decoded
}

// Header is a record header, its value as text (UTF-8) or hex.
type Header struct {
	Key   string
	Value string
	Hex   bool // Value is the hex of bytes that are not UTF-8
}

// Decode makes r readable with d.
func Decode(ctx context.Context, d *payload.Decoder, r *kgo.Record) Record {
	out := Record{
		Partition: r.Partition,
		Offset:    r.Offset,
		Timestamp: r.Timestamp,
		Key:       d.Decode(ctx, r.Key),
		Value:     d.Decode(ctx, r.Value),
	}
	for _, h := range r.Headers {
		if utf8.Valid(h.Value) {
			out.Headers = append(out.Headers, Header{Key: h.Key, Value: string(h.Value)})
		} else {
			out.Headers = append(out.Headers, Header{Key: h.Key, Value: hex.EncodeToString(h.Value), Hex: true})
		}
	}
	return out
}
