package inspect

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// A group gone since the listing is left out of a listing of every group,
// and an error when named; any other error of one group is its own, so
// that ObserveGroups can skip it in a listing and name it.
func TestOneGroup(t *testing.T) {
	described := kadm.DescribedGroups{
		"gone":   {Group: "gone", Err: kerr.GroupIDNotFound},
		"broken": {Group: "broken", Err: kerr.CoordinatorLoadInProgress},
		"ok":     {Group: "ok", State: "Empty"},
	}
	fetched := kadm.FetchOffsetsResponses{"ok": {Group: "ok"}, "broken": {Group: "broken"}}
	if _, err := oneGroup("gone", true, described, nil, fetched); err != errGone {
		t.Errorf("gone, listing all: %v", err)
	}
	if _, err := oneGroup("gone", false, described, nil, fetched); !errors.Is(err, ErrNoGroup) {
		t.Errorf("gone, named: %v", err)
	}
	if _, err := oneGroup("broken", true, described, nil, fetched); !errors.Is(err, kerr.CoordinatorLoadInProgress) {
		t.Errorf("broken: %v", err)
	}
	if g, err := oneGroup("ok", true, described, nil, fetched); err != nil || g.Name != "ok" {
		t.Errorf("ok: %+v %v", g, err)
	}
	pe := &PartialError{Skipped: 1, Err: kerr.CoordinatorLoadInProgress}
	if !errors.Is(pe, kerr.CoordinatorLoadInProgress) || pe.Error() == "" {
		t.Errorf("PartialError: %v", pe)
	}
}
