// Command mkcerts makes the certificates of the real-broker test rig
// (internal/testbroker/broker.sh): a fresh CA, a broker certificate it signed,
// and client certificates it signed, as PEM files in -dir. broker.sh runs it
// at every fresh start, so no two broker runs trust the same CA. It needs
// nothing but Go (no openssl, no keytool).
//
// The files, in the form Kafka's PEM stores (ssl.keystore.type=PEM) and Go's
// crypto/tls both read (ECDSA P-256, unencrypted PKCS#8 "PRIVATE KEY"
// blocks, which Kafka accepts when ssl.key.password is unset):
//
//	ca.pem                      the CA certificate (the brokers' and clients' truststore)
//	broker.pem                  the broker's private key, then its certificate
//	client.pem, client-key.pem  client certificate with CN=<-client>, and its key
//	nobody.pem, nobody-key.pem  client certificate with CN=<-nobody>, and its key
//
// The broker certificate names localhost, 127.0.0.1, ::1, every -host, and
// broker.kgitops.test (a name no resolver knows, for --tls-server-name tests).
// The CA's private key is never written: nothing can sign with it after
// mkcerts exits. It deliberately makes test certificates only: it has no
// revocation, no key passwords and no renewal.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ServerName is the extra DNS name of the broker certificate.
const ServerName = "broker.kgitops.test"

func main() {
	var (
		dir    = flag.String("dir", "", "folder to write the PEM files to (created; required)")
		hosts  = flag.String("host", "127.0.0.1", "extra broker names or IPs, comma-separated")
		client = flag.String("client", "kgitops-test-client", "CN of client.pem")
		nobody = flag.String("nobody", "kgitops-test-nobody", "CN of nobody.pem")
		valid  = flag.Duration("valid", 30*24*time.Hour, "how long the certificates are valid")
	)
	flag.Parse()
	if *dir == "" {
		fail(fmt.Errorf("-dir is required"))
	}
	if err := run(*dir, strings.Split(*hosts, ","), *client, *nobody, *valid); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mkcerts:", err)
	os.Exit(1)
}

func run(dir string, hosts []string, client, nobody string, valid time.Duration) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	now := time.Now()
	serial := int64(0)
	tmpl := func(cn string) *x509.Certificate {
		serial++
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    now.Add(-time.Hour), // a clock slightly behind still accepts it
			NotAfter:     now.Add(valid),
		}
	}

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ca := tmpl(fmt.Sprintf("kgitops test CA %s", now.UTC().Format(time.RFC3339)))
	ca.IsCA, ca.BasicConstraintsValid = true, true
	ca.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("create CA: %w", err)
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "ca.pem"), pemBlock("CERTIFICATE", caDER)); err != nil {
		return err
	}

	// leaf makes a certificate signed by the CA and returns the PEM of its
	// key and of its certificate.
	leaf := func(t *x509.Certificate) (keyPEM, certPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		t.KeyUsage = x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, t, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, fmt.Errorf("create certificate %q: %w", t.Subject.CommonName, err)
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pemBlock("PRIVATE KEY", pkcs8), pemBlock("CERTIFICATE", der), nil
	}

	broker := tmpl("kgitops test broker")
	broker.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	broker.DNSNames = []string{"localhost", ServerName}
	broker.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, h := range hosts {
		switch h = strings.TrimSpace(h); {
		case h == "":
		case net.ParseIP(h) != nil:
			broker.IPAddresses = append(broker.IPAddresses, net.ParseIP(h))
		default:
			broker.DNSNames = append(broker.DNSNames, h)
		}
	}
	key, cert, err := leaf(broker)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "broker.pem"), append(key, cert...)); err != nil {
		return err
	}

	for name, cn := range map[string]string{"client": client, "nobody": nobody} {
		t := tmpl(cn)
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		key, cert, err := leaf(t)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, name+".pem"), cert); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, name+"-key.pem"), key); err != nil {
			return err
		}
	}
	return nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// writeFile writes the file readable by its owner only: some hold keys.
func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
