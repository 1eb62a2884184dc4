package reconcile

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// kafkaErr is the error a response's code and message stand for, or nil:
// the Kafka error (errors.Is finds it) with the broker's message, which
// often says more than the code.
func kafkaErr(code int16, msg *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil || msg == nil {
		return err
	}
	return withMessage(err, *msg)
}

// withMessage adds a broker's message to an error.
func withMessage(err error, msg string) error {
	if msg == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, msg)
}
