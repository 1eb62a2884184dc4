package spec

import (
	"cmp"
	"fmt"
	"slices"
)

// byPos returns items in the order they were declared: by file, then line.
func byPos[T any](items []T, pos func(T) Pos) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		pa, pb := pos(a), pos(b)
		return cmp.Or(cmp.Compare(pa.File, pb.File), cmp.Compare(pa.Line, pb.Line))
	})
	return out
}

// checkNames reports each name of a kind that is declared more than once.
// items are in declaration order; the later declaration is reported and
// names the first.
func checkNames[T any](l *loader, kind string, items []T, name func(T) string, pos func(T) Pos) {
	first := map[string]Pos{}
	for _, it := range items {
		n, p := name(it), pos(it)
		if f, ok := first[n]; ok {
			l.add(Error{Pos: p, Msg: fmt.Sprintf("%s %q is declared twice: also at %s", kind, n, f), Hint: "remove one of them, or rename it"})
			continue
		}
		first[n] = p
	}
}

// checkACLs reports ACL documents with the same name. Documents for the
// same principal are fine: their rules add up.
func checkACLs(l *loader, st *State) {
	pos := func(a ACL) Pos { return a.Pos }
	checkNames(l, KindACL, byPos(st.ACLs, pos), func(a ACL) string { return a.Name }, pos)
}

func checkRoles(l *loader, st *State) {
	pos := func(r Role) Pos { return r.Pos }
	checkNames(l, KindRole, byPos(st.Roles, pos), func(r Role) string { return r.Name }, pos)
}

func checkRoleBindings(l *loader, st *State) {
	pos := func(b RoleBinding) Pos { return b.Pos }
	checkNames(l, KindRoleBinding, byPos(st.RoleBindings, pos), func(b RoleBinding) string { return b.Name }, pos)
}

func checkUsers(l *loader, st *State) {
	pos := func(u User) Pos { return u.Pos }
	checkNames(l, KindUser, byPos(st.Users, pos), func(u User) string { return u.Name }, pos)
}
