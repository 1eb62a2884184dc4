package inspect_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kgitops/kgitops/inspect"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    inspect.Target
		wantErr string
	}{
		{in: "earliest", want: inspect.Target{Kind: inspect.ToEarliest}},
		{in: "LATEST", want: inspect.Target{Kind: inspect.ToLatest}},
		{in: "42", want: inspect.Target{Kind: inspect.ToOffset, Offset: 42}},
		{in: "0", want: inspect.Target{Kind: inspect.ToOffset}},
		{in: "-10", want: inspect.Target{Kind: inspect.ToBack, Offset: 10}},
		{in: "-0", want: inspect.Target{Kind: inspect.ToLatest}},
		{in: "2025-01-31T12:00:00Z", want: inspect.Target{Kind: inspect.ToTime, Time: time.Date(2025, 1, 31, 12, 0, 0, 0, time.UTC)}},
		{in: "2025-01-31", wantErr: `--to "2025-01-31": want earliest, latest, an offset (42), a time (2025-01-31T12:00:00Z) or -N (N before the end)`},
		{in: "", wantErr: `--to "": want earliest, latest, an offset (42), a time (2025-01-31T12:00:00Z) or -N (N before the end)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := inspect.ParseTarget(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseTarget(%q) = %v, want error %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ParseTarget(%q) (-want +got):\n%s", tt.in, d)
			}
			if tt.in != "-0" && tt.in != "LATEST" && got.String() != tt.in {
				t.Errorf("String() = %q, want %q back", got.String(), tt.in)
			}
		})
	}
}

func TestPlanReset(t *testing.T) {
	b := inspect.Bounds{"t": {0: {Start: 2, End: 10}, 1: {Start: 0, End: 0}, 2: {Start: 5, End: 8}}}
	g := inspect.Group{Name: "g", Committed: map[string]map[int32]int64{"t": {0: 7, 2: 8}}}
	tests := []struct {
		name       string
		target     inspect.Target
		atTime     map[int32]int64
		partitions []int32
		want       [][3]int64 // partition, old, new
		wantErr    string
	}{
		{name: "earliest", target: inspect.Target{Kind: inspect.ToEarliest}, want: [][3]int64{{0, 7, 2}, {1, -1, 0}, {2, 8, 5}}},
		{name: "latest", target: inspect.Target{Kind: inspect.ToLatest}, want: [][3]int64{{0, 7, 10}, {1, -1, 0}, {2, 8, 8}}},
		{name: "offset within the log", target: inspect.Target{Kind: inspect.ToOffset, Offset: 6}, want: [][3]int64{{0, 7, 6}, {1, -1, 0}, {2, 8, 6}}},
		{name: "offset below the start", target: inspect.Target{Kind: inspect.ToOffset, Offset: 1}, want: [][3]int64{{0, 7, 2}, {1, -1, 0}, {2, 8, 5}}},
		{name: "back not below the start", target: inspect.Target{Kind: inspect.ToBack, Offset: 4}, want: [][3]int64{{0, 7, 6}, {1, -1, 0}, {2, 8, 5}}},
		{name: "time, and the end without a record that recent", target: inspect.Target{Kind: inspect.ToTime}, atTime: map[int32]int64{0: 3, 1: -1, 2: 7},
			want: [][3]int64{{0, 7, 3}, {1, -1, 0}, {2, 8, 7}}},
		{name: "some partitions", target: inspect.Target{Kind: inspect.ToEarliest}, partitions: []int32{2, 0}, want: [][3]int64{{0, 7, 2}, {2, 8, 5}}},
		{name: "unknown partition", target: inspect.Target{Kind: inspect.ToEarliest}, partitions: []int32{3}, wantErr: `--partition 3: topic "t" has partitions 0 to 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := inspect.PlanReset(g, "t", b, tt.atTime, tt.target, tt.partitions)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("PlanReset: %v, want error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got [][3]int64
			for _, row := range r.Rows {
				got = append(got, [3]int64{int64(row.Partition), row.Old, row.New})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func TestCheckInactive(t *testing.T) {
	if err := inspect.CheckInactive(inspect.Group{Name: "g", State: "Empty"}); err != nil {
		t.Fatalf("an empty group: %v", err)
	}
	g := inspect.Group{Name: "g", Members: []inspect.Member{{ClientID: "b"}, {ClientID: "a"}, {ClientID: "b"}}}
	err := inspect.CheckInactive(g)
	want := "group g has 3 active members (client ids a, b): stop them first; offsets of a live group are overwritten by its next commit"
	if err == nil || err.Error() != want || !errors.Is(err, inspect.ErrActiveGroup) {
		t.Fatalf("CheckInactive = %v, want %q and ErrActiveGroup", err, want)
	}
}
