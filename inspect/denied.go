package inspect

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/access"
	"github.com/kgitops/kgitops/spec"
)

// Need is a permission a command needs: an ACL operation on a resource.
type Need struct {
	Op       string // DESCRIBE, READ
	Resource string // topic, group or cluster
	Name     string // "" for the cluster
}

// Denied names the missing permission when err is an authorization
// failure: a TopicAuthorizationFailed names the first topic need, a
// GroupAuthorizationFailed the first group need, and so on, as
// "User:alice lacks DESCRIBE on group g". principal is who the client
// logged in as. Other errors pass through unchanged; the result wraps
// err.
func Denied(err error, principal string, needs ...Need) error {
	if ne, ok := errors.AsType[*needError](err); ok {
		needs = append([]Need{ne.need}, needs...)
	}
	kinds := []struct {
		err      *kerr.Error
		resource string
	}{
		{kerr.TopicAuthorizationFailed, "topic"},
		{kerr.GroupAuthorizationFailed, "group"},
		{kerr.ClusterAuthorizationFailed, "cluster"},
	}
	for _, k := range kinds {
		if !errors.Is(err, k.err) {
			continue
		}
		for _, n := range needs {
			if n.Resource != k.resource {
				continue
			}
			name := n.Name
			if name == "" && n.Resource == spec.ResourceCluster {
				name = spec.ClusterResourceName
			}
			// access.Missing says what grants it: a built-in role, or the ACL.
			msg := access.Missing(principal, n.Op, access.Resource{Type: n.Resource, Name: name}, nil)
			return &deniedError{msg: fmt.Sprintf("%s: %v", msg, err), err: err}
		}
	}
	return err
}

type deniedError struct {
	msg string
	err error
}

func (e *deniedError) Error() string { return e.msg }
func (e *deniedError) Unwrap() error { return e.err }

// IsDenied reports whether Denied explained err.
func IsDenied(err error) bool {
	_, ok := errors.AsType[*deniedError](err)
	return ok
}

// needError says which permission the failed request needed, so that
// Denied names it rather than the caller's guess.
type needError struct {
	need Need
	err  error
}

func (e *needError) Error() string { return e.err.Error() }
func (e *needError) Unwrap() error { return e.err }

// withNeed records on err the permission the failed request needed.
func withNeed(err error, op, resource, name string) error {
	if err == nil {
		return nil
	}
	return &needError{need: Need{Op: op, Resource: resource, Name: name}, err: err}
}
