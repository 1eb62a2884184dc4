package placement

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		in      string
		want    Strategy
		wantErr string
	}{
		{in: "", want: Strategy{Kind: KindRackAware}},
		{in: "rack-aware", want: Strategy{Kind: KindRackAware}},
		{in: "in-rack eu-west-1a", want: Strategy{Kind: KindInRack, Rack: "eu-west-1a"}},
		{in: "  in-rack   b ", want: Strategy{Kind: KindInRack, Rack: "b"}},
		{in: "static", want: Strategy{Kind: KindStatic}},
		{in: "in-rack", wantErr: `placement "in-rack": write "in-rack" followed by exactly one rack name, as in "in-rack eu-west-1a"`},
		{in: "in-rack a b", wantErr: `placement "in-rack a b": write "in-rack" followed by exactly one rack name, as in "in-rack eu-west-1a"`},
		{in: "rack-aware a", wantErr: `unknown placement "rack-aware a": write "rack-aware", "in-rack RACK" or "static"`},
		{in: "spread", wantErr: `unknown placement "spread": write "rack-aware", "in-rack RACK" or "static"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStrategy(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseStrategy(%q) = %+v, %v; want error %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStrategy(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseStrategy(%q) (-want +got):\n%s", tt.in, diff)
			}
			// String gives back a form ParseStrategy reads to the same value.
			again, err := ParseStrategy(got.String())
			if err != nil || !cmp.Equal(again, got) {
				t.Errorf("ParseStrategy(%q.String() = %q) = %+v, %v", tt.in, got.String(), again, err)
			}
		})
	}
}

func TestAddingRemoving(t *testing.T) {
	tests := []struct {
		name             string
		m                Move
		adding, removing []int32
	}{
		{"grow", Move{From: []int32{1}, To: []int32{1, 3, 2}}, []int32{3, 2}, nil},
		{"shrink", Move{From: []int32{1, 2, 3}, To: []int32{3}}, nil, []int32{1, 2}},
		{"replace", Move{From: []int32{1, 2}, To: []int32{3, 2}}, []int32{3}, []int32{1}},
		{"reorder moves no data", Move{From: []int32{1, 2}, To: []int32{2, 1}}, nil, nil},
		{"new partition", Move{To: []int32{4, 5}}, []int32{4, 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Adding(tt.m); !cmp.Equal(got, tt.adding) {
				t.Errorf("Adding(%v) = %v, want %v", tt.m, got, tt.adding)
			}
			if got := Removing(tt.m); !cmp.Equal(got, tt.removing) {
				t.Errorf("Removing(%v) = %v, want %v", tt.m, got, tt.removing)
			}
		})
	}
}
