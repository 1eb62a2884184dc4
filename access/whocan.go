package access

import (
	"slices"

	"github.com/kgitops/kgitops/spec"
)

// Grantee is a principal that may do an operation, and why.
type Grantee struct {
	Principal string
	Decision  Decision
}

// WhoCanResult lists who may do an operation on a resource.
type WhoCanResult struct {
	Operation string
	Resource  Resource
	Host      string
	// Grantees are the principals allowed, sorted; User:* when an ACL
	// allows every user, and super users.
	Grantees []Grantee
	// Denied are the principals an ACL denies although another allows
	// them (or User:*), sorted.
	Denied []Decision
	// Everyone says no ACL names the resource and allow.everyone.if.no.acl.found
	// is set: every principal may.
	Everyone bool
}

// WhoCan lists the principals that acls (with opts) allow to do op on r
// from host, each with the ACL that allows it; principals denied are left
// out of Grantees and listed in Denied when an ALLOW would have covered them.
func WhoCan(acls []ACL, op string, r Resource, host string, opts Options) WhoCanResult {
	if host == "" {
		host = spec.Wildcard
	}
	res := WhoCanResult{Operation: op, Resource: r, Host: host}
	var principals []string
	named := false
	for _, a := range acls {
		if resourceMatches(a.Entry, r) {
			named = true
			principals = append(principals, a.Entry.Principal)
		}
	}
	if !named && opts.AllowIfNoACL {
		res.Everyone = true
	}
	principals = append(principals, opts.SuperUsers...)
	slices.Sort(principals)
	principals = slices.Compact(principals)
	everyUser := false
	for _, p := range principals {
		d := Evaluate(acls, Request{Principal: p, Operation: op, Resource: r, Host: host}, opts)
		if p == WildcardPrincipal {
			// User:* as a principal: what an ACL of User:* alone grants.
			everyUser = d.Allowed && d.Rule == RuleAllow
			if everyUser {
				res.Grantees = append(res.Grantees, Grantee{Principal: p, Decision: d})
			}
			continue
		}
		switch {
		case d.Allowed:
			res.Grantees = append(res.Grantees, Grantee{Principal: p, Decision: d})
		case d.Rule == RuleDeny && (everyUser || hasAllow(d.Matches) || wildcardAllows(acls, op, r, host, opts)):
			res.Denied = append(res.Denied, d)
		}
	}
	return res
}

func hasAllow(ms []Match) bool {
	return slices.ContainsFunc(ms, Match.Allow)
}

// wildcardAllows reports whether an ACL of User:* allows op on r.
func wildcardAllows(acls []ACL, op string, r Resource, host string, opts Options) bool {
	d := Evaluate(acls, Request{Principal: WildcardPrincipal, Operation: op, Resource: r, Host: host}, Options{AllowIfNoACL: opts.AllowIfNoACL})
	return d.Rule == RuleAllow
}
