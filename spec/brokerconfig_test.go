package spec

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func init() {
	wantGood["brokerconfig"] = &State{
		BrokerConfigs: []BrokerConfig{
			{
				Name: "cluster-defaults", Labels: map[string]string{"team": "platform"},
				Annotations: map[string]string{AnnotationPreventDestroy: "true"},
				Broker:      DefaultBroker,
				Configs: map[string]string{
					"log.retention.ms":                       "604800000",
					"log.segment.bytes":                      "536870912",
					"min.insync.replicas":                    "2",
					"unclean.leader.election.enable":         "false",
					"compression.type":                       "zstd",
					"log.cleanup.policy":                     "delete,compact",
					"listener.name.internal.max.connections": "500",
					"x.vendor.flag":                          "on",
				},
				IgnoreConfigs: []string{"leader.replication.throttled.rate", "confluent.*"},
				Pos:           Pos{File: "brokers.yaml", Line: 2},
			},
			{Name: "broker-0", Broker: "0", Pos: Pos{File: "brokers.yaml", Line: 35}},
			{
				Name: "broker-1", Broker: "1",
				Configs: map[string]string{
					"log.cleaner.threads":                          "2",
					"ssl.cipher.suites":                            "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256",
					"listener.name.internal.ssl.keystore.location": "/etc/kafka/broker-1.jks",
				},
				Secrets: map[string]PasswordSource{
					"listener.name.internal.ssl.keystore.password":                {Env: "KEYSTORE_PW"},
					"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": {File: "broker-1/jaas"},
				},
				Pos: Pos{File: "brokers.yaml", Line: 21},
			},
		},
		Settings: Settings{ExtraBrokerConfigKeys: []string{"x.vendor.flag"}, Pos: Pos{File: "brokers.yaml", Line: 41}},
	}
}

// TestBrokerConfigSecretNeverEchoed loads secrets written where they must
// never be, and checks that no message quotes one of them.
func TestBrokerConfigSecretNeverEchoed(t *testing.T) {
	data, err := os.ReadFile("testdata/bad/brokerconfig-secrets/a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load("testdata/bad/brokerconfig-secrets")
	if err == nil {
		t.Fatal("load succeeded")
	}
	secrets := 0
	for _, word := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune(" \t\n:{}[]\"", r) }) {
		if strings.HasPrefix(word, "s3cret") {
			secrets++
		}
	}
	if secrets < 7 {
		t.Errorf("found %d secrets in the fixture, want at least 7", secrets)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a message quotes a secret:\n%v", err)
	}
}

func TestBrokerConfigReadSecret(t *testing.T) {
	b := BrokerConfig{Name: "broker-1", Broker: "1", Secrets: map[string]PasswordSource{
		"listener.name.a.ssl.keystore.password": {Env: "KS"},
		"listener.name.a.ssl.key.password":      {File: "key"},
	}}
	env := func(name string) string { return map[string]string{"KS": "from-env"}[name] }
	files := func(name string) ([]byte, error) {
		if name == "key" {
			return []byte("from-file\n"), nil
		}
		return nil, fs.ErrNotExist
	}
	tests := []struct {
		key, want, err string
	}{
		{"listener.name.a.ssl.keystore.password", "from-env", ""},
		{"listener.name.a.ssl.key.password", "from-file", ""},
		{"listener.name.a.ssl.truststore.password", "", "listener.name.a.ssl.truststore.password of BrokerConfig broker-1: it is not a secret of the document"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := b.ReadSecret(tt.key, env, files)
			if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
				t.Errorf("ReadSecret = %q, %v; want %q, %q", got, err, tt.want, tt.err)
			}
		})
	}
	b.Secrets["listener.name.a.ssl.key.password"] = PasswordSource{File: "gone"}
	_, err := b.ReadSecret("listener.name.a.ssl.key.password", env, files)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "listener.name.a.ssl.key.password of BrokerConfig broker-1: read gone: file does not exist" {
		t.Errorf("ReadSecret of a missing file = %v", err)
	}
	empty := func(string) string { return "" }
	b.Secrets["listener.name.a.ssl.keystore.password"] = PasswordSource{Env: "KS"}
	if _, err := b.ReadSecret("listener.name.a.ssl.keystore.password", empty, files); err == nil ||
		err.Error() != "listener.name.a.ssl.keystore.password of BrokerConfig broker-1: environment variable KS is empty or not set" {
		t.Errorf("ReadSecret of an empty variable = %v", err)
	}
}

func TestBrokerConfigEqual(t *testing.T) {
	tests := []struct {
		key, a, b string
		want      bool
	}{
		{"log.retention.ms", "7d", "604800000", true},
		{"log.retention.ms", "604800000", "604800001", false},
		{"message.max.bytes", "1MiB", "1048576", true},
		{"unclean.leader.election.enable", "TRUE", "true", true},
		{"log.cleanup.policy", "delete,compact", "compact, delete", true},
		{"ssl.cipher.suites", "A, B", "A,B", true},
		{"ssl.cipher.suites", "A,B", "B,A", false}, // an order of preference
		{"log.cleaner.io.buffer.load.factor", "0.9", "0.90", true},
		{"listener.name.internal.max.connections", "100", " 100", true},
		{"listener.name.internal.ssl.keystore.password", "a", "b", false},
		{"x.vendor.flag", "on", "On", false},
	}
	for _, tt := range tests {
		if got := BrokerConfigEqual(tt.key, tt.a, tt.b); got != tt.want {
			t.Errorf("BrokerConfigEqual(%q, %q, %q) = %v, want %v", tt.key, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestBrokerConfigKeys(t *testing.T) {
	tests := []struct {
		key              string
		known, sensitive bool
	}{
		{"log.retention.ms", true, false},
		{"sasl.jaas.config", true, true},
		{"listener.name.internal.ssl.keystore.password", true, true},
		{"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", true, true},
		{"listener.name.internal.max.connections", true, false},
		{"listener.name.internal.log.retention.ms", false, false}, // not a listener key
		{"listener.name.INTERNAL.ssl.keystore.password", false, false},
		{"num.partitions", false, false},
	}
	for _, tt := range tests {
		if known, sensitive := KnownBrokerConfigKey(tt.key), BrokerConfigSensitive(tt.key); known != tt.known || sensitive != tt.sensitive {
			t.Errorf("%s: known %v sensitive %v, want %v %v", tt.key, known, sensitive, tt.known, tt.sensitive)
		}
	}
	for _, key := range staticBrokerConfigs {
		if _, dynamic := brokerConfigs[key]; dynamic {
			t.Errorf("%s is both static and dynamic in the table", key)
		}
	}
	if !BrokerConfigIgnoredByDefault("1", "leader.replication.throttled.rate") || !BrokerConfigIgnoredByDefault(DefaultBroker, "min.insync.replicas") ||
		BrokerConfigIgnoredByDefault("1", "min.insync.replicas") {
		t.Error("BrokerConfigIgnoredByDefault: throttles everywhere, min.insync.replicas at the default only")
	}
}

func TestCompareBrokers(t *testing.T) {
	got := []string{"10", DefaultBroker, "2", "1"}
	for i := range got {
		for j := i + 1; j < len(got); j++ {
			if CompareBrokers(got[j], got[i]) < 0 {
				got[i], got[j] = got[j], got[i]
			}
		}
	}
	if strings.Join(got, " ") != "default 1 2 10" {
		t.Errorf("sorted brokers = %v", got)
	}
}

// TestBrokerConfigSchema holds the BrokerConfig schema to the loader, one
// document at a time: loader says whether the loader accepts it alone,
// schema whether the schema does. They differ only where the loader knows
// Settings (extraBrokerConfigKeys).
func TestBrokerConfigSchema(t *testing.T) {
	doc := func(broker, configs string) string {
		return "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: b}\nspec: {broker: " + broker + ", configs: {" + configs + "}}\n"
	}
	tests := []struct {
		name           string
		doc            string
		loader, schema bool
	}{
		{"defaults", doc("default", "log.retention.ms: 7d, min.insync.replicas: 2, compression.type: zstd, log.cleanup.policy: [compact]"), true, true},
		{"one broker", doc("1", `log.cleaner.threads: 2, ssl.cipher.suites: "A,B", listeners: "PLAINTEXT://:9092"`), true, true},
		{"quoted broker id", doc(`"3"`, "log.cleaner.threads: 2"), true, true},
		{"no configs", "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: b}\nspec: {broker: 2}\n", true, true},
		{"no broker", "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: b}\nspec: {configs: {}}\n", false, false},
		{"negative broker", doc("-1", ""), false, false},
		{"broker all", doc("all", ""), false, false},
		{"static key", doc("default", "num.partitions: 6"), false, false},
		{"static retention", doc("default", "log.retention.hours: 168"), false, false},
		{"removed key", doc("default", "log.message.downconversion.enable: true"), false, false},
		{"unknown key", doc("default", "log.retention.msx: 7d"), false, true}, // Settings may allow it
		{"bad value", doc("default", "min.insync.replicas: 0"), false, false},
		{"bad unit", doc("default", "log.cleaner.threads: 2k"), false, false},
		{"bad enum", doc("default", "compression.type: zip"), false, false},
		{"per-broker key at the default", doc("default", "listeners: \"PLAINTEXT://:9092\""), false, false},
		{"listener key at the default", doc("default", "listener.name.internal.ssl.cipher.suites: A"), false, false},
		{"listener connection limit at the default", doc("default", "listener.name.internal.max.connections: 10"), true, true},
		{"listener secret", doc("1", "listener.name.internal.ssl.keystore.password: {valueFrom: {env: KS}}"), true, true},
		{"mechanism secret", doc("1", "listener.name.internal.scram-sha-256.sasl.jaas.config: {valueFrom: {file: jaas}}"), true, true},
		{"listener secret at the default", doc("default", "listener.name.internal.ssl.keystore.password: {valueFrom: {env: KS}}"), false, false},
		{"inline secret", doc("1", "listener.name.internal.ssl.keystore.password: hunter2"), false, false},
		{"inline mechanism secret", doc("1", "listener.name.internal.plain.sasl.jaas.config: hunter2"), false, false},
		{"secret without listener", doc("1", "ssl.keystore.password: {valueFrom: {env: KS}}"), false, false},
		{"valueFrom on a plain key", doc("1", "log.cleaner.threads: {valueFrom: {env: N}}"), false, false},
		{"valueFrom with both", doc("1", "sasl.jaas.config: {valueFrom: {env: A, file: b}}"), false, false},
		{"upper-case listener", doc("1", "listener.name.INTERNAL.ssl.keystore.location: /k.jks"), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFS(fstest.MapFS{"doc.yaml": {Data: []byte(tc.doc)}})
			if got := err == nil; got != tc.loader {
				t.Fatalf("the loader accepts it: %v, want %v (the case is wrong); error: %v", got, tc.loader, err)
			}
			docs, err := readDocs([]byte(tc.doc))
			if err != nil || len(docs) != 1 || docs[0].err != nil {
				t.Fatalf("readDocs: %v, %+v", err, docs)
			}
			err = validate(t, docs[0].value)
			if got := err == nil; got != tc.schema {
				t.Errorf("the schema accepts it: %v, want %v; error: %v", got, tc.schema, err)
			}
		})
	}
}
