package cli

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// brokerSecretsOf reads the sensitive values of every BrokerConfig (a
// keystore password, a JAAS config) from where their valueFrom says, files
// from under secrets only, as passwordsOf reads users' passwords. They are
// keyed by reconcile.BrokerSecretKey. Each error starts with the
// document's file:line, the file under dir, and never holds a value.
func brokerSecretsOf(dir string, st *spec.State, getenv func(string) string, secrets spec.SecretsDir) (map[string]reconcile.Secret, []error) {
	out := map[string]reconcile.Secret{}
	var errs []error
	for _, b := range st.BrokerConfigs {
		if spec.MarkedForDeletion(b.Annotations) {
			continue // its overrides are removed, not set
		}
		for _, key := range slices.Sorted(maps.Keys(b.Secrets)) {
			v, err := b.ReadSecret(key, getenv, secrets.ReadFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", b.Pos.Under(dir), err))
				continue
			}
			out[reconcile.BrokerSecretKey(b.Broker, key)] = reconcile.NewSecret(v)
		}
	}
	return out, errs
}

// secretsOf reads every secret the desired state names: the users'
// passwords and the BrokerConfigs' sensitive values.
func secretsOf(dir string, st *spec.State, getenv func(string) string, secrets spec.SecretsDir) (passwords, brokerSecrets map[string]reconcile.Secret, errs []error) {
	passwords, errs = passwordsOf(dir, st, getenv, secrets)
	brokerSecrets, berrs := brokerSecretsOf(dir, st, getenv, secrets)
	return passwords, brokerSecrets, append(errs, berrs...)
}
