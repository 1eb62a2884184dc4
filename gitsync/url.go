package gitsync

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// repoURL is a repository URL taken apart: the URL handed to go-git,
// which never holds a password, and the credentials that were in it.
type repoURL struct {
	fetch    string // URL or absolute path, without user:password@ for HTTP(S)
	proto    string // "file", "https", "http", "ssh" or "git"
	user     string // from an HTTP(S) URL's user:password@
	password string
}

func (u repoURL) web() bool { return u.proto == "https" || u.proto == "http" }

// parseRepoURL sorts raw into one of the supported forms. Errors name
// where raw came from, as n says.
func parseRepoURL(raw string, n Names) (repoURL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return repoURL{}, fmt.Errorf("no git repository given: %s", n.HowToSet("URL", "URL", true))
	}
	from := n.Source("URL")
	if !strings.Contains(raw, "://") {
		if isSCPLike(raw) {
			return repoURL{fetch: raw, proto: "ssh"}, nil
		}
		abs, err := filepath.Abs(raw)
		if err != nil {
			return repoURL{}, fmt.Errorf("%s: %w", from, err)
		}
		return repoURL{fetch: abs, proto: "file"}, nil
	}
	pu, err := url.Parse(raw)
	if err != nil {
		// A *url.Error quotes the whole URL, credentials and all: keep
		// only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return repoURL{}, fmt.Errorf("%s: %s is not a valid URL: %v", from, Redact(raw), err)
	}
	u := repoURL{proto: strings.ToLower(pu.Scheme)}
	switch u.proto {
	case "https", "http":
		if pu.User != nil {
			u.user = pu.User.Username()
			u.password, _ = pu.User.Password()
			pu.User = nil
		}
	case "ssh":
		if _, ok := pu.User.Password(); ok {
			return repoURL{}, fmt.Errorf("%s: SSH passwords are not supported: drop the password from %s and %s", from, Redact(raw), n.HowToSet("SSHKeyFile", "", false))
		}
	case "file":
		if pu.Host != "" && pu.Host != "localhost" {
			return repoURL{}, fmt.Errorf("%s: %s names host %q; a file URL is file:///ABSOLUTE/PATH", from, Redact(raw), pu.Host)
		}
	case "git":
	default:
		return repoURL{}, fmt.Errorf("%s: unsupported URL scheme %q in %s: want https://, ssh://, file:// or git://", from, pu.Scheme, Redact(raw))
	}
	if pu.Host == "" && u.proto != "file" {
		return repoURL{}, fmt.Errorf("%s: %s names no host", from, Redact(raw))
	}
	u.fetch = pu.String()
	if _, err := transport.NewEndpoint(u.fetch); err != nil {
		return repoURL{}, fmt.Errorf("%s: %s is not a git URL: %v", from, Redact(raw), scrubText(err.Error(), u.password))
	}
	return u, nil
}

// isSCPLike reports whether s is an scp-style SSH address, USER@HOST:PATH or
// HOST:PATH, as opposed to a local path: a colon comes before any slash.
func isSCPLike(s string) bool {
	colon := strings.Index(s, ":")
	if colon <= 0 {
		return false
	}
	if slash := strings.Index(s, "/"); slash >= 0 && slash < colon {
		return false
	}
	host := s[:colon]
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	// A single letter is a Windows drive (C:\repo), never a host.
	return len(host) > 1 && colon < len(s)-1
}
