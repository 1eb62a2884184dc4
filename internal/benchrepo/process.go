package benchrepo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Build builds kgitops' binary into dir and returns its path. moduleDir is
// any folder inside the module.
func Build(moduleDir, dir string) (string, error) {
	bin := filepath.Join(dir, "kgitops")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/kgitops/kgitops/cmd/kgitops")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w: %s", err, out)
	}
	return bin, nil
}

// Run is one finished process.
type Run struct {
	Wall     time.Duration
	PeakRSS  int64 // bytes: the child's ru_maxrss (VmHWM at exit)
	ExitCode int
	Output   string // stdout and stderr
}

// PeakMB is PeakRSS in MB (10^6 bytes).
func (r Run) PeakMB() float64 { return float64(r.PeakRSS) / 1e6 }

// Exec runs bin with args in an environment without KGITOPS_ variables
// (so that none from the shell changes what is measured), and reads its
// peak resident set size from getrusage of the child. A non-zero exit is
// not an error: ExitCode says it.
func Exec(bin string, args ...string) (Run, error) {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KGITOPS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	r := Run{Wall: time.Since(t0), Output: out.String()}
	if cmd.ProcessState == nil {
		return r, err
	}
	r.ExitCode = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	return r, nil
}
