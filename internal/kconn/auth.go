package kconn

import "github.com/twmb/franz-go/pkg/kerr"

// IsAuth reports whether err is an authentication or authorization failure:
// a SASL login refused, a missing ACL, or a TLS or SASL mismatch between
// the client and the listener that Connect diagnosed. A broker that hangs
// up on a new connection without a diagnosis is not counted: a broker
// shutting down does that too. Only a change of credentials, ACLs or
// configuration fixes it, so a loop should not retry it quickly.
func IsAuth(err error) bool {
	if err == nil {
		return false
	}
	if tlsOrSASLProblem(err) {
		return true
	}
	for _, p := range permissionHints {
		if p.err != kerr.SecurityDisabled && hasKafkaErr(err, p.err) {
			return true
		}
	}
	return false
}
