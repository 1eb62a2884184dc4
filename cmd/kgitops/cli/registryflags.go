package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kgitops/kgitops/payload"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/secret"
)

// Variables of the schema registry connection. As for SASL, there is no
// password flag: it comes from the variable or from a file.
const (
	envRegistryURL      = "KGITOPS_SCHEMA_REGISTRY_URL"
	envRegistryUser     = "KGITOPS_SCHEMA_REGISTRY_USER"
	envRegistryPassword = "KGITOPS_SCHEMA_REGISTRY_PASSWORD"
	envRegistryCAFile   = "KGITOPS_SCHEMA_REGISTRY_CA_FILE"
)

// registryFlags connect to a schema registry's Confluent API.
type registryFlags struct {
	url, user, passwordFile, caFile string
}

func (f *registryFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "schema-registry", "", "URL of a schema registry's Confluent API: where Schema documents are applied, and how tail and produce decode and encode the Confluent wire format [$"+envRegistryURL+"]")
	fs.StringVar(&f.user, "schema-registry-user", "", "user for the registry's basic auth [$"+envRegistryUser+"]")
	fs.StringVar(&f.passwordFile, "schema-registry-password-file", "", "file holding the registry's basic auth password (or set "+envRegistryPassword+")")
	fs.StringVar(&f.caFile, "schema-registry-ca-file", "", "PEM file of the CA certificates that signed the registry's certificate (default: the system's) [$"+envRegistryCAFile+"]")
}

// registry returns a Registry for the flags, or nil when no URL is given.
func (f *registryFlags) registry(getenv func(string) string) (*payload.Registry, error) {
	cl, err := f.client(getenv)
	if cl == nil || err != nil {
		return nil, err
	}
	return payload.NewRegistry(cl), nil
}

// backends returns the schema registry as reconcile takes it, or none
// when no URL is given.
func (f *registryFlags) backends(getenv func(string) string) (map[string]any, error) {
	cl, err := f.client(getenv)
	if cl == nil || err != nil {
		return nil, err
	}
	return map[string]any{reconcile.BackendSchemaRegistry: cl}, nil
}

// client returns a client of the registry for the flags, or nil when no
// URL is given.
func (f *registryFlags) client(getenv func(string) string) (*sr.Client, error) {
	u := f.url
	if u == "" {
		u = getenv(envRegistryURL)
	}
	if u == "" {
		return nil, nil
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("--schema-registry: want an http:// or https:// URL")
	}
	if pu.User != nil {
		return nil, fmt.Errorf("--schema-registry: put no credentials in the URL; use --schema-registry-user and %s or --schema-registry-password-file", envRegistryPassword)
	}
	opts := []sr.ClientOpt{sr.URLs(u), sr.UserAgent("kgitops/" + Version)}
	user := f.user
	if user == "" {
		user = getenv(envRegistryUser)
	}
	pass := secret.New(getenv(envRegistryPassword))
	if f.passwordFile != "" {
		b, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return nil, fmt.Errorf("--schema-registry-password-file: %w", err)
		}
		pass = secret.New(strings.TrimRight(string(b), "\r\n"))
	}
	if user != "" {
		if pass.IsZero() {
			return nil, fmt.Errorf("--schema-registry-user %q needs a password: set %s or --schema-registry-password-file", user, envRegistryPassword)
		}
		opts = append(opts, sr.BasicAuth(user, pass.Reveal()))
	}
	ca := f.caFile
	if ca == "" {
		ca = getenv(envRegistryCAFile)
	}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("--schema-registry-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--schema-registry-ca-file %s: no PEM certificate in it", ca)
		}
		opts = append(opts, sr.DialTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	return cl, nil
}
