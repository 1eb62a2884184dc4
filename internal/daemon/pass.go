package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// pass runs one reconcile: sync → load → observe → diff → apply or
// report → record. It never applies a revision that failed to load or
// whose plan was refused; while the newest revision is bad, it keeps
// reconciling the last good one, so drift is still caught and reverted.
func (d *Daemon) pass(parent context.Context) outcome {
	ctx, cancel := context.WithTimeout(parent, d.cfg.PassTimeout)
	defer cancel()
	start := d.cfg.Now()
	log := d.cfg.Log
	o, class, err := d.reconcile(ctx)
	if parent.Err() != nil {
		return o // shutting down: record nothing about a cancelled pass
	}
	elapsed := d.cfg.Now().Sub(start)
	m := d.cfg.Metrics
	m.duration.Observe(elapsed.Seconds())
	m.reconciles.WithLabelValues(result(err == nil)).Inc()
	d.update(func(s *Status) {
		s.Passes++
		s.LastPassAt = start
		s.LastError, s.ErrorClass = "", ""
		if err != nil {
			s.LastError, s.ErrorClass = err.Error(), string(class)
			return
		}
		s.LastSuccessAt = d.cfg.Now()
	})
	if err != nil {
		log.Warn("reconcile failed", "class", string(class), "err", err, "duration", elapsed.Round(time.Millisecond))
		return o
	}
	m.lastSuccess.Set(float64(d.cfg.Now().Unix()))
	log.Info("reconciled", "duration", elapsed.Round(time.Millisecond))
	return o
}

// reconcile does the work of a pass and says how it ended.
func (d *Daemon) reconcile(ctx context.Context) (outcome, errorClass, error) {
	m := d.cfg.Metrics
	m.leader.Set(boolFloat(d.leading()))
	rev, files, err := d.cfg.Source.Sync(ctx)
	m.gitFetches.WithLabelValues(result(err == nil)).Inc()
	d.update(func(s *Status) { s.GitReachable = err == nil })
	if err != nil {
		return passTransient, classGit, fmt.Errorf("sync the desired state: %w", err)
	}
	d.update(func(s *Status) {
		s.LastFetchedRevision, s.LastFetchedAt, s.LastFetchedSubject = rev.ID, d.cfg.Now(), rev.Subject
	})

	// A new revision is loaded once; a bad one is not loaded again until a
	// newer one arrives, and meanwhile the last good one is reconciled.
	var loadErr error
	if d.good == nil || (rev.ID != d.good.rev.ID && rev.ID != d.badRev) {
		st, err := d.load(files, rev.Root)
		var specErrs spec.Errors
		switch {
		case errors.Is(err, errPasswords):
			// The environment, not the commit, lacks a password: retry,
			// and load the revision again once the secret is there.
			return passTransient, classSpec, err
		case err != nil && !errors.As(err, &specErrs):
			// The files could not be read (a damaged cache, a folder
			// being replaced): not the commit's fault, try again.
			return passTransient, classGit, fmt.Errorf("read revision %s: %w", rev.ID, err)
		case err != nil:
			d.badRev, loadErr = rev.ID, fmt.Errorf("revision %s does not load; nothing of it is applied: %w", rev.ID, err)
		default:
			d.good, d.badRev = &goodState{rev: rev, state: st}, ""
		}
	} else if rev.ID == d.badRev {
		loadErr = fmt.Errorf("revision %s does not load; waiting for a new commit (see the earlier error)", rev.ID)
	}
	if d.good == nil {
		return passTerminal, classSpec, loadErr
	}

	o, class, err := d.plan(ctx, d.good)
	if loadErr != nil && err == nil {
		// The cluster is kept at the last good revision, but the pass
		// still failed: the newest commit is not applied.
		return passTerminal, classSpec, loadErr
	}
	return o, class, err
}

// load turns a revision's files into a validated desired state, and
// checks that every declared user's password can be read.
func (d *Daemon) load(files fs.FS, root string) (*spec.State, error) {
	st, err := spec.LoadFS(files)
	var errs spec.Errors
	if errors.As(err, &errs) && root != "" && root != "." {
		for i := range errs {
			errs[i].Pos.File = path.Join(root, errs[i].Pos.File)
		}
		return nil, errs
	}
	if err != nil {
		return nil, err
	}
	if _, err := d.cfg.Passwords(st); err != nil {
		return nil, fmt.Errorf("%w: %w", errPasswords, err)
	}
	return st, nil
}

// plan observes the cluster, diffs, applies when allowed, and records the
// plan, the drift and what was applied.
func (d *Daemon) plan(ctx context.Context, g *goodState) (outcome, errorClass, error) {
	passwords, err := d.cfg.Passwords(g.state)
	if err != nil {
		return passTerminal, classSpec, err
	}
	live, err := reconcile.Observe(ctx, d.cfg.Client, reconcile.ObserveOptions{Inventory: d.cfg.Inventory, Desired: g.state})
	d.update(func(s *Status) { s.KafkaReachable = err == nil })
	if err != nil {
		return passTransient, classKafka, fmt.Errorf("observe the cluster: %w", err)
	}
	plan := reconcile.Diff(g.state, live, reconcile.DiffOptions{
		AllowDelete: d.cfg.AllowDelete, IgnoreConfigs: d.cfg.IgnoreConfigs, Passwords: passwords,
	})
	summary := plan.Summary
	d.update(func(s *Status) { s.LastPlan = &summary })
	if len(plan.Errors) > 0 {
		d.recordDrift(plan, nil)
		return passTerminal, classRefused, fmt.Errorf("revision %s: %w: %v", g.rev.ID, reconcile.ErrPlanRefused, errors.Join(refusals(plan)...))
	}

	applying := d.cfg.Mode == ModeApply && d.leading()
	if !applying || !plan.HasChanges() {
		d.recordDrift(plan, nil)
		if applying {
			d.recordApplied(g.rev)
		}
		return passOK, "", nil
	}
	results, err := reconcile.Apply(ctx, d.cfg.Client, plan, reconcile.ApplyOptions{
		Inventory: d.cfg.Inventory, Revision: g.rev.ID, Brokers: live.Brokers, Known: live.Inventory,
	})
	d.recordDrift(plan, results)
	failed := d.recordResults(ctx, g.rev, results)
	switch {
	case err != nil:
		return passTransient, classApply, fmt.Errorf("apply revision %s: %w", g.rev.ID, err)
	case failed > 0:
		return passTransient, classApply, fmt.Errorf("apply revision %s: %w: %d of %d", g.rev.ID, errPartial, failed, len(results))
	}
	d.recordApplied(g.rev)
	return passOK, "", nil
}

func refusals(p *reconcile.Plan) []error {
	out := make([]error, len(p.Errors))
	for i, r := range p.Errors {
		out[i] = r
	}
	return out
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// recordDrift sets the drift status and gauges: every change of the plan
// that did not take effect (all of them when nothing was applied).
func (d *Daemon) recordDrift(p *reconcile.Plan, results []reconcile.Result) {
	applied := map[string]bool{}
	errs := map[string]string{}
	for _, r := range results {
		key := r.Change.Kind + "/" + r.Change.Name
		switch {
		case r.Err != nil:
			errs[key] = r.Err.Error()
		case r.Skipped == "":
			applied[key] = true
		}
	}
	items := []DriftItem{}
	perKind := map[string]int{}
	for _, c := range p.Changes {
		key := c.Kind + "/" + c.Name
		if applied[key] {
			continue
		}
		perKind[c.Kind]++
		items = append(items, DriftItem{Kind: c.Kind, Name: c.Name, Action: string(c.Action), Pending: c.Pending, Error: errs[key]})
	}
	d.cfg.Metrics.recordPlan(p, perKind)
	d.update(func(s *Status) { s.Drift = items })
}

// recordResults counts, logs and publishes what was applied, and returns
// how many changes failed.
func (d *Daemon) recordResults(ctx context.Context, rev Revision, results []reconcile.Result) int {
	failed := 0
	for _, r := range results {
		c := r.Change
		switch {
		case r.Err != nil:
			failed++
			d.cfg.Log.Error("change failed", "revision", rev.ID, "kind", c.Kind, "name", c.Name, "action", string(c.Action), "err", r.Err)
		case r.Skipped != "":
		default:
			d.cfg.Metrics.applied.WithLabelValues(c.Kind, string(c.Action)).Inc()
			d.cfg.Log.Info("change applied", "revision", rev.ID, "kind", c.Kind, "name", c.Name, "action", string(c.Action))
		}
	}
	if d.cfg.Audit != nil {
		if err := d.cfg.Audit.Publish(ctx, rev, results); err != nil {
			d.cfg.Log.Error("publish audit events", "err", err)
		}
	}
	return failed
}

// recordApplied notes that the cluster is at rev.
func (d *Daemon) recordApplied(rev Revision) {
	d.cfg.Metrics.recordApplied(rev.ID)
	d.update(func(s *Status) {
		if s.LastAppliedRevision != rev.ID {
			s.LastAppliedAt = d.cfg.Now()
		}
		s.LastAppliedRevision = rev.ID
		s.LastGoodRevision = rev.ID
	})
}
