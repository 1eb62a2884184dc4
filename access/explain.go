package access

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/spec"
)

// authErrors are Kafka's errors for a request its authorizer refused.
var authErrors = []*kerr.Error{
	kerr.TopicAuthorizationFailed,
	kerr.GroupAuthorizationFailed,
	kerr.ClusterAuthorizationFailed,
	kerr.TransactionalIDAuthorizationFailed,
	kerr.DelegationTokenAuthorizationFailed,
}

// IsAuthorization reports whether err is, or wraps, a Kafka authorization
// failure.
func IsAuthorization(err error) bool {
	return slices.ContainsFunc(authErrors, func(k *kerr.Error) bool { return errors.Is(err, k) })
}

// PermissionError is a Kafka authorization failure put in plain words: who
// lacks what, and what grants it.
type PermissionError struct {
	Principal string
	Operation string
	Resource  Resource
	msg       string
	err       error
}

func (e *PermissionError) Error() string { return e.msg }

// Unwrap returns the Kafka error, so that errors.Is still finds it.
func (e *PermissionError) Unwrap() error { return e.err }

// Explain returns err, when it is a Kafka authorization failure, as a
// PermissionError that names the missing operation and resource and what
// grants it, for example "User:bob lacks READ on topic orders; a
// RoleBinding of role consumer grants it (kgitops access check User:bob
// read topic:orders explains)". st, the repo, may be nil; when its ACLs
// already allow the request, the message says to apply them. Other errors
// and nil pass through unchanged.
func Explain(err error, principal, op string, r Resource, st *spec.State) error {
	if err == nil || !IsAuthorization(err) {
		return err
	}
	if _, ok := errors.AsType[*PermissionError](err); ok {
		return err
	}
	return &PermissionError{
		Principal: principal, Operation: op, Resource: r,
		msg: Missing(principal, op, r, st) + ": " + err.Error(),
		err: err,
	}
}

// Missing says that principal lacks op on r, what in the repo (st, may be
// nil) bears on it, and which role would grant it.
func Missing(principal, op string, r Resource, st *spec.State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s lacks %s on %s %s", principal, op, r.Type, r.Name)
	if st != nil {
		d := Evaluate(FromState(st), Request{Principal: principal, Operation: op, Resource: r, Host: spec.Wildcard}, Options{})
		switch d.Rule {
		case RuleAllow:
			fmt.Fprintf(&b, "; the repo grants it (%s) but the cluster does not have it yet: apply the repo", sourceText(d.Matches[0].ACL, ""))
			return b.String() + checkHint(principal, op, r)
		case RuleDeny:
			fmt.Fprintf(&b, "; the repo denies it (%s), and a DENY wins over any ALLOW", sourceText(d.Matches[0].ACL, ""))
			return b.String() + checkHint(principal, op, r)
		}
	}
	b.WriteString("; " + whatGrants(op, r, st))
	return b.String() + checkHint(principal, op, r)
}

func checkHint(principal, op string, r Resource) string {
	return fmt.Sprintf(" (kgitops access check %s %s %s explains)", principal, strings.ToLower(op), r)
}

// whatGrants names the roles, built-in first, that grant op on resources
// of r's type, or the ACL rule to write when none does.
func whatGrants(op string, r Resource, st *spec.State) string {
	roles := GrantingRoles(op, r.Type, st)
	if len(roles) == 0 {
		return fmt.Sprintf("an ACL rule {resource: {type: %s, name: %s}, operations: [%s]} grants it",
			r.Type, r.Name, strings.ToLower(op))
	}
	s := fmt.Sprintf("a RoleBinding of role %s grants it", roles[0])
	if len(roles) > 1 {
		s += " (so do " + strings.Join(roles[1:], ", ") + ")"
	}
	return s
}

// GrantingRoles lists the roles that grant op on resources of type rt: the
// built-in ones, fewest permissions first, then the repo's Roles (st may be
// nil) by name.
func GrantingRoles(op, rt string, st *spec.State) []string {
	type role struct {
		name string
		size int
	}
	var builtin []role
	for _, name := range spec.BuiltinRoleNames() {
		ops, _ := spec.BuiltinRoleOperations(name)
		size := 0 // how much the role grants: ALL counts every operation
		for t, o := range ops {
			if slices.Contains(o, spec.OperationAll) {
				size += len(spec.Operations(t)) - 1
			} else {
				size += len(o)
			}
		}
		if slices.ContainsFunc(ops[rt], func(g string) bool { return Implies(g, op) }) {
			builtin = append(builtin, role{name, size})
		}
	}
	slices.SortStableFunc(builtin, func(a, b role) int { return cmp.Compare(a.size, b.size) })
	var out []string
	for _, r := range builtin {
		out = append(out, r.name)
	}
	if st == nil {
		return out
	}
	var own []string
	for _, r := range st.Roles {
		for _, rule := range r.Rules {
			if rule.ResourceType == rt && slices.ContainsFunc(rule.Operations, func(g string) bool { return Implies(g, op) }) {
				own = append(own, r.Name)
				break
			}
		}
	}
	slices.Sort(own)
	return append(out, slices.Compact(own)...)
}

// sourceText names where a repo ACL comes from, such as "RoleBinding
// reads (role consumer) at access/rbac.yaml:4", with files under dir.
func sourceText(a ACL, dir string) string {
	if len(a.Sources) == 0 {
		return a.Entry.String()
	}
	var parts []string
	for _, s := range a.Sources {
		parts = append(parts, SourceName(s)+" at "+s.Pos.Under(dir).String())
	}
	return strings.Join(parts, "; ")
}

// SourceName names a repo document that asks for an ACL, such as
// "RoleBinding reads (role consumer)" or "ACL alice".
func SourceName(s spec.ACLSource) string {
	if s.Role != "" {
		return fmt.Sprintf("%s %s (role %s)", s.Kind, s.Name, s.Role)
	}
	return s.Kind + " " + s.Name
}
