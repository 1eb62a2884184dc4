package daemon

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/internal/syncbuf"
)

// Regression (issue 9): renaming b.yaml to b.yaml.bak dropped its topics
// with no notice, even at debug level. The daemon warns about a skipped
// file that looks like a renamed manifest.
func TestDaemonWarnsAboutARenamedManifest(t *testing.T) {
	c := kafkatest.NewFake(t)
	var logs syncbuf.Buffer
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
