package reconcile

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// exportACLs writes one ACL document per principal, its rules grouped by
// resource, permission and host, with the operations of each group listed
// together.
func exportACLs(acls map[spec.ACLEntry]bool) []ExportedFile {
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
	var files []ExportedFile
	seen := map[string]int{}
	for _, principal := range sortedKeys(byPrincipal) {
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
		files = append(files, ExportedFile{Path: uniquePath(seen, filepath.Join("acls", fileName(principal))), Data: []byte(b.String())})
	}
	return files
}

// exportQuotas writes one Quota document per entity.
func exportQuotas(quotas map[string]LiveQuota) []ExportedFile {
	var files []ExportedFile
	seen := map[string]int{}
	for _, key := range sortedKeys(quotas) {
		q := quotas[key]
		if len(q.Values) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: %s\nkind: Quota\nmetadata:\n  name: %s\nspec:\n", spec.APIVersion, yamlString(key))
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
		for _, k := range sortedKeys(q.Values) {
			fmt.Fprintf(&b, "    %s: %s\n", k, quotaText(q.Values[k]))
		}
		files = append(files, ExportedFile{Path: uniquePath(seen, filepath.Join("quotas", fileName(key))), Data: []byte(b.String())})
	}
	return files
}

// exportUsers lists the SCRAM users as commented-out User documents: a
// password cannot be read back, so a user becomes managed only when someone
// gives it a passwordFrom. Until then the plan leaves it alone.
func exportUsers(users map[string][]ScramCredential) []ExportedFile {
	if len(users) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("# SCRAM users of the cluster. Kafka never returns a password, so they are not\n")
	b.WriteString("# managed yet: to manage one, uncomment it, point passwordFrom at its password\n")
	b.WriteString("# (an environment variable or a file), and apply.\n")
	for _, name := range sortedKeys(users) {
		creds := users[name]
		for _, c := range creds {
			fmt.Fprintf(&b, "#\n# ---\n# apiVersion: %s\n# kind: User\n# metadata:\n#   name: %s\n# spec:\n#   scram:\n", spec.APIVersion, yamlString(name))
			fmt.Fprintf(&b, "#     mechanism: %s\n#     iterations: %d\n#     passwordFrom: {env: CHANGE_ME}\n", c.Mechanism, c.Iterations)
		}
	}
	return []ExportedFile{{Path: "users.yaml", Data: []byte(b.String())}}
}

// uniquePath adds ".yaml" to base, and a counter when two names map to the
// same file.
func uniquePath(seen map[string]int, base string) string {
	seen[base]++
	if n := seen[base]; n > 1 {
		return fmt.Sprintf("%s-%d.yaml", base, n)
	}
	return base + ".yaml"
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a principal or an entity into a file name.
func fileName(s string) string {
	s = unsafeFileChars.ReplaceAllString(s, "-")
	return strings.Trim(s, "-.")
}
