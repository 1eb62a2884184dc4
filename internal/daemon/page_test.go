package daemon

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// chromium returns the headless browser, or skips (fails under
// KGITOPS_REQUIRE_CHROMIUM=1, as in CI) when it is not installed.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KGITOPS_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("KGITOPS_REQUIRE_CHROMIUM=1 but no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium installed")
	return ""
}

// browse loads url in headless Chromium and returns the DOM after scripts
// and layout, as a person's browser would show it. It also saves a
// screenshot next to the test's temp files.
func browse(t *testing.T, url string) string {
	t.Helper()
	bin := chromium(t)
	profile := t.TempDir()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--window-size=1100,900"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shot := filepath.Join(t.TempDir(), "status.png")
	if out, err := exec.CommandContext(ctx, bin, append(args, "--screenshot="+shot, url)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 5000 {
		t.Fatalf("screenshot missing or empty: %v", err)
	}
	if dir := os.Getenv("KGITOPS_SCREENSHOT_DIR"); dir != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(filepath.Join(dir, "status.png"), data, 0o644)
	}
	out, err := exec.CommandContext(ctx, bin, append(args, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	return string(out)
}

func TestStatusPageInChromium(t *testing.T) {
	c := kafkatest.NewFake(t)
	h := newHarness(t, c, ModeDetect)
	srv := httptest.NewServer(h.d.Handler(HandlerOptions{Gatherer: h.reg}))
	defer srv.Close()
	name := kafkatest.Unique("page")
	h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
	h.start()
	first := h.waitFor("drift", func(s Status) bool { return len(s.Drift) == 1 }).EnforcedRevision
	bad := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1), "bad.yaml": topicYAML("broken", 0)})
	h.waitFor("the bad revision held back", func(s Status) bool { return s.HeldBack != nil && s.HeldBack.Revision == bad })

	dom := browse(t, srv.URL+"/")
	for _, want := range []string{
		"<title>kgitops · drift</title>",
		"failing: spec",
		"mode <b>detect</b>",
		"Topic <code>" + name + "</code>",
		"<code>partitions</code>: unset → <code>1</code>",
		`<td id="enforced"><code title="` + first + `">`,
		`<code title="` + bad + `">`,
		"held back: spec",
		"bad.yaml:",
		`<a href="/status">status as JSON</a>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page in Chromium lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(dom)
	}
}
