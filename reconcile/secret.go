package reconcile

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kgitops/kgitops/secret"
)

// Secret is a password: a [secret.Value], which prints, formats and
// marshals as "[redacted]"; only Reveal gives the text.
type Secret = secret.Value

// NewSecret wraps a password.
func NewSecret(s string) Secret { return secret.New(s) }

// passwordHashIterations matches the strongest SCRAM setting Kafka allows,
// so the inventory's hash is no weaker than the broker's own storage.
const passwordHashIterations = 16384

// credentialText is what a password hash covers: changing the mechanism or
// the iteration count changes the hash as much as a new password does.
func credentialText(mechanism string, iterations int32, password Secret) string {
	return mechanism + "\x00" + strconv.Itoa(int(iterations)) + "\x00" + password.Reveal()
}

// hashCredential returns a salted PBKDF2-HMAC-SHA512 hash of a SCRAM
// credential, as "pbkdf2-sha512$<iterations>$<salt>$<hash>".
func hashCredential(mechanism string, iterations int32, password Secret) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	return encodeHash(passwordHashIterations, salt, credentialText(mechanism, iterations, password))
}

func encodeHash(iter int, salt []byte, text string) (string, error) {
	key, err := pbkdf2.Key(sha512.New, text, salt, iter, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha512$%d$%s$%s", iter, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// credentialMatches says whether hash was made from this credential. A
// hash it cannot read matches nothing.
func credentialMatches(hash, mechanism string, iterations int32, password Secret) bool {
	text := credentialText(mechanism, iterations, password)
	key := matchKey(hash, text)
	if ok, known := matches.get(key); known {
		return ok
	}
	ok := credentialMatchesSlow(hash, text)
	matches.put(key, ok)
	return ok
}

// matches remembers, for this process, which credential matched which
// hash: the hash is PBKDF2 at 16,384 rounds, and a daemon compares every
// user's password with it on every pass (200 users took 1.3 s of CPU
// per pass). Keys are an HMAC under a key made at start, never the
// password or a fast hash of it alone.
var matches = &matchCache{m: map[[32]byte]bool{}}

var matchSecret = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

func matchKey(hash, text string) [32]byte {
	m := hmac.New(sha256.New, matchSecret)
	m.Write([]byte(hash))
	m.Write([]byte{0})
	m.Write([]byte(text))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

type matchCache struct {
	mu sync.Mutex
	m  map[[32]byte]bool
}

// maxMatches bounds the cache; past it, it starts over.
const maxMatches = 1 << 16

func (c *matchCache) get(k [32]byte) (bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, known := c.m[k]
	return ok, known
}

func (c *matchCache) put(k [32]byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxMatches {
		c.m = map[[32]byte]bool{}
	}
	c.m[k] = ok
}

// credentialMatchesSlow recomputes the hash of text with hash's salt and
// rounds.
func credentialMatchesSlow(hash, text string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha512" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 1<<20 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	again, err := encodeHash(iter, salt, text)
	return err == nil && hmac.Equal([]byte(again), []byte(hash))
}
