package gitsync

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// redactedMark stands in for each removed query value.
const redactedMark = "REDACTED"

// Redact returns rawURL fit for logs, status and errors: it drops the
// user:password@ of an HTTP(S) URL (a lone user name there is often a
// token), the password of any other URL, and replaces every query value,
// where some servers take tokens, with REDACTED. An SSH user name such as
// git@ is kept. Local paths come back unchanged. A string that does not
// parse as a URL still loses anything between "://" and "@".
func Redact(rawURL string) string {
	if !strings.Contains(rawURL, "://") {
		// USER:PASSWORD@HOST:PATH is not valid scp-style syntax, but a
		// password in it must not survive either.
		if m := scpCredentials.FindStringSubmatch(rawURL); m != nil {
			return m[1] + "@" + m[2]
		}
		return rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return userinfo.ReplaceAllString(cutQuery(rawURL), "://")
	}
	if u.User != nil {
		_, hasPass := u.User.Password()
		switch scheme := strings.ToLower(u.Scheme); {
		case scheme == "http" || scheme == "https" || hasPass && scheme != "ssh":
			u.User = nil
		case hasPass:
			u.User = url.User(u.User.Username())
		}
	}
	q := u.RawQuery
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	s := u.String()
	if q != "" {
		s += "?" + redactQuery(q)
	}
	return s
}

var (
	userinfo       = regexp.MustCompile(`://[^/?#]*@`)
	scpCredentials = regexp.MustCompile(`^([^@/:]+):[^@/]*@([^/]+:.*)$`)
)

// cutQuery replaces everything from the first "?" of s.
func cutQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i] + "?" + redactedMark
	}
	return s
}

// redactQuery keeps the names of a query's parameters and replaces their
// values.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		parts[i] = name + "=" + redactedMark
	}
	return strings.Join(parts, "&")
}

// scrubText replaces each secret in s, as written and as it would appear
// escaped in a URL, with "***".
func scrubText(s string, secrets ...string) string {
	var all []string
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		all = append(all, sec, url.QueryEscape(sec), url.PathEscape(sec), url.UserPassword("", sec).String()[1:])
	}
	// Longest first, so that an escaped form is not half replaced by a
	// shorter one.
	sort.Slice(all, func(i, j int) bool { return len(all[i]) > len(all[j]) })
	for _, sec := range all {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}
