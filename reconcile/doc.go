// Package reconcile brings a Kafka cluster to the state declared in a repo.
//
// It works in three steps, each in its own files:
//   - Observe reads the live cluster into a plain Live value, in a constant
//     number of round trips whatever the number of topics.
//   - Diff compares a spec.State with a Live value and returns a Plan. It is
//     pure and deterministic: no context, no client, sorted output.
//   - Apply executes a Plan and is the only code here that changes Kafka.
//
// A Plan is a plain value that renderers (text, JSON) print; it carries
// everything a reviewer needs, and nothing secret.
//
// Export turns a Live value back into repo files: each kind hands its part
// to package export, which writes the YAML. Adopt records what an export
// wrote in the inventory, so that kgitops manages it from then on.
//
// The package deliberately does not parse YAML or decide what the repo
// means (package spec does), nor write YAML (package export does), and it
// never deletes anything the inventory does not say kgitops created.
package reconcile
