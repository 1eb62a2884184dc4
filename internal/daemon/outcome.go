package daemon

import (
	"errors"
	"fmt"
	"time"

	"github.com/kgitops/kgitops/gitsync"
	"github.com/kgitops/kgitops/internal/kconn"
)

// ErrorClass names what failed in a pass, by what the loop does about it.
// The values are a contract: /status shows them and the metric
// kgitops_reconcile_errors_total{class} counts them.
type ErrorClass string

// The error classes.
const (
	// ClassGitAuth: git refused the credentials, or a host key or
	// certificate is not trusted. Retried at the interval, not quickly;
	// the cached revision is still enforced.
	ClassGitAuth ErrorClass = "git_auth"
	// ClassGitUnreachable: the git server, the repo or the ref cannot be
	// reached or found. Backoff; the cached revision is still enforced.
	ClassGitUnreachable ErrorClass = "git_unreachable"
	// ClassKafkaAuth: Kafka refused the login, or an ACL kgitops needs is
	// missing. Retried at the interval, not quickly.
	ClassKafkaAuth ErrorClass = "kafka_auth"
	// ClassKafkaUnreachable: the brokers cannot be reached or answer with
	// a retriable error. Backoff.
	ClassKafkaUnreachable ErrorClass = "kafka_unreachable"
	// ClassSpec: the newest revision does not load, or a secret it names
	// is missing. Held back until a new commit (or the secret) arrives;
	// the enforced revision is still reconciled.
	ClassSpec ErrorClass = "spec"
	// ClassRefused: a plan refusal. Of the newest revision, caused by the
	// commit: the whole revision is held back. Caused by the live cluster:
	// only the resources concerned wait, the rest is reconciled.
	ClassRefused ErrorClass = "refused"
	// ClassApply: some changes failed to apply; they are retried with
	// backoff, and each is reported on its own.
	ClassApply ErrorClass = "apply"
)

// ErrorClasses lists every class, for metrics and documentation.
var ErrorClasses = []ErrorClass{ClassGitAuth, ClassGitUnreachable, ClassKafkaAuth, ClassKafkaUnreachable, ClassSpec, ClassRefused, ClassApply}

// problem is one thing that went wrong in a pass, classified where its
// cause is known.
type problem struct {
	class ErrorClass
	err   error
}

// transient says whether the class calls for a quick retry with backoff.
func (c ErrorClass) transient() bool {
	switch c {
	case ClassGitUnreachable, ClassKafkaUnreachable, ClassApply:
		return true
	}
	return false
}

// gitProblem classifies a failed sync of the source.
func gitProblem(err error) problem {
	if gitsync.IsAuth(err) {
		return problem{ClassGitAuth, fmt.Errorf("git refused access: %w", err)}
	}
	return problem{ClassGitUnreachable, fmt.Errorf("sync the desired state: %w", err)}
}

// kafkaProblem classifies a failure to observe or write the cluster.
func kafkaProblem(what string, err error) problem {
	err = kconn.Explain(err)
	if kconn.IsAuth(err) {
		return problem{ClassKafkaAuth, fmt.Errorf("%s: %w", what, err)}
	}
	return problem{ClassKafkaUnreachable, fmt.Errorf("%s: %w", what, err)}
}

// passResult is how a pass ended: every problem it met, in the order met.
type passResult struct {
	problems []problem
}

func (r *passResult) add(class ErrorClass, err error) {
	r.problems = append(r.problems, problem{class, err})
}

func (r *passResult) addProblem(p problem) { r.problems = append(r.problems, p) }

func (r *passResult) ok() bool { return len(r.problems) == 0 }

// err joins the problems' errors, or is nil.
func (r *passResult) err() error {
	errs := make([]error, len(r.problems))
	for i, p := range r.problems {
		errs[i] = p.err
	}
	return errors.Join(errs...)
}

// class is the first problem's class, or "".
func (r *passResult) class() ErrorClass {
	if len(r.problems) == 0 {
		return ""
	}
	return r.problems[0].class
}

// transient says whether any problem calls for backoff.
func (r *passResult) transient() bool {
	for _, p := range r.problems {
		if p.class.transient() {
			return true
		}
	}
	return false
}

// nextWait is the interval plus up to 10% jitter after a success or a
// failure that a quick retry does not fix (auth, spec, refused), and an
// exponential backoff (1s, 2s, 4s ... up to the interval) after transient
// failures. Every pass, whatever its wait, reconciles the enforced
// revision.
func (d *Daemon) nextWait(r passResult) time.Duration {
	if !r.transient() {
		d.failures = 0
		return d.jittered()
	}
	d.failures++
	backoff := time.Second << min(d.failures-1, 20)
	return min(backoff, d.cfg.Interval)
}
