package benchrepo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	PeakRSS  int64 // bytes: the child's VmHWM, read while it ran (see hwm)
	ExitCode int
	Output   string // stdout and stderr
}

// PeakMB is PeakRSS in MB (10^6 bytes).
func (r Run) PeakMB() float64 { return float64(r.PeakRSS) / 1e6 }

// Exec runs bin with args in an environment without KGITOPS_ variables
// (so that none from the shell changes what is measured), and reads its
// peak resident set size while it runs. A non-zero exit is not an error:
// ExitCode says it.
func Exec(bin string, args ...string) (Run, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{Output: out.String()}, err
	}
	peak := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	r := Run{Wall: time.Since(t0), Output: out.String(), PeakRSS: peak()}
	if cmd.ProcessState == nil {
		return r, err
	}
	r.ExitCode = cmd.ProcessState.ExitCode()
	return r, nil
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KGITOPS_") {
			env = append(env, kv)
		}
	}
	return env
}

// watchHWM reads the process's VmHWM (its peak RSS so far) every 5 ms
// until it exits; the returned func gives the last value read. getrusage's
// ru_maxrss cannot be used: Go starts a child with vfork, which shares
// this process's memory until the exec, and Linux carries that high-water
// mark over the exec, so every child of a large benchmark process "peaked"
// at the benchmark's own RSS.
func watchHWM(pid int) func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			if kb, ok := readHWM(path); ok {
				mu.Lock()
				peak = max(peak, kb*1024)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	return func() int64 {
		once.Do(func() { close(done) })
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// readHWM reads VmHWM, in kB, from a /proc/<pid>/status file; not ok once
// the process is gone (or a zombie, which has no memory to report).
func readHWM(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}
