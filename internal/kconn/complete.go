package kconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// Complete fills each field the user did not give as a flag from its
// KGITOPS_* environment variable (flags win over the environment), applies
// the defaults, checks the result and reads the password and TLS files.
// getenv is os.Getenv outside tests; nil means os.Getenv.
//
// A flag counts as given when it was set on the command line; for Options
// built in code without AddFlags, when its field is not the zero value.
func (o *Options) Complete(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	o.completed = false
	if err := o.fromEnv(getenv); err != nil {
		return err
	}
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
	if err := o.loadPassword(getenv); err != nil {
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

func (o *Options) fromEnv(getenv func(string) string) error {
	o.env.EnvFor = envFor
	o.env.Reset()
	str := func(flag string, p *string) { o.env.String(getenv, flag, p) }
	if v, ok := o.env.Lookup(getenv, flagBootstrap, len(o.Bootstrap) > 0); ok {
		o.Bootstrap = strings.Split(v, ",")
	}
	if err := o.env.Duration(getenv, flagTimeout, &o.Timeout); err != nil {
		return err
	}
	str(flagClientID, &o.ClientID)
	if v, ok := o.env.Lookup(getenv, flagTLS, o.TLS); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: want true or false: %w", envFor(flagTLS), err)
		}
		o.TLS = b
	}
	str(flagTLSCA, &o.TLSCAFile)
	str(flagTLSCert, &o.TLSCertFile)
	str(flagTLSKey, &o.TLSKeyFile)
	str(flagTLSServerName, &o.TLSServerName)
	str(flagSASLMechanism, &o.SASLMechanism)
	str(flagSASLUsername, &o.SASLUsername)
	str(flagSASLPassFile, &o.SASLPasswordFile)
	return nil
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
		return errors.New("no Kafka cluster given: pass --bootstrap-servers HOST:PORT or set " + envFor(flagBootstrap))
	}
	for _, s := range seeds {
		if err := checkHostPort(s); err != nil {
			return fmt.Errorf("%s: %w", o.env.Source(flagBootstrap), err)
		}
	}
	if o.Timeout < 0 {
		return fmt.Errorf("%s: %v is negative; want a duration such as 30s", o.env.Source(flagTimeout), o.Timeout)
	}

	switch o.SASLMechanism {
	case "":
		if o.SASLUsername != "" {
			return fmt.Errorf("%s given without a SASL mechanism: pass --%s %s", o.env.Source(flagSASLUsername), flagSASLMechanism, mechanismList)
		}
		if o.SASLPasswordFile != "" {
			return fmt.Errorf("%s given without a SASL mechanism: pass --%s %s", o.env.Source(flagSASLPassFile), flagSASLMechanism, mechanismList)
		}
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		if o.SASLUsername == "" {
			return fmt.Errorf("SASL %s needs a user name: pass --%s or set %s", o.SASLMechanism, flagSASLUsername, envFor(flagSASLUsername))
		}
	default:
		return fmt.Errorf("%s: unknown SASL mechanism %q; want %s", o.env.Source(flagSASLMechanism), o.SASLMechanism, mechanismList)
	}

	switch {
	case o.TLSCertFile != "" && o.TLSKeyFile == "":
		return fmt.Errorf("%s given without its key: pass --%s or set %s", o.env.Source(flagTLSCert), flagTLSKey, envFor(flagTLSKey))
	case o.TLSKeyFile != "" && o.TLSCertFile == "":
		return fmt.Errorf("%s given without its certificate: pass --%s or set %s", o.env.Source(flagTLSKey), flagTLSCert, envFor(flagTLSCert))
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

// loadPassword finds the SASL password. A password file the user gave as a
// flag wins over KGITOPS_SASL_PASSWORD; both from the environment is an error.
func (o *Options) loadPassword(getenv func(string) string) error {
	o.password = nil
	if o.SASLMechanism == "" {
		return nil
	}
	envPass := getenv(EnvPassword)
	fileFromEnv := o.env.FromEnv(flagSASLPassFile)
	switch {
	case o.SASLPasswordFile != "" && (envPass == "" || !fileFromEnv):
		return o.readPasswordFile()
	case o.SASLPasswordFile != "":
		return fmt.Errorf("both %s and %s are set: set only one", EnvPassword, envFor(flagSASLPassFile))
	case envPass != "":
		o.password = &secret{envPass}
		return nil
	default:
		return fmt.Errorf("SASL %s needs a password: set %s or pass --%s", o.SASLMechanism, EnvPassword, flagSASLPassFile)
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
	o.password = &secret{pass}
	return nil
}
