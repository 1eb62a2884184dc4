package export

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// yamlString writes a string so that YAML reads it back as a string.
func yamlString(v string) string {
	if plainString.MatchString(v) && !yamlKeyword[strings.ToLower(v)] {
		return v
	}
	return quote(v)
}

// yamlScalar writes a config value bare when YAML reads it back as the
// same text (numbers, booleans, plain words), quoted otherwise.
func yamlScalar(v string) string {
	l := strings.ToLower(v)
	if plainScalar.MatchString(v) && (l == "true" || l == "false" || !yamlKeyword[l]) {
		return v
	}
	return quote(v)
}

var (
	plainString = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*(:[A-Za-z0-9._-]+)?$`)
	plainScalar = regexp.MustCompile(`^(-?[0-9]+(\.[0-9]+)?|[0-9]+[A-Za-z]+|[A-Za-z][A-Za-z0-9._-]*)$`) // 7d and 1GiB are strings to YAML
	yamlKeyword = map[string]bool{"true": true, "false": true, "null": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true, "~": true}
)

// quote writes v as a JSON string, which YAML reads as the same string;
// unlike json.Marshal it leaves <, > and & as they are.
func quote(v string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// uniquePath adds ".yaml" to base, and a counter when two names map to the
// same file.
func uniquePath(seen map[string]int, base string) string {
	seen[base]++
	if n := seen[base]; n > 1 {
		return fmt.Sprintf("%s-%d.yaml", base, n)
	}
	return base + ".yaml"
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileName turns a principal or an entity into a file name.
func fileName(s string) string {
	s = unsafeFileChars.ReplaceAllString(s, "-")
	return strings.Trim(s, "-.")
}
