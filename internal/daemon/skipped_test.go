package daemon

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Regression (issue 9): renaming b.yaml to b.yaml.bak dropped its topics
// with no notice, even at debug level. The daemon warns about a skipped
// file that looks like a renamed manifest.
func TestDaemonWarnsAboutARenamedManifest(t *testing.T) {
	c := kafkatest.NewFake(t)
	var logs lockedBuffer
	h := newHarness(t, c, ModeDetect, func(cfg *Config) {
		cfg.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	h.src.push(map[string]string{"a.yaml": topicYAML(kafkatest.Unique("a"), 1), "b.yaml.bak": topicYAML("b", 1)})
	h.start()
	h.passesAfter(1)
	if out := logs.String(); !strings.Contains(out, "looks like a renamed manifest") || !strings.Contains(out, "b.yaml.bak") {
		t.Fatalf("no warning about b.yaml.bak:\n%s", out)
	}
}
