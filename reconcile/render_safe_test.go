package reconcile

import (
	"bytes"
	"strings"
	"testing"
)

// A name or a message from the cluster (a principal created by hand, a
// broker's error) cannot forge plan lines or drive the terminal: control
// characters, newlines and bidirectional overrides are printed escaped.
func TestRenderTextEscapesWhatTheClusterNames(t *testing.T) {
	evil := "User:x\x1b[2J\nPlan: 0 to create, 0 to update, 0 to delete.\u202e"
	p := &Plan{
		Changes: []Change{{Action: ActionDelete, Kind: KindACL, Name: "ALLOW " + evil + " READ topic:t", Drift: true},
			{Action: ActionUpdate, Kind: KindTopic, Name: "t", Fields: []Field{{Path: "configs.x", Old: "a\rb", New: "c\x07"}}}},
		Errors: []Refusal{{Kind: KindTopic, Name: "t", Message: "broker said: " + evil}},
	}
	p.summarize()
	var b bytes.Buffer
	if err := RenderText(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\r", "\x07", "\u202e", "\nPlan: 0 to create, 0 to update, 0 to delete.\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("the text plan holds %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`User:x\x1b[2J\nPlan: 0 to create`, `\u202e`, `a\rb → c\a`} {
		if !strings.Contains(out, want) {
			t.Errorf("the text plan lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\nPlan: "); n != 1 {
		t.Errorf("%d summary lines:\n%s", n, out)
	}
}

// A name like @org/team in a pull-request comment mentions nobody.
func TestMarkdownMentionsNobody(t *testing.T) {
	p := &Plan{Changes: []Change{{Action: ActionCreate, Kind: KindTopic, Name: "t", Sources: []string{"Topic t owned by @org/team"}}}}
	p.summarize()
	var b bytes.Buffer
	if err := RenderMarkdown(&b, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "@org") || !strings.Contains(out, "&#64;org/team") {
		t.Errorf("the markdown plan mentions @org/team:\n%s", out)
	}
}
