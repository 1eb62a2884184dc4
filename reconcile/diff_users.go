package reconcile

import (
	"fmt"
	"slices"

	"github.com/kgitops/kgitops/spec"
)

// UserChange is the executable part of a SCRAM user change.
type UserChange struct {
	Name   string
	Upsert *ScramUpsert // nil: no credential to set
	Delete []string     // mechanisms whose credentials to remove
	// Existed is set when the user had credentials before kgitops first
	// applied it: it is then recorded as external and never deleted.
	Existed bool
	// Protect is kgitops.io/prevent-destroy to record in the inventory,
	// when it changes.
	Protect *bool
}

func (c *UserChange) protection() *bool { return c.Protect }

// ScramUpsert is one credential to create or replace.
type ScramUpsert struct {
	Mechanism  string
	Iterations int32
	Password   Secret
}

// userChecks are the password comparisons diffUsers will make: a declared
// user with a password and a recorded hash, and, when users (the cluster's
// credentials) is not nil, a credential of its mechanism.
func userChecks(desired *spec.State, inv Inventory, passwords map[string]Secret, users map[string][]ScramCredential) []credentialCheck {
	var checks []credentialCheck
	for _, u := range desired.Users {
		pw, ok := passwords[u.Name]
		hash := inv.Entries[ResourceKey{KindUser, u.Name}].PasswordHash
		if !ok || pw.IsZero() || hash == "" || spec.MarkedForDeletion(u.Annotations) ||
			users != nil && !slices.ContainsFunc(users[u.Name], func(c ScramCredential) bool { return c.Mechanism == u.Mechanism }) {
			continue
		}
		checks = append(checks, credentialCheck{hash: hash, mechanism: u.Mechanism, iterations: u.Iterations, password: pw})
	}
	return checks
}

// diffUsers brings each declared user's SCRAM credential to the declared
// mechanism, iteration count and password. A password cannot be read back,
// so the inventory keeps a salted hash of what was applied: a different
// password, mechanism or iteration count shows as a change, an unchanged
// one as none. Credentials of other mechanisms on a declared user are
// removed. A user the repo no longer declares is deleted only when kgitops
// created it, and only with AllowDelete. A user marked with
// kgitops.io/delete loses its credentials, with AllowDelete, whoever
// created it.
func diffUsers(p *Plan, desired *spec.State, live *Live, opts DiffOptions) {
	if live.Users == nil {
		if len(desired.Users) > 0 {
			p.refuse(KindUser, "*", "the cluster's SCRAM users were not read")
		}
		return
	}
	if live.offlineUsers == nil {
		checkCredentials(userChecks(desired, live.Inventory, opts.Passwords, live.Users))
	}
	declared := map[string]bool{}
	for _, u := range desired.Users {
		declared[u.Name] = true
		if spec.MarkedForDeletion(u.Annotations) {
			if creds := live.Users[u.Name]; len(creds) > 0 {
				c := deleteUser(u.Name, creds, opts)
				c.Requested = true
				c.Sources = []string{"User " + u.Name + " at " + u.Pos.String() + " (" + spec.AnnotationDelete + ")"}
				p.Changes = append(p.Changes, c)
			}
			continue
		}
		pw, ok := opts.Passwords[u.Name]
		if live.offlineUsers != nil {
			pw, ok = NewSecret("offline"), true // compared by passwordFrom below
		}
		if !ok || pw.IsZero() {
			p.refuse(KindUser, u.Name, "no password was given to compare with: read it from its passwordFrom before planning")
			continue
		}
		creds := live.Users[u.Name]
		uc := &UserChange{Name: u.Name, Existed: len(creds) > 0 && !live.Inventory.has(KindUser, u.Name)}
		var fields []Field
		cur := slices.IndexFunc(creds, func(c ScramCredential) bool { return c.Mechanism == u.Mechanism })
		entry := live.Inventory.Entries[ResourceKey{KindUser, u.Name}]
		switch {
		case cur < 0:
			fields = append(fields,
				Field{Path: "scram.mechanism", New: u.Mechanism},
				Field{Path: "scram.iterations", New: u.Iterations},
				Field{Path: "scram.password", New: "(set from " + passwordOrigin(u) + ")"})
		default:
			if it := creds[cur].Iterations; it != u.Iterations {
				fields = append(fields, Field{Path: "scram.iterations", Old: it, New: u.Iterations})
			}
			offline, isOffline := live.offlineUsers[u.Name]
			switch {
			case isOffline:
				if passwordOrigin(offline) != passwordOrigin(u) {
					fields = append(fields, Field{Path: "scram.password", Old: "(from " + passwordOrigin(offline) + ")", New: "(changed, from " + passwordOrigin(u) + ")"})
				}
			case live.offlineUsers != nil:
			case entry.PasswordHash == "":
				fields = append(fields, Field{Path: "scram.password", Old: "(not set by kgitops)", New: "(set from " + passwordOrigin(u) + ")"})
			case !credentialMatches(entry.PasswordHash, u.Mechanism, u.Iterations, pw):
				fields = append(fields, Field{Path: "scram.password", Old: "(applied earlier)", New: "(changed, from " + passwordOrigin(u) + ")"})
			}
		}
		if len(fields) > 0 {
			uc.Upsert = &ScramUpsert{Mechanism: u.Mechanism, Iterations: u.Iterations, Password: pw}
		}
		// The inventory holds the user once its credential is set.
		held := uc.Upsert != nil || live.Inventory.has(KindUser, u.Name)
		if want := spec.PreventDestroy(u.Annotations); held && want != entry.PreventDestroy {
			uc.Protect = &want
			var old any
			if live.Inventory.has(KindUser, u.Name) {
				old = entry.PreventDestroy
			}
			fields = append(fields, protectField(old, want))
		}
		for _, c := range creds {
			if c.Mechanism != u.Mechanism {
				uc.Delete = append(uc.Delete, c.Mechanism)
				fields = append(fields, Field{Path: "scram." + c.Mechanism, Old: fmt.Sprintf("%d iterations", c.Iterations)})
			}
		}
		if len(fields) == 0 {
			continue
		}
		action := ActionUpdate
		if len(creds) == 0 {
			action = ActionCreate
		}
		p.Changes = append(p.Changes, Change{Action: action, Kind: KindUser, Name: u.Name, Fields: fields, Payload: uc,
			Sources: []string{"User " + u.Name + " at " + u.Pos.String()}})
	}

	for _, name := range live.Inventory.created(KindUser) {
		creds := live.Users[name]
		if declared[name] || len(creds) == 0 {
			continue
		}
		p.Changes = append(p.Changes, deleteUser(name, creds, opts))
	}
}

// deleteUser removes every credential of a user.
func deleteUser(name string, creds []ScramCredential, opts DiffOptions) Change {
	uc := &UserChange{Name: name}
	var fields []Field
	for _, c := range creds {
		uc.Delete = append(uc.Delete, c.Mechanism)
		fields = append(fields, Field{Path: "scram." + c.Mechanism, Old: fmt.Sprintf("%d iterations", c.Iterations)})
	}
	return Change{Action: ActionDelete, Kind: KindUser, Name: name, Fields: fields, Payload: uc, Pending: !opts.AllowDelete}
}

// passwordOrigin says where a password comes from, never what it is.
func passwordOrigin(u spec.User) string {
	if u.PasswordFrom.Env != "" {
		return "env " + u.PasswordFrom.Env
	}
	return "file " + u.PasswordFrom.File
}
