package gitsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"golang.org/x/crypto/ssh/knownhosts"
)

// kind says what a failure means for the daemon's loop.
type kind int

const (
	// kindLocal is a problem with the cache or a local repository: Fetch
	// wipes the cache and clones again, once.
	kindLocal kind = iota
	// kindAuth is refused credentials, an unknown or changed host key, an
	// untrusted certificate, or an unreadable credential file.
	kindAuth
	// kindNotFound is a missing repository, ref, commit or subdirectory.
	kindNotFound
	// kindUnreachable is the network or the server failing, or a timeout.
	kindUnreachable
)

// Error is what every failing gitsync call returns. Its text names the
// operation and the repository (redacted), then the cause, with every
// credential scrubbed from it, then what to do where that is known. Unwrap
// gives the cause itself, for errors.Is and errors.As.
type Error struct {
	Op      string // what failed: "fetch", "open cache", "resolve", "read files"
	Repo    string // the repository's URL through Redact, or a local path
	Hint    string // what to do about it, if known
	kind    kind
	timeout bool   // the fetch ran out of time
	msg     string // the cause's text, scrubbed
	err     error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Repo != "" {
		b.WriteString(" " + e.Repo)
	}
	sep := ": "
	// Servers' messages can end in a newline, or hold several lines.
	if msg := strings.TrimRight(strings.Join(strings.Fields(e.msg), " "), ": "); msg != "" {
		b.WriteString(sep + msg)
		sep = "; "
	}
	if e.Hint != "" {
		b.WriteString(sep + e.Hint)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.err }

// IsAuth reports whether err is an authentication, authorization, host key
// or certificate failure, or an unreadable credential file: a configuration
// problem, which a retry fixes only once someone changes the credentials.
func IsAuth(err error) bool { return classify(err) == kindAuth }

// IsNotFound reports whether err says the repository, the ref, the commit
// or the subdirectory does not exist (or is not visible with the
// credentials given: many servers answer "not found" rather than
// "forbidden").
func IsNotFound(err error) bool { return classify(err) == kindNotFound }

// Reason labels err with one of a fixed set of words, fit for a metric
// label or a status field: "auth", "not_found", "unreachable", "timeout",
// "cache" (a local repository problem) or "" for nil.
func Reason(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e) && e.timeout, errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	switch classify(err) {
	case kindAuth:
		return "auth"
	case kindNotFound:
		return "not_found"
	case kindUnreachable:
		return "unreachable"
	}
	return "cache"
}

// classify finds the kind of err: the kind recorded in an *Error, or else
// what the go-git, ssh, TLS or network error in its chain means.
func classify(err error) kind {
	if err == nil {
		return kindLocal
	}
	var e *Error
	if errors.As(err, &e) {
		return e.kind
	}
	return classifyCause(err)
}

// classifyCause sorts a raw error from go-git or below. Anything it does
// not recognise counts as local, so that a corrupt cache is cloned again.
func classifyCause(err error) kind {
	var (
		keyErr     *knownhosts.KeyError
		revoked    *knownhosts.RevokedError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		certErr    x509.CertificateInvalidError
		tlsVerify  *tls.CertificateVerificationError
		httpErr    *githttp.Err
		netErr     net.Error
		urlErr     *url.Error
		exitErr    *exec.ExitError
		execErr    *exec.Error
		recordErr  tls.RecordHeaderError
		msg        = err.Error()
		sshRefused = strings.Contains(msg, "ssh: unable to authenticate")
	)
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired),
		errors.Is(err, transport.ErrAuthorizationFailed),
		errors.Is(err, transport.ErrInvalidAuthMethod),
		errors.As(err, &keyErr), errors.As(err, &revoked),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr),
		errors.As(err, &tlsVerify), sshRefused:
		return kindAuth
	case errors.Is(err, transport.ErrRepositoryNotFound),
		errors.Is(err, transport.ErrEmptyRemoteRepository),
		errors.Is(err, git.ErrExactSHA1NotSupported):
		return kindNotFound
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.As(err, &httpErr), errors.As(err, &netErr), errors.As(err, &urlErr),
		errors.As(err, &exitErr), errors.As(err, &execErr), errors.As(err, &recordErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.HasPrefix(msg, "ssh: "):
		return kindUnreachable
	}
	return kindLocal
}
