package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// pass runs one reconcile: sync → load → observe → diff → apply or
// report → record. It never stops enforcing: whatever happens to the
// newest revision (it does not load, a secret it needs is missing, its
// plan is refused, git cannot be reached), the enforced revision is still
// observed, diffed and applied.
func (d *Daemon) pass(parent context.Context) passResult {
	ctx, cancel := context.WithTimeout(parent, d.cfg.PassTimeout)
	defer cancel()
	start := d.cfg.Now()
	log := d.cfg.Log
	r := d.reconcile(ctx)
	if parent.Err() != nil {
		return r // shutting down: record nothing about a cancelled pass
	}
	elapsed := d.cfg.Now().Sub(start)
	m := d.cfg.Metrics
	m.duration.Observe(elapsed.Seconds())
	m.reconciles.WithLabelValues(result(r.ok())).Inc()
	statusErrs := make([]PassError, len(r.problems))
	for i, p := range r.problems {
		m.errors.WithLabelValues(string(p.class)).Inc()
		statusErrs[i] = PassError{Class: string(p.class), Error: p.err.Error()}
	}
	d.update(func(s *Status) {
		s.Passes++
		s.LastPassAt = start
		s.Errors = statusErrs
		s.LastError, s.ErrorClass = "", ""
		if !r.ok() {
			s.LastError, s.ErrorClass = r.err().Error(), string(r.class())
			return
		}
		s.LastSuccessAt = d.cfg.Now()
	})
	if !r.ok() {
		for _, p := range r.problems {
			log.Warn("reconcile problem", "class", string(p.class), "err", p.err, "duration", elapsed.Round(time.Millisecond))
		}
		return r
	}
	m.lastSuccess.Set(float64(d.cfg.Now().Unix()))
	log.Info("reconciled", "duration", elapsed.Round(time.Millisecond))
	return r
}

// reconcile does the work of a pass and says how it ended.
func (d *Daemon) reconcile(ctx context.Context) passResult {
	var r passResult
	m := d.cfg.Metrics
	m.leader.Set(boolFloat(d.leading()))

	d.sync(ctx, &r)
	cand := d.candidate(&r)
	if cand == nil && d.enforced == nil {
		d.recoverEnforced(ctx)
	}
	if cand == nil && d.enforced == nil {
		d.publishRevisions()
		return r // nothing was ever accepted: nothing to enforce yet
	}

	live, err := reconcile.Observe(ctx, d.cfg.Client, reconcile.ObserveOptions{Inventory: d.cfg.Inventory, Desired: observed(cand, d.enforced), Backends: d.cfg.Backends})
	d.update(func(s *Status) { s.KafkaReachable = err == nil })
	if err != nil {
		r.addProblem(kafkaProblem("observe the cluster", err))
		d.publishRevisions()
		return r
	}

	// The newest revision is accepted only when its plan is not refused.
	// Refusals are judged against the enforced revision: one the enforced
	// revision already asked for was caused by the cluster, and blocks
	// only its resource.
	var plan *reconcile.Plan
	if cand != nil {
		p := d.diff(cand, live, d.baseline(ctx, cand, live))
		if len(p.Errors) > 0 {
			d.holdBack(cand.rev, ClassRefused, fmt.Errorf("revision %s is refused, so none of it is applied: %w", cand.rev.ID, refusals(p)))
		} else {
			d.accept(ctx, cand, live)
			plan = p
		}
	}
	if held := d.heldBack; held != nil {
		r.add(held.class, held.err)
	}
	if d.enforced == nil {
		d.recoverEnforced(ctx)
	}
	d.publishRevisions()
	if d.enforced == nil {
		return r // the first revision is refused: nothing to enforce yet
	}
	if plan == nil {
		d.refreshPasswords(&r)
		plan = d.diff(d.enforced, live, d.enforced.state)
	}
	d.enforce(ctx, &r, d.enforced, live, plan)
	return r
}

// sync fetches the source. A new revision becomes the candidate, loaded
// once; a failure to fetch leaves the enforced revision (the cache) in
// force.
func (d *Daemon) sync(ctx context.Context, r *passResult) {
	res, ok := d.syncSource(ctx)
	if !ok {
		enforced := "nothing is enforced yet"
		if d.enforced != nil {
			enforced = "revision " + d.enforced.rev.ID + " is enforced meanwhile"
		}
		d.update(func(s *Status) { s.GitReachable = false })
		r.add(ClassGitUnreachable, fmt.Errorf("sync the desired state: the fetch started %s ago has not returned, past its timeout: %s, and no other fetch starts until it returns",
			time.Since(d.syncFrom).Round(time.Second), enforced))
		return
	}
	rev, files, err := res.rev, res.files, res.err
	d.cfg.Metrics.gitFetches.WithLabelValues(result(err == nil)).Inc()
	d.update(func(s *Status) { s.GitReachable = err == nil })
	if err != nil {
		r.addProblem(gitProblem(err))
		return
	}
	d.update(func(s *Status) {
		s.LastFetchedRevision, s.LastFetchedAt, s.LastFetchedSubject = rev.ID, d.cfg.Now(), rev.Subject
	})
	if d.enforced != nil && rev.ID == d.enforced.rev.ID {
		d.newest, d.heldBack = nil, nil
		return
	}
	if d.newest != nil && d.newest.rev.ID == rev.ID {
		return // loaded before
	}
	st, err := d.load(files, rev.Root)
	var specErrs spec.Errors
	switch {
	case err != nil && !errors.As(err, &specErrs):
		// The files could not be read (a damaged cache, a folder being
		// replaced): not the commit's fault, try again.
		r.add(ClassGitUnreachable, fmt.Errorf("read revision %s: %w", rev.ID, err))
		return
	case err != nil:
		d.newest = &loaded{rev: rev, err: fmt.Errorf("revision %s does not load, so none of it is applied: %w", rev.ID, err)}
	default:
		d.newest = &loaded{rev: rev, state: st}
		d.logSkipped(rev, st)
	}
}

// synced is what Source.Sync returned.
type synced struct {
	rev   Revision
	files fs.FS
	err   error
}

// syncSource runs Source.Sync beside the pass and waits for it until
// SyncWait after it started, or until ctx ends. A Sync still running then
// (a transport that ignores its deadline) is left to finish, and later
// passes wait for it rather than start another, while each enforces the
// revision it has: a hung fetch must not stop enforcing.
func (d *Daemon) syncSource(ctx context.Context) (synced, bool) {
	if d.syncing == nil {
		ch := make(chan synced, 1)
		// Not cancelled with the pass: a Sync that outlives its pass
		// is waited for by the next one.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SyncWait)
		go func() {
			defer cancel()
			rev, files, err := d.cfg.Source.Sync(sctx)
			ch <- synced{rev, files, err}
		}()
		d.syncing, d.syncFrom = ch, time.Now()
	}
	select {
	case res := <-d.syncing:
		d.syncing = nil
		return res, true
	default:
	}
	t := time.NewTimer(max(0, d.cfg.SyncWait-time.Since(d.syncFrom)))
	defer t.Stop()
	select {
	case res := <-d.syncing:
		d.syncing = nil
		return res, true
	case <-t.C:
	case <-ctx.Done():
	}
	return synced{}, false
}

// logSkipped says, once per revision, which files the loader skipped: at
// debug level, and as a warning for a name that looks like a renamed
// manifest (its resources are not loaded, so they look removed).
func (d *Daemon) logSkipped(rev Revision, st *spec.State) {
	for _, f := range st.Skipped {
		path := spec.Pos{File: f.Path}.Under(rev.Root).File
		if f.LooksRenamed {
			d.cfg.Log.Warn("skipped a file that looks like a renamed manifest", "revision", rev.ID, "file", path, "reason", f.Reason)
			continue
		}
		d.cfg.Log.Debug("skipped a file", "revision", rev.ID, "file", path, "reason", f.Reason)
	}
}

// loaded is a fetched revision: its state, or why it does not load.
type loaded struct {
	rev   Revision
	state *spec.State
	err   error
}

// candidate returns the newest revision ready to plan (loaded, with every
// password it names), or nil, holding the newest back with the reason.
func (d *Daemon) candidate(r *passResult) *goodState {
	n := d.newest
	if n == nil {
		return nil
	}
	if n.err != nil {
		d.holdBack(n.rev, ClassSpec, n.err)
		return nil
	}
	// Passwords are read on every pass: a secret that appears later (a
	// mounted file) lets the revision through without a new commit.
	g, err := d.readSecrets(n.rev, n.state)
	if err != nil {
		d.holdBack(n.rev, ClassSpec, fmt.Errorf("revision %s names a password that cannot be read, so none of it is applied: %w", n.rev.ID, err))
		return nil
	}
	return g
}

// load turns a revision's files into a validated desired state. Errors
// name files as users see them (under the source's root).
func (d *Daemon) load(files fs.FS, root string) (*spec.State, error) {
	st, err := spec.LoadFS(files)
	var errs spec.Errors
	if errors.As(err, &errs) {
		return nil, errs.Rebase(root)
	}
	if err != nil {
		return nil, err
	}
	return st.Select(d.cfg.Selector), nil
}

// holdBack records why the newest revision is not enforced.
func (d *Daemon) holdBack(rev Revision, class ErrorClass, err error) {
	d.heldBack = &heldBack{rev: rev, class: class, err: err}
}

// accept makes g the enforced revision, and notes it in the inventory so
// that a restarted daemon knows which refusals the cluster caused.
func (d *Daemon) accept(ctx context.Context, g *goodState, live *reconcile.Live) {
	d.enforced, d.newest, d.heldBack = g, nil, nil
	d.cfg.Log.Info("revision accepted", "revision", g.rev.ID)
	if d.cfg.Mode != ModeApply || !d.leading() || live.Inventory.Accepted == g.rev.ID {
		return
	}
	if err := reconcile.RecordAccepted(ctx, d.cfg.Client, d.cfg.Inventory, live.Brokers, g.rev.ID, d.cfg.Now()); err != nil {
		d.cfg.Log.Warn("record the accepted revision", "err", err)
		return
	}
	live.Inventory.Accepted = g.rev.ID
}

// recoverEnforced takes up, after a restart, the revision the inventory
// says was enforced, read from the source's cache: when git cannot be
// reached at start, or the newest revision is held back, the cluster is
// still kept at what was accepted before.
func (d *Daemon) recoverEnforced(ctx context.Context) {
	old, ok := d.cfg.Source.(RevisionReader)
	if !ok || d.syncing != nil {
		return // nothing to read from, or the cache is held by a fetch that hangs
	}
	inv, err := reconcile.ReadInventory(ctx, d.cfg.Client, d.cfg.Inventory)
	if err != nil || inv.Accepted == "" {
		return
	}
	log := d.cfg.Log.With("revision", inv.Accepted)
	rev, files, err := old.ReadRevision(ctx, inv.Accepted)
	if err != nil {
		log.Warn("read the last accepted revision from the cache", "err", err)
		return
	}
	st, err := d.load(files, rev.Root)
	if err != nil {
		log.Warn("load the last accepted revision from the cache", "err", err)
		return
	}
	g, err := d.readSecrets(rev, st)
	if err != nil {
		log.Warn("read the passwords of the last accepted revision", "err", err)
		return
	}
	d.enforced = g
	log.Info("enforcing the last accepted revision, read from the cache")
}

// refreshPasswords reads the enforced revision's passwords again, so that
// a rotated secret (a mounted file, a restarted process's environment) is
// applied without a new commit. When one cannot be read now, the ones read
// before are kept and the problem is reported.
func (d *Daemon) refreshPasswords(r *passResult) {
	g := d.enforced
	now, err := d.readSecrets(g.rev, g.state)
	if err != nil {
		r.add(ClassSpec, fmt.Errorf("revision %s: a password cannot be read now; the one read before is kept: %w", g.rev.ID, err))
		return
	}
	g.passwords, g.brokerSecrets = now.passwords, now.brokerSecrets
}

// readSecrets reads what the revision's documents name: the users'
// passwords and the BrokerConfigs' sensitive values.
func (d *Daemon) readSecrets(rev Revision, st *spec.State) (*goodState, error) {
	passwords, err := d.cfg.Passwords(st, rev.Root)
	brokerSecrets, berr := d.cfg.BrokerSecrets(st, rev.Root)
	if err := errors.Join(err, berr); err != nil {
		return nil, err
	}
	return &goodState{rev: rev, state: st, passwords: passwords, brokerSecrets: brokerSecrets}, nil
}

// baseline is the state refusals of cand are judged against: the enforced
// revision's; after a restart, the revision the inventory says was
// accepted, when the source can still read it.
func (d *Daemon) baseline(ctx context.Context, cand *goodState, live *reconcile.Live) *spec.State {
	switch {
	case d.enforced != nil:
		return d.enforced.state
	case live.Inventory.Accepted == "":
		return nil
	case live.Inventory.Accepted == cand.rev.ID:
		return cand.state
	}
	old, ok := d.cfg.Source.(RevisionReader)
	if !ok {
		return nil
	}
	rev, files, err := old.ReadRevision(ctx, live.Inventory.Accepted)
	if err != nil {
		d.cfg.Log.Warn("read the last accepted revision", "revision", live.Inventory.Accepted, "err", err)
		return nil
	}
	st, err := d.load(files, rev.Root)
	if err != nil {
		return nil
	}
	return st
}

// diff plans g against live.
func (d *Daemon) diff(g *goodState, live *reconcile.Live, baseline *spec.State) *reconcile.Plan {
	return reconcile.Diff(g.state, live, reconcile.DiffOptions{
		AllowDelete: d.cfg.AllowDelete, AllowHardDelete: d.cfg.AllowHardDelete, IgnoreConfigs: d.cfg.IgnoreConfigs, Passwords: g.passwords, BrokerSecrets: g.brokerSecrets, Baseline: baseline,
		MaxDeletes: d.cfg.MaxDeletes, AllowEmpty: d.cfg.AllowEmpty, Source: d.cfg.SourceID, ClaimInventory: d.cfg.ClaimInventory,
		Selector: d.cfg.Selector, MaxPartitionsPerBroker: d.cfg.MaxPartitionsPerBroker,
		Throttle: d.cfg.Throttle, MaxPartitionsInFlight: d.cfg.MaxPartitionsInFlight,
	})
}

// enforce applies the enforced revision's plan when allowed, and records
// the plan, the drift and what was applied.
func (d *Daemon) enforce(ctx context.Context, r *passResult, g *goodState, live *reconcile.Live, plan *reconcile.Plan) {
	summary := plan.Summary
	d.update(func(s *Status) { s.LastPlan, s.Reassignments = &summary, plan.Reassignments })
	if len(plan.Blocked) > 0 {
		r.add(ClassRefused, fmt.Errorf("revision %s: %d resource(s) blocked by the cluster, the rest is reconciled: %w", g.rev.ID, len(plan.Blocked), blocked(plan)))
	}
	if len(plan.Errors) > 0 {
		// Only refusals that no baseline explains reach here, such as a
		// part of the cluster that could not be read.
		d.recordDrift(plan, nil)
		r.add(ClassRefused, fmt.Errorf("revision %s: %w: %w", g.rev.ID, reconcile.ErrPlanRefused, refusals(plan)))
		return
	}
	applying := d.cfg.Mode == ModeApply && d.leading()
	if !applying || !plan.NeedsApply(live) {
		d.recordDrift(plan, nil)
		if applying {
			d.recordApplied(g.rev)
		}
		return
	}
	var fence func(context.Context) error
	if f, ok := d.cfg.Leader.(Fencer); ok {
		fence = f.Fence
	}
	results, err := reconcile.Apply(ctx, d.cfg.Client, plan, reconcile.ApplyOptions{
		Inventory: d.cfg.Inventory, Revision: g.rev.ID, Brokers: live.Brokers, Known: live.Inventory, Live: live,
		Source: d.cfg.SourceID, ClaimInventory: d.cfg.ClaimInventory, Backends: d.cfg.Backends, Fence: fence,
	})
	if errors.Is(err, ErrFenced) {
		d.cfg.Log.Warn("lost the lead in the middle of an apply: stopped before the next batch; the new leader goes on", "revision", g.rev.ID, "err", err)
	}
	d.recordDrift(plan, results)
	failed := d.recordResults(ctx, g.rev, results)
	switch {
	case err != nil:
		r.addProblem(kafkaProblem(fmt.Sprintf("apply revision %s", g.rev.ID), err))
	case failed > 0:
		r.add(ClassApply, fmt.Errorf("apply revision %s: %w: %d of %d", g.rev.ID, errPartial, failed, len(results)))
	default:
		d.recordApplied(g.rev)
	}
}

// observed is what Observe must read for: both revisions a pass may plan.
func observed(cand, enforced *goodState) *spec.State {
	switch {
	case cand == nil:
		return enforced.state
	case enforced == nil:
		return cand.state
	}
	both := *cand.state
	both.ACLs = append(both.ACLs[:len(both.ACLs):len(both.ACLs)], enforced.state.ACLs...)
	both.RoleBindings = append(both.RoleBindings[:len(both.RoleBindings):len(both.RoleBindings)], enforced.state.RoleBindings...)
	both.Quotas = append(both.Quotas[:len(both.Quotas):len(both.Quotas)], enforced.state.Quotas...)
	both.Users = append(both.Users[:len(both.Users):len(both.Users)], enforced.state.Users...)
	return &both
}

func refusals(p *reconcile.Plan) error { return joinRefusals(p.Errors) }
func blocked(p *reconcile.Plan) error  { return joinRefusals(p.Blocked) }

func joinRefusals(rs []reconcile.Refusal) error {
	out := make([]error, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return errors.Join(out...)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// recordDrift sets the drift status and gauges: every change of the plan
// that did not take effect (all of them when nothing was applied), and
// every resource the cluster blocks, which needs a person.
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
		items = append(items, DriftItem{Kind: c.Kind, Name: c.Name, Action: string(c.Action), Pending: c.Pending, Error: errs[key], Fields: c.Fields})
	}
	for _, b := range p.Blocked {
		perKind[b.Kind]++
		items = append(items, DriftItem{Kind: b.Kind, Name: b.Name, Action: "blocked", Blocked: b.Message})
	}
	for _, r := range p.Drift {
		perKind[r.Kind]++
		items = append(items, DriftItem{Kind: r.Kind, Name: r.Name, Action: "reported", Reported: r.Message})
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
	})
}

// publishRevisions shows the enforced and the newest revision, and why
// the newest is held back, in the status and the metrics.
func (d *Daemon) publishRevisions() {
	var enforced, newest string
	var held *HeldBack
	if d.enforced != nil {
		enforced, newest = d.enforced.rev.ID, d.enforced.rev.ID
	}
	reason := "none"
	if h := d.heldBack; h != nil {
		newest, reason = h.rev.ID, string(h.class)
		held = &HeldBack{Revision: h.rev.ID, Subject: h.rev.Subject, Class: string(h.class), Error: h.err.Error()}
	}
	d.cfg.Metrics.recordRevisions(enforced, newest, reason)
	d.update(func(s *Status) {
		s.EnforcedRevision, s.NewestRevision, s.HeldBack = enforced, newest, held
		s.LastGoodRevision = enforced
	})
}
