package kconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/kgitops/kgitops/secret"
)

// Complete applies the defaults, checks the options and reads the password
// and TLS files, so that a mistake shows before the first connection. It
// reads no flag and no environment variable: the caller fills Options.
func (o *Options) Complete() error {
	o.completed = false
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	o.SASLMechanism = strings.ToUpper(strings.TrimSpace(o.SASLMechanism))
	if err := o.validate(); err != nil {
		return err
	}
	if err := o.loadPassword(); err != nil {
		return err
	}
	tc, err := o.loadTLS()
	if err != nil {
		return err
	}
	o.tlsConfig = tc
	o.completed = true
	return nil
}

// Password returns the SASL password Complete found: SASLPassword, or the
// content of SASLPasswordFile. It is zero without SASL.
func (o *Options) Password() secret.Value { return o.password }

// TLSConfig returns a copy of the TLS configuration Complete built, or nil
// when TLS is off.
func (o *Options) TLSConfig() *tls.Config {
	if o.tlsConfig == nil {
		return nil
	}
	return o.tlsConfig.Clone()
}

// validate checks the options without reading any file.
func (o *Options) validate() error {
	var seeds []string
	for _, s := range o.Bootstrap {
		if s = strings.TrimSpace(s); s != "" {
			seeds = append(seeds, s)
		}
	}
	o.Bootstrap = seeds
	if len(seeds) == 0 {
		return errors.New("no Kafka cluster given: " + o.howToSet("Bootstrap", "HOST:PORT", true))
	}
	for _, s := range seeds {
		if err := checkHostPort(s); err != nil {
			return fmt.Errorf("%s: %w", o.source("Bootstrap"), err)
		}
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%s: %v is negative; want a duration such as 30s", o.source("Timeout"), o.Timeout)
	}

	switch o.SASLMechanism {
	case "":
		if o.SASLUsername != "" {
			return fmt.Errorf("%s given without a SASL mechanism: %s", o.source("SASLUsername"), o.howToSet("SASLMechanism", mechanismList, false))
		}
		if o.SASLPasswordFile != "" {
			return fmt.Errorf("%s given without a SASL mechanism: %s", o.source("SASLPasswordFile"), o.howToSet("SASLMechanism", mechanismList, false))
		}
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		if o.SASLUsername == "" {
			return fmt.Errorf("SASL %s needs a user name: %s", o.SASLMechanism, o.howToSet("SASLUsername", "", true))
		}
	default:
		return fmt.Errorf("%s: unknown SASL mechanism %q; want %s", o.source("SASLMechanism"), o.SASLMechanism, mechanismList)
	}

	switch {
	case o.TLSCertFile != "" && o.TLSKeyFile == "":
		return fmt.Errorf("%s given without its key: %s", o.source("TLSCertFile"), o.howToSet("TLSKeyFile", "", true))
	case o.TLSKeyFile != "" && o.TLSCertFile == "":
		return fmt.Errorf("%s given without its certificate: %s", o.source("TLSKeyFile"), o.howToSet("TLSCertFile", "", true))
	}
	return nil
}

const mechanismList = "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"

// checkHostPort checks that s looks like HOST:PORT.
func checkHostPort(s string) error {
	bad := fmt.Errorf("%q is not HOST:PORT (such as kafka-1:9092)", s)
	if i := strings.Index(s, "://"); i >= 0 {
		return fmt.Errorf("%w; drop the %q", bad, s[:i+3])
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || strings.ContainsAny(host, "/ \t") {
		return bad
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%w: the port must be a number from 1 to 65535", bad)
	}
	return nil
}

// loadPassword finds the SASL password: SASLPassword or the content of
// SASLPasswordFile, not both. Without a mechanism there is none.
func (o *Options) loadPassword() error {
	o.password = secret.Value{}
	if o.SASLMechanism == "" {
		return nil
	}
	switch {
	case o.SASLPasswordFile != "" && !o.SASLPassword.IsZero():
		return fmt.Errorf("both %s and %s are set: set only one", o.source("SASLPassword"), o.source("SASLPasswordFile"))
	case o.SASLPasswordFile != "":
		return o.readPasswordFile()
	case !o.SASLPassword.IsZero():
		o.password = o.SASLPassword
		return nil
	default:
		return fmt.Errorf("SASL %s needs a password: %s or %s", o.SASLMechanism, o.howToSet("SASLPassword", "", false), o.howToSet("SASLPasswordFile", "", false))
	}
}

func (o *Options) readPasswordFile() error {
	b, err := os.ReadFile(o.SASLPasswordFile)
	if err != nil {
		// The *PathError names the file, never its content.
		return fmt.Errorf("read SASL password file: %w", err)
	}
	pass := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if pass == "" {
		return fmt.Errorf("SASL password file %q is empty", o.SASLPasswordFile)
	}
	o.password = secret.New(pass)
	return nil
}
