package tail

import (
	"testing"
	"time"
)

func TestParseFrom(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    From
		wantErr bool
	}{
		{in: "beginning", want: Beginning},
		{in: "end", want: End},
		{in: "42", want: From{kind: fromOffset, offset: 42}},
		{in: "0", want: From{kind: fromOffset}},
		{in: "-10", want: From{kind: fromLast, offset: 10}},
		{in: "2026-12-04T10:00:00Z", want: From{kind: fromTime, at: at}},
		{in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFrom(tt.in)
			if (err != nil) != tt.wantErr || !tt.wantErr && (got.kind != tt.want.kind || got.offset != tt.want.offset || !got.at.Equal(tt.want.at)) {
				t.Fatalf("ParseFrom(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

// startIn clamps every start into the log [start, end].
func TestStartIn(t *testing.T) {
	tests := []struct {
		name           string
		from           From
		start, end, at int64
		want           int64
	}{
		{"beginning", Beginning, 5, 20, 0, 5},
		{"end", End, 5, 20, 0, 20},
		{"offset inside", From{kind: fromOffset, offset: 7}, 5, 20, 0, 7},
		{"offset before the log start", From{kind: fromOffset, offset: 1}, 5, 20, 0, 5},
		{"offset after the end", From{kind: fromOffset, offset: 99}, 5, 20, 0, 20},
		{"last 3", From{kind: fromLast, offset: 3}, 5, 20, 0, 17},
		{"last 30 of 15", From{kind: fromLast, offset: 30}, 5, 20, 0, 5},
		{"time", From{kind: fromTime}, 5, 20, 12, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.from.startIn(tt.start, tt.end, tt.at); got != tt.want {
				t.Fatalf("startIn(%d, %d, %d) = %d, want %d", tt.start, tt.end, tt.at, got, tt.want)
			}
		})
	}
}
