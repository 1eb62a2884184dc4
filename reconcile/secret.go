package reconcile

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"runtime"
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

// Rounds of the inventory's hashes. A SCRAM credential's hash takes the
// credential's own iteration count, never fewer than Kafka's minimum: the
// broker stores that credential as PBKDF2 of the same password at the same
// count, so guessing the password from the inventory costs what guessing it
// from the broker's storage does, and checking 200 users at 4,096 rounds
// costs a plan a quarter of what the strongest setting did. Other secrets
// (a BrokerConfig's sensitive values, which have no count of their own) take
// the strongest count Kafka allows.
const (
	minCredentialHashIterations = 4096
	passwordHashIterations      = 16384
)

// hashIterations is the rounds of the hash of a credential of iterations
// SCRAM iterations (0: not a SCRAM credential).
func hashIterations(iterations int32) int {
	if iterations <= 0 {
		return passwordHashIterations
	}
	return min(max(int(iterations), minCredentialHashIterations), passwordHashIterations)
}

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
	return encodeHash(hashIterations(iterations), salt, credentialText(mechanism, iterations, password))
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

// credentialCheck is one credentialMatches question.
type credentialCheck struct {
	hash, mechanism string
	iterations      int32
	password        Secret
}

// checkCredentials answers the credentialMatches questions of checks on
// every CPU at once, so that the plan's later calls find their answers
// remembered: each costs thousands of PBKDF2 rounds, and a plan asks one
// per SCRAM user.
func checkCredentials(checks []credentialCheck) {
	var todo []credentialCheck
	for _, c := range checks {
		if _, known := matches.get(matchKey(c.hash, credentialText(c.mechanism, c.iterations, c.password))); !known {
			todo = append(todo, c)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	next := make(chan credentialCheck)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range next {
				credentialMatches(c.hash, c.mechanism, c.iterations, c.password)
			}
		})
	}
	for _, c := range todo {
		next <- c
	}
	close(next)
	wg.Wait()
}

// matches remembers, for this process, which credential matched which
// hash: the hash is PBKDF2 at 4,096 rounds or more, and a daemon compares
// every user's password with it on every pass (200 users at 16,384 rounds
// took 1.3 s of CPU per pass). Keys are an HMAC under a key made at start, never the
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
