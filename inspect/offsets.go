package inspect

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrActiveGroup is returned for a reset of a group that has members.
var ErrActiveGroup = errors.New("the group has active members")

// Where a reset moves a group's offsets to.
const (
	ToEarliest = "earliest" // the log start offset
	ToLatest   = "latest"   // the log end offset
	ToOffset   = "offset"   // an offset, the same on every partition
	ToTime     = "time"     // the first offset at or after a time
	ToBack     = "back"     // N before the end
)

// Target is where a reset moves offsets to, as --to gives it.
type Target struct {
	Kind   string    `json:"kind"`
	Offset int64     `json:"offset,omitempty"` // ToOffset: the offset; ToBack: N
	Time   time.Time `json:"time,omitzero"`    // ToTime
}

// String is the target as --to takes it.
func (t Target) String() string {
	switch t.Kind {
	case ToOffset:
		return strconv.FormatInt(t.Offset, 10)
	case ToBack:
		return "-" + strconv.FormatInt(t.Offset, 10)
	case ToTime:
		return t.Time.Format(time.RFC3339)
	}
	return t.Kind
}

// ParseTarget reads --to: earliest, latest, an offset, an RFC 3339 time,
// or -N (N records before the end).
func ParseTarget(s string) (Target, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case ToEarliest:
		return Target{Kind: ToEarliest}, nil
	case ToLatest:
		return Target{Kind: ToLatest}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return Target{Kind: ToBack, Offset: -n}, nil
		}
		if strings.HasPrefix(s, "-") { // -0
			return Target{Kind: ToLatest}, nil
		}
		return Target{Kind: ToOffset, Offset: n}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Target{Kind: ToTime, Time: t}, nil
	}
	return Target{}, fmt.Errorf("--to %q: want earliest, latest, an offset (42), a time (2025-01-31T12:00:00Z) or -N (N before the end)", s)
}

// Reset is a reset of one group's offsets on one topic.
type Reset struct {
	Group    string     `json:"group"`
	Topic    string     `json:"topic"`
	To       string     `json:"to"`
	Executed bool       `json:"executed"`
	Rows     []ResetRow `json:"partitions"`
}

// ResetRow is one partition of a reset.
type ResetRow struct {
	Partition int32  `json:"partition"`
	Old       int64  `json:"old"` // -1: no committed offset
	New       int64  `json:"new"`
	Start     int64  `json:"logStartOffset"`
	End       int64  `json:"logEndOffset"`
	Error     string `json:"error,omitempty"` // the commit's, after --execute
}

// PlanReset computes the new offset of each partition: the target within
// the partition's log start and end offsets. atTime holds, for ToTime,
// the first offset at or after the time by partition (ListOffsets by
// timestamp). partitions restricts the reset when not empty.
func PlanReset(g Group, topic string, b Bounds, atTime map[int32]int64, t Target, partitions []int32) (Reset, error) {
	r := Reset{Group: g.Name, Topic: topic, To: t.String(), Rows: []ResetRow{}}
	var parts []int32
	for p := range b[topic] {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	for _, p := range partitions {
		if !slices.Contains(parts, p) {
			return r, fmt.Errorf("--partition %d: topic %q has partitions 0 to %d", p, topic, len(parts)-1)
		}
	}
	for _, p := range parts {
		if len(partitions) > 0 && !slices.Contains(partitions, p) {
			continue
		}
		bd := b[topic][p]
		if bd.Start < 0 || bd.End < 0 {
			return r, fmt.Errorf("topic %q partition %d: its log offsets could not be read (no leader?)", topic, p)
		}
		row := ResetRow{Partition: p, Old: -1, Start: bd.Start, End: bd.End}
		if c, ok := g.Committed[topic][p]; ok {
			row.Old = c
		}
		switch t.Kind {
		case ToEarliest:
			row.New = bd.Start
		case ToLatest:
			row.New = bd.End
		case ToOffset:
			row.New = t.Offset
		case ToBack:
			row.New = bd.End - t.Offset
		case ToTime:
			o, ok := atTime[p]
			if !ok || o < 0 {
				o = bd.End // no record at or after the time
			}
			row.New = o
		}
		row.New = min(max(row.New, bd.Start), bd.End)
		r.Rows = append(r.Rows, row)
	}
	return r, nil
}

// CheckInactive refuses a reset of a group with members: they would
// overwrite the new offsets with their next commit.
func CheckInactive(g Group) error {
	if len(g.Members) == 0 {
		return nil
	}
	noun := "members"
	if len(g.Members) == 1 {
		noun = "member"
	}
	return &activeError{fmt.Sprintf("group %s has %d active %s (client ids %s): stop them first; offsets of a live group are overwritten by its next commit",
		g.Name, len(g.Members), noun, strings.Join(g.ClientIDs(), ", "))}
}

// activeError is CheckInactive's refusal; it is ErrActiveGroup.
type activeError struct{ msg string }

func (e *activeError) Error() string        { return e.msg }
func (e *activeError) Is(target error) bool { return target == ErrActiveGroup }
