package kconn

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// explained is an error put in plain words. It unwraps to the error it
// explains and, for connection failures, to the cause the trail saw, so that
// errors.Is and errors.As still find franz-go's and the net package's errors.
type explained struct {
	msg   string
	err   error
	cause error // may be nil

	// config says the client and the listener disagree (TLS, SASL):
	// retrying unchanged will not help, whatever the wrapped errors say.
	config bool
}

func (e *explained) Error() string { return e.msg }

func (e *explained) Unwrap() []error {
	if e.cause == nil || e.cause == e.err {
		return []error{e.err}
	}
	return []error{e.err, e.cause}
}

// explain returns err explained by the message format makes from args.
func explain(err error, format string, args ...any) error {
	return &explained{msg: fmt.Sprintf(format, args...), err: err}
}

// permissionHints says, per Kafka error, what is missing in plain words.
var permissionHints = []struct {
	err  *kerr.Error
	hint string
}{
	{kerr.TopicAuthorizationFailed, "missing permission on a topic: the Kafka user kgitops logs in as needs topic ACLs (DESCRIBE and DESCRIBE_CONFIGS to read; CREATE, ALTER, ALTER_CONFIGS and DELETE to change)"},
	{kerr.ClusterAuthorizationFailed, "missing permission on the cluster: the Kafka user kgitops logs in as needs cluster ACLs (DESCRIBE and DESCRIBE_CONFIGS to read ACLs, quotas and broker configs; ALTER and ALTER_CONFIGS to change them)"},
	{kerr.GroupAuthorizationFailed, "missing permission on a consumer group: the Kafka user kgitops logs in as needs group ACLs (DESCRIBE to read; DELETE to delete)"},
	{kerr.TransactionalIDAuthorizationFailed, "missing permission on a transactional ID: the Kafka user kgitops logs in as needs the transactional ID ACL DESCRIBE"},
	{kerr.DelegationTokenAuthorizationFailed, "missing permission on delegation tokens: the Kafka user kgitops logs in as needs the DESCRIBE_TOKENS ACL"},
	{kerr.SecurityDisabled, "the cluster has no authorizer, so there are no ACLs to read or change"},
	{kerr.SaslAuthenticationFailed, "SASL login failed: check --sasl-username, the password (" + EnvPassword + " or --sasl-password-file) and --sasl-mechanism"},
	{kerr.UnsupportedSaslMechanism, "the broker does not enable this SASL mechanism: pass another --sasl-mechanism"},
}

// Explain turns a Kafka authorization or authentication error from any admin
// call, wrapped or inside a kadm.ShardErrors, into one that names what is
// missing in plain words, followed by the original text. The result wraps
// err, so errors.Is(Explain(err), kerr.TopicAuthorizationFailed) still
// holds. Other errors, nil, and errors already explained pass through
// unchanged.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*explained](err); ok {
		return err
	}
	for _, p := range permissionHints {
		if hasKafkaErr(err, p.err) {
			return explain(err, "%s: %v", p.hint, err)
		}
	}
	return err
}

// hasKafkaErr reports whether err is, wraps, or holds in a kadm.ShardErrors
// the Kafka error target. kadm.AuthError matches through its Is method.
func hasKafkaErr(err error, target *kerr.Error) bool {
	if errors.Is(err, target) {
		return true
	}
	if se, ok := errors.AsType[*kadm.ShardErrors](err); ok {
		for _, s := range se.Errs {
			if errors.Is(s.Err, target) {
				return true
			}
		}
	}
	return false
}
