package inspect_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/inspect"
)

func TestDenied(t *testing.T) {
	group := inspect.Need{Op: "DESCRIBE", Resource: "group", Name: "g"}
	topic := inspect.Need{Op: "DESCRIBE", Resource: "topic", Name: "t"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"group", fmt.Errorf("describe group: %w", &kadm.AuthError{Err: kerr.GroupAuthorizationFailed}),
			"User:alice lacks DESCRIBE on group g; a RoleBinding of role consumer grants it (so do transactional-producer, connect-worker, streams-app, admin) (kgitops access check User:alice describe group:g explains): describe group: GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed."},
		{"topic", kerr.TopicAuthorizationFailed,
			"User:alice lacks DESCRIBE on topic t; a RoleBinding of role producer grants it (so do consumer, transactional-producer, connect-worker, streams-app, admin) (kgitops access check User:alice describe topic:t explains): TOPIC_AUTHORIZATION_FAILED: Not authorized to access topics: [Topic authorization failed.]"},
		{"no need for the resource", kerr.ClusterAuthorizationFailed, kerr.ClusterAuthorizationFailed.Error()},
		{"not a permission", errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := inspect.Denied(tt.err, "User:alice", group, topic)
			if got.Error() != tt.want {
				t.Errorf("Denied = %q\nwant %q", got, tt.want)
			}
			if !errors.Is(got, tt.err) && !errors.Is(got, errors.Unwrap(tt.err)) {
				t.Errorf("Denied does not wrap %v", tt.err)
			}
		})
	}
}
