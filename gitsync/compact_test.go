package gitsync

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFetchCompactsTheCache(t *testing.T) {
	defer func(n int) { maxPacks = n }(maxPacks)
	maxPacks = 2

	rem := newRemote(t, map[string]string{"a.yaml": "v0"})
	o := completed(t, Options{URL: rem.bare})
	r, log := open(t, o)
	fetch(t, r)
	first := rem.head()
	for i := 1; i <= 5; i++ {
		rem.commit("change", map[string]string{"a.yaml": string(rune('0' + i))})
		rem.push("main")
		fetch(t, r)
		packs, err := filepath.Glob(filepath.Join(o.CacheDir, "objects", "pack", "*.pack"))
		if err != nil {
			t.Fatal(err)
		}
		if len(packs) > maxPacks {
			t.Fatalf("after fetch %d the cache holds %d packs, want at most %d", i, len(packs), maxPacks)
		}
	}
	assertFile(t, r, rem.head(), "a.yaml", "5")
	if _, err := r.Resolve(first); err != nil {
		t.Fatalf("compacting lost a commit the branch reaches: %v", err)
	}
	if !strings.Contains(log.String(), "compacted the git cache") {
		t.Fatalf("no compaction logged:\n%s", log)
	}

	// History a force-push left behind goes at the next compaction.
	old := rem.head()
	runGit(t, rem.work, "checkout", "-q", "--orphan", "fresh")
	for range maxPacks + 1 {
		rem.commit("fresh", map[string]string{"a.yaml": "fresh"})
		rem.push("main")
		fetch(t, r)
	}
	if _, err := r.Resolve(old); !IsNotFound(err) {
		t.Fatalf("Resolve of a commit no ref reaches after compaction: error = %v, want not found", err)
	}
}
