package kafkatest

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// Environment variables for the schema registry (written by
// internal/testbroker/registry.sh env).
const (
	// EnvSchemaRegistry is the URL of a schema registry's Confluent API,
	// e.g. http://127.0.0.1:19095/apis/ccompat/v7 for Apicurio Registry.
	EnvSchemaRegistry = "KGITOPS_TEST_SCHEMA_REGISTRY"
)

// registryAnswers checks once per test binary that the registry answers.
var registryAnswers = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, os.Getenv(EnvSchemaRegistry)+"/subjects", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &http.ProtocolError{ErrorString: "GET /subjects: " + resp.Status}
	}
	return nil
})

// Registry returns the URL of the schema registry given by
// KGITOPS_TEST_SCHEMA_REGISTRY, or "" when none is given (and t.Fatal when
// KGITOPS_REQUIRE_REAL_KAFKA=1 but none is given: `make test` starts one
// with internal/testbroker/registry.sh). Tests share it, so they name every
// subject they register with Unique.
func Registry(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvSchemaRegistry)
	if url == "" {
		if requireReal() {
			t.Fatalf("kafkatest: %s=1 but %s is not set; run the tests with `make test` (internal/testbroker/test.sh), or start a registry with internal/testbroker/registry.sh", EnvRequireReal, EnvSchemaRegistry)
		}
		return ""
	}
	if err := registryAnswers(); err != nil {
		t.Fatalf("kafkatest: schema registry %s=%s does not answer: %v", EnvSchemaRegistry, url, err)
	}
	return url
}
