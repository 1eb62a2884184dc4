package reconcile

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

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
	again, err := encodeHash(iter, salt, credentialText(mechanism, iterations, password))
	return err == nil && hmac.Equal([]byte(again), []byte(hash))
}
