package tail

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// From is where tailing starts in each partition.
type From struct {
	kind   fromKind
	offset int64     // fromOffset: the offset; fromLast: N
	at     time.Time // fromTime
}

type fromKind int

const (
	fromEnd fromKind = iota
	fromBeginning
	fromOffset
	fromLast
	fromTime
)

// The two ends, as values.
var (
	Beginning = From{kind: fromBeginning}
	End       = From{kind: fromEnd}
)

// ParseFrom reads --from: beginning, end, an offset, -N (the last N
// records of each partition) or an RFC 3339 time (the first record at or
// after it).
func ParseFrom(s string) (From, error) {
	switch strings.ToLower(s) {
	case "beginning", "start", "earliest":
		return Beginning, nil
	case "end", "latest":
		return End, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return From{kind: fromLast, offset: -n}, nil
		}
		return From{kind: fromOffset, offset: n}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return From{kind: fromTime, at: t}, nil
	}
	return From{}, fmt.Errorf("--from %q: want beginning, end, an offset (42), the last N records of each partition (-10) or an RFC 3339 time (2026-12-04T10:00:00Z)", s)
}

func (f From) String() string {
	switch f.kind {
	case fromBeginning:
		return "beginning"
	case fromOffset:
		return strconv.FormatInt(f.offset, 10)
	case fromLast:
		return "-" + strconv.FormatInt(f.offset, 10)
	case fromTime:
		return f.at.Format(time.RFC3339Nano)
	}
	return "end"
}

// startIn returns the offset to start at in a partition whose log runs
// from start to end; at is the ListOffsets answer for a time, when From is
// one.
func (f From) startIn(start, end, at int64) int64 {
	var o int64
	switch f.kind {
	case fromBeginning:
		o = start
	case fromEnd:
		o = end
	case fromOffset:
		o = f.offset
	case fromLast:
		o = end - f.offset
	case fromTime:
		o = at
	}
	return min(max(o, start), end)
}
