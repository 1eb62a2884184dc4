package reconcile

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/kgitops/kgitops/spec"
)

// guardDeletions applies the guards against mass deletion to a plan:
//   - a desired state that declares nothing, while the inventory owns
//     something, is refused unless AllowEmpty;
//   - more deletions than MaxDeletes are all held, none run.
func (p *Plan) guardDeletions(desired *spec.State, live *Live, opts DiffOptions) {
	if len(opts.Selector) > 0 {
		n := len(p.Changes)
		p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return c.Action == ActionDelete && !c.Requested })
		p.Unclaims = nil // claims of unselected documents look undeclared
		if dropped := n - len(p.Changes); dropped > 0 {
			p.Notes = append(p.Notes, Refusal{Kind: "*", Name: "*", Message: fmt.Sprintf(
				"%d deletion(s) not considered: a plan for --selector %s deletes only what a selected document asks for with %s", dropped, opts.Selector, spec.AnnotationDelete)})
		}
	}
	if other := live.Inventory.Source; other != "" && opts.Source != "" && other != opts.Source && opts.ClaimInventory {
		// Said on every plan that takes it over, so that two repos given
		// the same --inventory-name by mistake do not trade it silently.
		p.Notes = append(p.Notes, Refusal{Kind: "*", Name: "*", Message: fmt.Sprintf(
			"this inventory belongs to %s; naming it (--inventory-name %s) takes it over for %s: what it owns and this repo does not declare is deleted with --allow-delete. "+
				"If the other repo still runs, give this one an inventory of its own instead", other, live.Inventory.name, opts.Source)})
	}
	if other := live.Inventory.Source; other != "" && opts.Source != "" && other != opts.Source && !opts.ClaimInventory {
		// Not even pending deletions are listed: they are another repo's.
		p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool { return c.Action == ActionDelete && !c.Drift })
		p.refuse("*", "*", fmt.Sprintf("this inventory belongs to %s, and this desired state comes from %s: kgitops will not delete, or record anything in, another source's inventory. "+
			"Give this repo an inventory of its own with --inventory-name NAME; or, if this repo replaces that one, take the inventory over by naming it explicitly (--inventory-name %s)", other, opts.Source, live.Inventory.name))
	}
	if !opts.AllowEmpty && len(opts.Selector) == 0 && declaresNothing(desired) {
		if n := live.Inventory.owned(); n > 0 {
			p.refuse("*", "*", fmt.Sprintf("the desired state declares nothing, while the inventory owns %d resource(s): applying it would delete them all. "+
				"Check --dir (and --path); if emptying the cluster is what you want, pass --allow-empty", n))
		}
	}
	for _, c := range p.Changes {
		if c.Action != ActionDelete || c.Drift {
			continue
		}
		owner := ownerOf(c)
		if e := live.Inventory.Entries[ResourceKey{c.Kind, owner}]; e.PreventDestroy {
			what := "protected by " + spec.AnnotationPreventDestroy
			if owner != c.Name { // an ACL: its principal is what is protected
				what = "its principal " + owner + " is protected by " + spec.AnnotationPreventDestroy
			}
			p.refuse(c.Kind, c.Name, what+" (recorded when it was applied), so no plan may delete it; "+
				"to delete it, first apply its document with the annotation set to \"false\"")
		}
	}
	if opts.MaxDeletes == nil {
		return
	}
	limit := *opts.MaxDeletes
	var run []int
	for i, c := range p.Changes {
		if c.Action == ActionDelete && !c.Pending {
			run = append(run, i)
		}
	}
	if len(run) <= limit {
		return
	}
	why := fmt.Sprintf("the plan deletes %d resource(s), more than --max-deletes %d allows, so none is deleted; check the change, then apply with a higher --max-deletes", len(run), limit)
	for _, i := range run {
		p.Changes[i].Pending, p.Changes[i].Held = true, why
	}
}

// declaresNothing says whether a desired state holds no resource at all.
func declaresNothing(st *spec.State) bool {
	for _, c := range st.Counts() {
		if c.N > 0 {
			return false
		}
	}
	return true
}

// owned counts the resources the inventory says kgitops created.
func (inv Inventory) owned() int {
	n := 0
	for k, e := range inv.Entries {
		if !e.External && !operational(k.Kind) {
			n++
		}
	}
	return n
}

// guardConflicts leaves alone what two inventories claim. A resource this
// repo declares that another inventory name holds (created or claimed) is
// blocked, naming the other owner, and this repo's claim is recorded, so
// that the other repo's plans block it too: neither changes it until one
// of them stops declaring it. Claims this repo no longer needs are
// dropped.
func (p *Plan) guardConflicts(desired *spec.State, live *Live) {
	conflicts := map[ResourceKey]string{}
	declared := map[ResourceKey]bool{}
	for _, k := range registered() {
		if k.declared == nil {
			continue
		}
		for _, name := range k.declared(desired) {
			key := ResourceKey{k.name, name}
			declared[key] = true
			other, theirs := live.Inventory.Others[key]
			if !theirs {
				continue
			}
			conflicts[key] = other
			if _, ours := live.Inventory.Entries[key]; !ours {
				p.Claims = append(p.Claims, key)
			}
		}
	}
	for key, e := range live.Inventory.Entries {
		if e.Claim && !declared[key] {
			p.Unclaims = append(p.Unclaims, key)
		}
	}
	if len(conflicts) == 0 {
		return
	}
	p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool {
		_, conflict := conflicts[ResourceKey{c.Kind, ownerOf(c)}]
		return conflict
	})
	p.Errors = slices.DeleteFunc(p.Errors, func(r Refusal) bool {
		_, conflict := conflicts[ResourceKey{r.Kind, r.Name}]
		return conflict
	})
	keys := slices.SortedFunc(maps.Keys(conflicts), func(a, b ResourceKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	for _, key := range keys {
		p.block(key.Kind, key.Name, fmt.Sprintf("inventory %q declares it too: two repos claim it, so neither changes it; remove it from one of them", conflicts[key]))
	}
}

// ownerOf is the name under which the inventory holds what c changes.
func ownerOf(c Change) string {
	if k := kindOf(c.Kind); k != nil && k.owner != nil {
		return k.owner(c)
	}
	return c.Name
}
