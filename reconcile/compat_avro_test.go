package reconcile

import (
	"testing"

	"github.com/hamba/avro/v2"
)

func TestAvroIncompatible(t *testing.T) {
	const (
		v1        = `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`
		addedDef  = `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}`
		addedNone = `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int"}]}`
		removed   = `{"type":"record","name":"R","fields":[]}`
	)
	for _, tc := range []struct {
		level, next string
		problems    int
	}{
		{"BACKWARD", addedDef, 0},
		{"BACKWARD", addedNone, 1},
		{"BACKWARD_TRANSITIVE", addedNone, 1},
		{"BACKWARD", removed, 0},
		{"FORWARD", removed, 1},
		{"FORWARD", addedNone, 0},
		{"FULL", addedDef, 0},
		{"FULL", addedNone, 1},
		{"FULL_TRANSITIVE", removed, 1},
	} {
		got := avroIncompatible(tc.level, avro.MustParse(tc.next), avro.MustParse(v1))
		if len(got) != tc.problems {
			t.Errorf("%s %s: %v, want %d problems", tc.level, tc.next, got, tc.problems)
		}
	}
}
