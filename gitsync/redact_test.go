package gitsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://github.com/acme/kafka.git", "https://github.com/acme/kafka.git"},
		{"https://git:s3cret@github.com/acme/kafka.git", "https://github.com/acme/kafka.git"},
		{"https://x-access-token:ghs_abc@github.com/acme/kafka", "https://github.com/acme/kafka"},
		{"https://ghp_token@github.com/acme/kafka", "https://github.com/acme/kafka"},
		{"http://user:p%40ss@10.0.0.1:3000/repo", "http://10.0.0.1:3000/repo"},
		{"https://gitlab.example/g/r.git?private_token=glpat-xyz&ref=main", "https://gitlab.example/g/r.git?private_token=REDACTED&ref=REDACTED"},
		{"https://host/r.git#frag", "https://host/r.git"},
		{"ssh://git@github.com/acme/kafka.git", "ssh://git@github.com/acme/kafka.git"},
		{"ssh://git:hunter2@github.com:2222/acme/kafka.git", "ssh://git@github.com:2222/acme/kafka.git"},
		{"git@github.com:acme/kafka.git", "git@github.com:acme/kafka.git"},
		{"git:hunter2@github.com:acme/kafka.git", "git@github.com:acme/kafka.git"},
		{"git://host/repo", "git://host/repo"},
		{"ftp://u:pw@host/x", "ftp://host/x"},
		{"file:///srv/git/kafka.git", "file:///srv/git/kafka.git"},
		{"/srv/git/kafka.git", "/srv/git/kafka.git"},
		{"./relative/repo", "./relative/repo"},
		{"", ""},
		// Not a valid URL: the credentials still go.
		{"https://user:s3cret@host:badport/x?tok=abc", "https://host:badport/x?REDACTED"},
		{"https://us%zzer:s3cret@host/x", "https://host/x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Fatalf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScrubText(t *testing.T) {
	got := scrubText("auth p@ss/word failed for https://git:p%40ss%2Fword@host, p%40ss%2Fword again", "p@ss/word")
	if strings.Contains(got, "ss") {
		t.Fatalf("scrubText left the secret in %q", got)
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&Error{kind: kindAuth}, "auth"},
		{&Error{kind: kindNotFound}, "not_found"},
		{&Error{kind: kindUnreachable}, "unreachable"},
		{&Error{kind: kindUnreachable, timeout: true}, "timeout"},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "timeout"},
		{&Error{kind: kindLocal}, "cache"},
		{errors.New("something else"), "cache"},
	}
	for _, tt := range tests {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
