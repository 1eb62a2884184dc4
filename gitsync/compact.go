package gitsync

import (
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// maxPacks is how many pack files the cache may hold before compact
// rewrites them as one. Each fetch that brings anything new adds one pack,
// and go-git never repacks on its own, so without this a long-running
// daemon's cache would slow down with every commit.
var maxPacks = 20

// compact rewrites the cache's packs as one holding only the objects that a
// branch, tag or pinned commit still reaches, once there are more than
// maxPacks of them. That also drops the history a force-push left behind.
// Its error is local, so that Fetch clones again. r.mu must be held.
func (r *Repo) compact() error {
	pos, ok := r.repo.Storer.(storer.PackedObjectStorer)
	if !ok {
		return nil
	}
	packs, err := pos.ObjectPacks()
	if err != nil {
		return r.readError("list the cache's packs", err)
	}
	if len(packs) <= maxPacks {
		return nil
	}
	start := time.Now()
	if err := r.repo.RepackObjects(&git.RepackConfig{}); err != nil {
		return r.readError("compact the cache", err)
	}
	r.log.Info("compacted the git cache", "dir", r.dir, "packs", len(packs), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
