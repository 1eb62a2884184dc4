package export

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// ACLs writes one ACL document per principal, acls/<principal>.yaml, its
// rules grouped by resource, permission and host, with the operations of
// each group listed together.
func ACLs(acls map[spec.ACLEntry]bool) []File {
	type group struct {
		rt, name, pattern, perm, host string
	}
	byPrincipal := map[string]map[group][]string{}
	for e := range acls {
		g := group{e.ResourceType, e.ResourceName, e.PatternType, e.Permission, e.Host}
		if byPrincipal[e.Principal] == nil {
			byPrincipal[e.Principal] = map[group][]string{}
		}
		byPrincipal[e.Principal][g] = append(byPrincipal[e.Principal][g], e.Operation)
	}
	var files []File
	seen := map[string]int{}
	for _, principal := range slices.Sorted(maps.Keys(byPrincipal)) {
		groups := byPrincipal[principal]
		keys := make([]group, 0, len(groups))
		for g := range groups {
			keys = append(keys, g)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			return fmt.Sprint(a.rt, "\x00", a.name, "\x00", a.pattern, "\x00", a.perm, "\x00", a.host) <
				fmt.Sprint(b.rt, "\x00", b.name, "\x00", b.pattern, "\x00", b.perm, "\x00", b.host)
		})
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: ACL\nmetadata:\n  name: %s\nspec:\n  principal: %s\n  rules:\n",
			spec.APIVersion, yamlString(principal), yamlString(principal))
		for _, g := range keys {
			ops := groups[g]
			sort.Strings(ops)
			fmt.Fprintf(&b, "    - resource: {type: %s, name: %s, patternType: %s}\n", g.rt, yamlString(g.name), g.pattern)
			fmt.Fprintf(&b, "      operations: [%s]\n", strings.Join(ops, ", "))
			fmt.Fprintf(&b, "      permission: %s\n", strings.ToLower(g.perm))
			fmt.Fprintf(&b, "      host: %s\n", yamlString(g.host))
		}
		files = append(files, File{Path: uniquePath(seen, filepath.Join("acls", fileName(principal))), Data: []byte(b.String())})
	}
	return files
}

// Quotas writes one Quota document per quota, quotas/<name>.yaml, in name
// order. A quota without values is left out: it limits nothing.
func Quotas(quotas []spec.Quota) []File {
	quotas = slices.SortedStableFunc(slices.Values(quotas), func(a, b spec.Quota) int { return cmp.Compare(a.Name, b.Name) })
	var files []File
	seen := map[string]int{}
	for _, q := range quotas {
		if len(q.Values) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Quota\nmetadata:\n  name: %s\nspec:\n", spec.APIVersion, yamlString(q.Name))
		entity := func(field string, name *string) {
			if name == nil {
				return
			}
			v := *name
			if v == "" {
				v = spec.DefaultEntity
			}
			fmt.Fprintf(&b, "  %s: %s\n", field, yamlString(v))
		}
		entity("user", q.Entity.User)
		entity("clientId", q.Entity.ClientID)
		entity("ip", q.Entity.IP)
		b.WriteString("  values:\n")
		for _, k := range slices.Sorted(maps.Keys(q.Values)) {
			// As Kafka's tools print it, and the plan does: 1048576, 12.5.
			fmt.Fprintf(&b, "    %s: %s\n", k, strconv.FormatFloat(q.Values[k], 'f', -1, 64))
		}
		files = append(files, File{Path: uniquePath(seen, filepath.Join("quotas", fileName(q.Name))), Data: []byte(b.String())})
	}
	return files
}

// Users lists SCRAM users, one per credential, as commented-out User
// documents in users.yaml, in name order: a password cannot be read back,
// so a user becomes managed only when someone gives it a passwordFrom.
// Until then a plan leaves it alone. Only the users' names, mechanisms and
// iterations are written.
func Users(users []spec.User) []File {
	if len(users) == 0 {
		return nil
	}
	users = slices.SortedStableFunc(slices.Values(users), func(a, b spec.User) int { return cmp.Compare(a.Name, b.Name) })
	var b strings.Builder
	b.WriteString("# SCRAM users of the cluster. Kafka never returns a password, so they are not\n")
	b.WriteString("# managed yet: to manage one, uncomment it, point passwordFrom at its password\n")
	b.WriteString("# (an environment variable or a file), and apply.\n")
	for _, u := range users {
		fmt.Fprintf(&b, "#\n# ---\n# apiVersion: %s\n# kind: User\n# metadata:\n#   name: %s\n# spec:\n#   scram:\n", spec.APIVersion, yamlString(u.Name))
		fmt.Fprintf(&b, "#     mechanism: %s\n#     iterations: %d\n#     passwordFrom: {env: CHANGE_ME}\n", u.Mechanism, u.Iterations)
	}
	return []File{{Path: "users.yaml", Data: []byte(b.String())}}
}
