package daemon

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := newBucket(RateLimit{Burst: 3, Every: 10 * time.Second}, func() time.Time { return now })
	steps := []struct {
		name      string
		advance   time.Duration
		wantOK    bool
		wantWait  time.Duration
		wantFirst bool
	}{
		{"1 of the burst", 0, true, 0, false},
		{"2 of the burst", 0, true, 0, false},
		{"3 of the burst", 0, true, 0, false},
		{"empty", 0, false, 10 * time.Second, true},
		{"empty again: not the first refusal", 0, false, 10 * time.Second, false},
		{"part of a token", 4 * time.Second, false, 6 * time.Second, false},
		{"a clock stepping back adds nothing", -time.Hour, false, 6 * time.Second, false},
		{"back where it was", time.Hour, false, 6 * time.Second, false},
		{"a whole token", 6 * time.Second, true, 0, false},
		{"empty: a new flood", 0, false, 10 * time.Second, true},
		{"a day later: the burst, not more", 24 * time.Hour, true, 0, false},
		{"2", 0, true, 0, false},
		{"3", 0, true, 0, false},
		{"4", 0, false, 10 * time.Second, true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		ok, wait, first := b.take()
		if ok != s.wantOK || wait != s.wantWait || first != s.wantFirst {
			t.Fatalf("%s: take() = %v, %s, %v; want %v, %s, %v", s.name, ok, wait, first, s.wantOK, s.wantWait, s.wantFirst)
		}
	}
}

func TestBucketZeroLimitIsTheDefault(t *testing.T) {
	b := newBucket(RateLimit{}, time.Now)
	if b.limit != DefaultWakeRate {
		t.Errorf("limit = %+v, want %+v", b.limit, DefaultWakeRate)
	}
}
