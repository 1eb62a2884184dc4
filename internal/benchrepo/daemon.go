package benchrepo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"time"

	"github.com/kgitops/kgitops/internal/promtext"
	"github.com/kgitops/kgitops/internal/syncbuf"
)

// Daemon is a `kgitops run` process whose /metrics a benchmark reads.
type Daemon struct {
	cmd  *exec.Cmd
	peak func() int64
	url  string
	out  *syncbuf.Buffer
	t0   time.Time
	done chan struct{}
}

// StartDaemon starts bin with args (`run` and its flags) and a --listen on
// a free loopback port, in an environment without KGITOPS_ variables, as
// Exec does.
func StartDaemon(bin string, args ...string) (*Daemon, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, append(args, "--listen", addr)...)
	cmd.Env = cleanEnv()
	d := &Daemon{cmd: cmd, url: "http://" + addr, out: &syncbuf.Buffer{}, t0: time.Now(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d.peak = watchHWM(cmd.Process.Pid)
	go func() { _ = cmd.Wait(); close(d.done) }()
	return d, nil
}

// Output is what the daemon printed so far.
func (d *Daemon) Output() string { return d.out.String() }

// Metrics reads /metrics.
func (d *Daemon) Metrics(ctx context.Context) (promtext.Scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return promtext.Parse(resp.Body)
}

// Stop sends SIGTERM, waits for the exit (SIGKILL after 30 s) and returns
// the process as Exec would.
func (d *Daemon) Stop() Run {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	r := Run{Wall: time.Since(d.t0), Output: d.out.String(), PeakRSS: d.peak()}
	if ps := d.cmd.ProcessState; ps != nil {
		r.ExitCode = ps.ExitCode()
	}
	return r
}

// Exited reports whether the process has ended.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}
