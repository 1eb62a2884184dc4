package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// reportFlags are the output flags shared by plan and diff.
type reportFlags struct {
	output   string
	detailed bool
	failOn   string
	revision string
}

func (r *reportFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&r.output, "output", "o", "text", "output format: text, json or markdown (a pull-request comment)")
	cmd.Flags().BoolVar(&r.detailed, "detailed-exitcode", false, "exit 2 when there are changes (0: none, 1: error)")
	cmd.Flags().StringVar(&r.failOn, "fail-on", "", "destructive: exit 3 when the changes include destructive ones (deletions, ACL removals, retention decreases ...); warn: exit 3 when a policy or check warns; or both: destructive,warn")
}

// finish renders the plan and turns it into the command's exit code.
func (r *reportFlags) finish(e *env, p *reconcile.Plan, revision string) error {
	var err error
	switch r.output {
	case "text":
		err = reconcile.RenderText(e.stdout, p)
	case "json":
		err = reconcile.RenderJSON(e.stdout, p)
	case "markdown", "md":
		err = reconcile.RenderMarkdown(e.stdout, p, reconcile.MarkdownOptions{Revision: revision})
	default:
		err = fmt.Errorf("-o %q: want text, json or markdown", r.output)
	}
	switch {
	case err != nil:
		return &exitError{code: ExitError, err: err}
	case len(p.Errors) > 0:
		return silentExit(ExitError)
	case r.failsOn("destructive") && p.Destructive():
		return &exitError{code: ExitDestructive, err: errors.New("the changes include destructive ones (--fail-on destructive)")}
	case r.failsOn("warn") && p.Warnings() > 0:
		return &exitError{code: ExitDestructive, err: fmt.Errorf("%d warning(s) (--fail-on warn)", p.Warnings())}
	case r.detailed && p.HasChanges():
		return silentExit(ExitChanges)
	}
	return nil
}

func (r *reportFlags) check() error {
	switch r.output {
	case "text", "json", "markdown", "md":
	default:
		return fmt.Errorf("-o %q: want text, json or markdown", r.output)
	}
	if r.failOn != "" {
		for _, v := range strings.Split(r.failOn, ",") {
			if v != "destructive" && v != "warn" {
				return fmt.Errorf("--fail-on %q: want destructive, warn, or destructive,warn", r.failOn)
			}
		}
	}
	return nil
}

// failsOn says whether --fail-on lists what.
func (r *reportFlags) failsOn(what string) bool {
	return slices.Contains(strings.Split(r.failOn, ","), what)
}

func newDiff(e *env) *cobra.Command {
	var rf reportFlags
	var base, head, dir, selector string
	cmd := &cobra.Command{
		Use:   "diff --base REF [--head REF] [--dir PATH]",
		Short: "Show what the desired state changes between two commits, offline (no cluster, no credentials)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := rf.check(); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if base == "" {
				return &exitError{code: ExitError, err: errors.New("--base is required: the commit to compare with, such as origin/main")}
			}
			sel, err := spec.ParseSelector(selector)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			p, rev, err := e.diffRefs(dir, base, head, sel)
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			return rf.finish(e, p, rev)
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVar(&base, "base", "", "the commit, branch or tag to compare with (e.g. origin/main)")
	cmd.Flags().StringVar(&head, "head", "HEAD", "the commit, branch or tag with the changes")
	cmd.Flags().StringVar(&dir, "dir", ".", "folder of the desired state, inside the git work tree")
	addSelectorFlag(cmd, &selector)
	return cmd
}

// diffRefs loads the desired state at two commits and compares them.
func (e *env) diffRefs(dir, baseRef, headRef string, sel spec.Selector) (*reconcile.Plan, string, error) {
	repo, err := gitsync.OpenLocal(dir)
	if err != nil {
		if derr := checkDir(dir); derr != nil {
			return nil, "", derr // a typo in --dir, named as given
		}
		return nil, "", err
	}
	sub, err := repoRelative(dir)
	if err != nil {
		return nil, "", err
	}
	load := func(ref string, mustExist bool) (*spec.State, gitsync.Revision, error) {
		rev, err := repo.Resolve(ref)
		if err != nil {
			return nil, rev, err
		}
		files, err := repo.Files(rev.SHA, sub)
		if err != nil {
			if !mustExist {
				return &spec.State{}, rev, nil // the folder is new in head
			}
			return nil, rev, err
		}
		st, err := spec.LoadFS(files)
		var errs spec.Errors
		if errors.As(err, &errs) {
			for _, pe := range errs.Rebase(sub) {
				fmt.Fprintln(e.stderr, pe.Error())
			}
			return nil, rev, fmt.Errorf("%d problem(s) in %s at %s (%s)", len(errs), sub, ref, rev.SHA[:12])
		}
		return st, rev, err
	}
	headState, headRev, err := load(headRef, true)
	if err != nil {
		return nil, "", err
	}
	baseState, _, err := load(baseRef, false)
	if err != nil {
		return nil, "", fmt.Errorf("the base does not load either: %w", err)
	}
	return reconcile.Diff(headState.Select(sel), reconcile.LiveFrom(baseState.Select(sel)), reconcile.DiffOptions{Selector: sel}), headRev.SHA, nil
}

// repoRelative turns dir into a slash path relative to the root of the
// git work tree that holds it.
func repoRelative(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for root := abs; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return "", err
			}
			return filepath.ToSlash(rel), nil
		}
		if filepath.Dir(root) == root {
			return ".", nil // a bare repository: paths are from its root
		}
	}
}
