// Package access answers "may this principal do this operation on this
// resource?" the way Kafka's StandardAuthorizer (KRaft) does, from a list of
// ACLs: the repo's, expanded with their sources, or the cluster's. It also
// lists who can do an operation, and compares the repo's answer with the
// cluster's.
//
// The evaluator is pure: it reads no files and makes no requests. It
// follows StandardAuthorizerData.java of Apache Kafka 4.1: super users
// first; then a DENY that matches wins over any ALLOW; only ALLOW ACLs imply
// operations (READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS
// implies DESCRIBE_CONFIGS; ALL matches every operation, to allow or to
// deny); allow.everyone.if.no.acl.found applies only when no ACL at all
// names the resource. It does not know the brokers' super.users or
// allow.everyone.if.no.acl.found: the caller says them in Options. It does
// not model authorizers other than Kafka's own. It answers for one
// operation on one resource: a request that accepts one of several
// permissions is the caller's to combine (Check notes the common one:
// CREATE on the cluster lets CreateTopics create any topic).
package access

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kgitops/kgitops/spec"
)

// WildcardPrincipal is the principal of an ACL that applies to every user.
const WildcardPrincipal = "User:*"

// Resource is one resource a client acts on: a type (spec's names, such as
// topic) and a literal name.
type Resource struct {
	Type string
	Name string
}

// String writes r as the command line takes it, such as topic:orders.
func (r Resource) String() string { return r.Type + ":" + r.Name }

// Request is one question: may Principal do Operation on Resource,
// connecting from Host? Host "*" means any host: the client's address is
// not known, so only ACLs for every host ("*") decide, and ACLs bound to
// one address are reported as notes.
type Request struct {
	Principal string // such as User:alice
	Operation string // Kafka's name, such as READ
	Resource  Resource
	Host      string // "*" or an IP address as Kafka writes it
}

// ACL is one ACL with the repo documents that ask for it; Sources is empty
// for an ACL read from the cluster.
type ACL struct {
	Entry   spec.ACLEntry
	Sources []spec.ACLSource
}

// Options are the broker settings kgitops cannot read: its super.users and
// allow.everyone.if.no.acl.found.
type Options struct {
	SuperUsers   []string // principals, such as User:admin
	AllowIfNoACL bool     // allow.everyone.if.no.acl.found (Kafka's default: false)
}

// Match is an ACL that applies to a request.
type Match struct {
	ACL
	// Implied says the ACL grants the operation through another, such as
	// an ALLOW of READ that grants DESCRIBE.
	Implied bool
}

// Allow reports whether m is an ALLOW ACL.
func (m Match) Allow() bool { return m.Entry.Permission == spec.PermissionAllow }

// Rule names what decided a Decision.
type Rule string

// The rules that decide, in Kafka's order.
const (
	RuleSuperUser Rule = "super-user" // a super user: ACLs are not read
	RuleDeny      Rule = "deny"       // a DENY ACL matches
	RuleAllow     Rule = "allow"      // an ALLOW ACL matches, and no DENY
	RuleNoAllow   Rule = "no-allow"   // ACLs name the resource, but none allows this
	RuleNoACL     Rule = "no-acl"     // no ACL names the resource: allow.everyone.if.no.acl.found decides
)

// Decision is the answer to a Request, and why.
type Decision struct {
	Request
	Allowed bool
	Rule    Rule
	// Matches are the ACLs that apply: DENY ones first, then ALLOW ones,
	// each sorted as spec sorts ACLs.
	Matches []Match
	// Hosts are the answers for clients from particular addresses, when
	// they differ from this one: ACLs bound to one address. Only when
	// Request.Host is "*".
	Hosts []HostDecision
	// AllowIfNoACL is Options.AllowIfNoACL, for the reason.
	AllowIfNoACL bool
}

// HostDecision is the answer for a client connecting from Host.
type HostDecision struct {
	Host    string
	Allowed bool
	Rule    Rule
	Matches []Match // those bound to Host, that change the answer
}

// Evaluate answers req from acls, as Kafka's StandardAuthorizer does.
func Evaluate(acls []ACL, req Request, opts Options) Decision {
	if req.Host == "" {
		req.Host = spec.Wildcard
	}
	d := decide(acls, req, opts)
	if req.Host != spec.Wildcard {
		return d
	}
	// ACLs bound to one address apply only to clients from there.
	var hosts []string
	for _, a := range acls {
		e := a.Entry
		if e.Host != spec.Wildcard && resourceMatches(e, req.Resource) && principalMatches(e, req.Principal) {
			if ok, _ := operationMatches(e, req.Operation); ok && !slices.Contains(hosts, e.Host) {
				hosts = append(hosts, e.Host)
			}
		}
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		r := req
		r.Host = h
		hd := decide(acls, r, opts)
		if hd.Allowed == d.Allowed {
			continue
		}
		var bound []Match
		for _, m := range hd.Matches {
			if m.Entry.Host == h {
				bound = append(bound, m)
			}
		}
		d.Hosts = append(d.Hosts, HostDecision{Host: h, Allowed: hd.Allowed, Rule: hd.Rule, Matches: bound})
	}
	return d
}

// decide answers req for one host.
func decide(acls []ACL, req Request, opts Options) Decision {
	d := Decision{Request: req, AllowIfNoACL: opts.AllowIfNoACL}
	named := false // some ACL names the resource, whoever it is for
	for _, a := range acls {
		e := a.Entry
		if !resourceMatches(e, req.Resource) {
			continue
		}
		named = true
		if !principalMatches(e, req.Principal) || e.Host != spec.Wildcard && e.Host != req.Host {
			continue
		}
		if ok, implied := operationMatches(e, req.Operation); ok {
			d.Matches = append(d.Matches, Match{ACL: a, Implied: implied})
		}
	}
	sortMatches(d.Matches)
	switch {
	case slices.Contains(opts.SuperUsers, req.Principal):
		d.Allowed, d.Rule = true, RuleSuperUser
	case len(d.Matches) > 0 && !d.Matches[0].Allow():
		d.Allowed, d.Rule = false, RuleDeny
	case len(d.Matches) > 0:
		d.Allowed, d.Rule = true, RuleAllow
	case !named:
		d.Allowed, d.Rule = opts.AllowIfNoACL, RuleNoACL
	default:
		d.Allowed, d.Rule = false, RuleNoAllow
	}
	return d
}

// resourceMatches reports whether e's resource pattern covers r: the same
// type, and the same name (literal), the name "*" (literal), or a prefix of
// r's name (prefixed). Names are case-sensitive.
func resourceMatches(e spec.ACLEntry, r Resource) bool {
	if e.ResourceType != r.Type {
		return false
	}
	switch e.PatternType {
	case spec.PatternLiteral:
		return e.ResourceName == r.Name || e.ResourceName == spec.Wildcard
	case spec.PatternPrefixed:
		return strings.HasPrefix(r.Name, e.ResourceName)
	}
	return false
}

// principalMatches reports whether e applies to principal: its own, or
// User:* (Kafka has no wildcard for other principal types).
func principalMatches(e spec.ACLEntry, principal string) bool {
	return e.Principal == principal || e.Principal == WildcardPrincipal
}

// operationMatches reports whether e's operation covers op, and whether
// only by implication. ALL covers everything, to allow or to deny. Only an
// ALLOW implies: a DENY of READ does not deny DESCRIBE.
func operationMatches(e spec.ACLEntry, op string) (ok, implied bool) {
	switch {
	case e.Operation == op || e.Operation == spec.OperationAll:
		return true, false
	case e.Permission != spec.PermissionAllow:
		return false, false
	case op == "DESCRIBE":
		ok = slices.Contains([]string{"READ", "WRITE", "DELETE", "ALTER"}, e.Operation)
	case op == "DESCRIBE_CONFIGS":
		ok = e.Operation == "ALTER_CONFIGS"
	}
	return ok, ok
}

// Implies reports whether an ALLOW of granted also allows op.
func Implies(granted, op string) bool {
	ok, _ := operationMatches(spec.ACLEntry{Operation: granted, Permission: spec.PermissionAllow}, op)
	return ok
}

// sortMatches puts DENY ACLs first, then sorts as spec sorts ACLs.
func sortMatches[M interface {
	Allow() bool
	entry() spec.ACLEntry
}](ms []M) {
	slices.SortStableFunc(ms, func(a, b M) int {
		return cmp.Or(cmp.Compare(boolInt(a.Allow()), boolInt(b.Allow())), compareEntries(a.entry(), b.entry()))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (m Match) entry() spec.ACLEntry { return m.Entry }

func (m Match) implied() bool { return m.Implied }

func compareEntries(a, b spec.ACLEntry) int {
	return cmp.Or(
		cmp.Compare(a.Principal, b.Principal),
		cmp.Compare(a.ResourceType, b.ResourceType),
		cmp.Compare(a.ResourceName, b.ResourceName),
		cmp.Compare(a.PatternType, b.PatternType),
		cmp.Compare(a.Operation, b.Operation),
		cmp.Compare(a.Permission, b.Permission),
		cmp.Compare(a.Host, b.Host),
	)
}

// Reason says in one sentence why d is what it is.
func (d Decision) Reason() string {
	switch d.Rule {
	case RuleSuperUser:
		return fmt.Sprintf("%s is a super user: the brokers' super.users bypass ACLs", d.Principal)
	case RuleDeny:
		m := d.Matches[0]
		why := "denied by " + m.Entry.String()
		if n := len(d.Matches) - countDeny(d.Matches); n > 0 {
			why += fmt.Sprintf(" (a DENY wins over the %d ALLOW ACL%s that match)", n, plural(n))
		}
		return why
	case RuleAllow:
		m := d.Matches[0]
		why := "allowed by " + m.Entry.String()
		if m.Implied {
			why += fmt.Sprintf(" (%s implies %s)", m.Entry.Operation, d.Operation)
		}
		return why
	case RuleNoAllow:
		return fmt.Sprintf("no ACL allows %s %s on %s, though ACLs name the resource: denied", d.Principal, d.Operation, d.Resource)
	}
	if d.AllowIfNoACL {
		return "no ACL matches the resource: allowed (allow.everyone.if.no.acl.found is true, as --allow-if-no-acl says)"
	}
	return "no ACL matches: denied (allow.everyone.if.no.acl.found is false by default)"
}

func countDeny(ms []Match) int {
	n := 0
	for _, m := range ms {
		if !m.Allow() {
			n++
		}
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
