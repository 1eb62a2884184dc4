package spec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// This file checks the values that make up an ACL: principals, hosts and
// resource names. Each check returns what is wrong and what to write
// instead, so that the decoder can report it at the right line.

// principalTypes are the principal types Kafka itself builds, which people
// write in the wrong case. Kafka compares principal types case-sensitively.
var principalTypes = []string{"User", "Group"}

// CheckPrincipal reports whether p is a principal Kafka can match: a type
// and a name, such as User:alice; User:* matches every user. When it is
// not, msg says why and hint what to write instead.
func CheckPrincipal(p string) (msg, hint string, ok bool) {
	typ, name, found := strings.Cut(p, ":")
	switch {
	case p == "":
		return "principal is empty", "write User:<name>, such as User:alice", false
	case !found:
		if p == Wildcard {
			return `principal "*" has no type`, "write User:* for every user", false
		}
		return fmt.Sprintf("principal %q has no type", p), "write User:" + p, false
	case typ == "":
		return fmt.Sprintf("principal %q has an empty type", p), "write User:" + name, false
	case name == "":
		return fmt.Sprintf("principal %q has an empty name", p), fmt.Sprintf("write %s:<name>, or %s:* for all", typ, typ), false
	case strings.TrimSpace(typ) != typ || strings.TrimSpace(name) != name:
		return fmt.Sprintf("principal %q has spaces around its type or name", p),
			"write " + strings.TrimSpace(typ) + ":" + strings.TrimSpace(name), false
	}
	for _, t := range principalTypes {
		if typ != t && strings.EqualFold(typ, t) {
			return fmt.Sprintf("principal %q never matches: Kafka's principal types are case-sensitive", p),
				"write " + t + ":" + name, false
		}
	}
	return "", "", true
}

// CheckHost reports whether h is a host Kafka can match: "*" or an IP
// address as Java writes it. Kafka compares the text of the client's
// address with the ACL's host; hostnames and ranges never match, and Java
// writes IPv6 addresses in full (0:0:0:0:0:0:0:1, not ::1).
func CheckHost(h string) (msg, hint string, ok bool) {
	if h == Wildcard {
		return "", "", true
	}
	if h == "" {
		return "host is empty", `write "*" for every host`, false
	}
	if strings.Contains(h, "/") {
		return fmt.Sprintf("host %q is a range: Kafka matches one exact IP address, or \"*\"", h),
			`write one rule per address, or "*"`, false
	}
	a, err := netip.ParseAddr(h)
	if err != nil && strings.Trim(h, "0123456789.:abcdefABCDEF") == "" {
		return fmt.Sprintf("host %q is not a valid IP address", h), `write an address such as 10.0.0.1 or 2001:db8:0:0:0:0:0:1, or "*"`, false
	}
	if err != nil {
		return fmt.Sprintf("host %q is not an IP address: Kafka matches clients by IP address only, hostnames never match", h),
			`write the client's IP address, such as 10.0.0.1, or "*"`, false
	}
	if a.Zone() != "" {
		return fmt.Sprintf("host %q has an IPv6 zone, which kgitops does not support", h), `write "*"`, false
	}
	if want := javaHost(a); want != h {
		return fmt.Sprintf("host %q never matches: Kafka compares hosts as text, as Java writes the address", h),
			"write " + strconv.Quote(want), false
	}
	return "", "", true
}

// javaHost writes a as Java's InetAddress.getHostAddress does: IPv4 in
// dotted decimal, IPv6 as eight lower-case hex groups without leading
// zeros and without "::". An IPv4-mapped IPv6 address is IPv4 in Java.
func javaHost(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	return strings.Join(groups, ":")
}

// checkResourceName reports whether an ACL on resource type rt with the
// given pattern type and name can ever match. rt is canonical; pattern is
// literal or prefixed.
func checkResourceName(rt, pattern, name string) (msg, hint string, ok bool) {
	switch {
	case name == "":
		return "resource name is empty", `write a name, or "*" with patternType literal for all`, false
	case rt == ResourceCluster && name != ClusterResourceName:
		return fmt.Sprintf("the cluster resource is named %s, got %q", ClusterResourceName, name),
			"write name: " + ClusterResourceName + ", or leave name out", false
	case pattern == PatternPrefixed && name == Wildcard:
		return `prefix "*" matches only names that start with "*"`,
			`write patternType: literal: the literal name "*" matches all`, false
	case rt != ResourceTopic || pattern == PatternLiteral && name == Wildcard:
		return "", "", true
	}
	// A topic ACL that names what no topic can be called never matches.
	if pattern == PatternPrefixed {
		for _, r := range name {
			if !topicNameChar(r) {
				return fmt.Sprintf("topic prefix %q contains %q, which no topic name can", name, r), topicNameHint, false
			}
		}
		if len(name) > MaxTopicNameLen {
			return fmt.Sprintf("topic prefix is %d characters long, longer than any topic name", len(name)), topicNameHint, false
		}
		return "", "", true
	}
	if msg, ok := ValidTopicName(name); !ok {
		return msg, topicNameHint, false
	}
	return "", "", true
}

// checkApplicationID reports whether id can be a Kafka Streams
// application.id: Streams uses it as the prefix of its topic names.
func checkApplicationID(id string) (msg, hint string, ok bool) {
	for _, r := range id {
		if !topicNameChar(r) {
			return fmt.Sprintf("applicationId %q contains %q: Streams names its topics after it", id, r),
				"an applicationId is made of [a-zA-Z0-9._-]", false
		}
	}
	return "", "", true
}
