package daemon

import (
	"html/template"
	"strings"
	"time"
)

// statusPage is the human view of Status on /. html/template escapes every
// value.
var statusPage = template.Must(template.New("status").Funcs(template.FuncMap{
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"short": shortRevision,
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="15">
<title>kgitops {{if .Drift}}· drift{{else}}· in sync{{end}}</title>
<style>
 body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; color: #1b1f24; }
 h1 { font-size: 1.4rem; margin-bottom: .2rem; }
 .sub { color: #57606a; margin-top: 0; }
 .badge { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; font-weight: 600; font-size: .85rem; }
 .ok { background: #dafbe1; color: #116329; } .warn { background: #fff8c5; color: #7d4e00; } .bad { background: #ffebe9; color: #a40e26; }
 table { border-collapse: collapse; width: 100%; margin: .8rem 0 1.6rem; }
 th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
 th { width: 14rem; color: #57606a; font-weight: 500; }
 code { font: 13px ui-monospace, monospace; }
 pre { white-space: pre-wrap; background: #f6f8fa; padding: .8rem; border-radius: 6px; }
</style>
</head>
<body>
<h1>kgitops</h1>
<p class="sub">{{.Source}} · mode <b>{{.Mode}}</b> · {{if .Leader}}leader{{else}}standby (detects only){{end}} · every {{.Interval}}</p>
<p id="state">
{{if .LastError}}<span class="badge bad">failing: {{.ErrorClass}}</span>
{{else if .Drift}}<span class="badge warn">drift: {{len .Drift}} resource(s)</span>
{{else if .Passes}}<span class="badge ok">in sync</span>
{{else}}<span class="badge warn">starting</span>{{end}}
</p>
{{if .Errors}}<h2>Problems of the last pass</h2>
<table id="errors">
{{range .Errors}}<tr><th><span class="badge bad">{{.Class}}</span></th><td><pre>{{.Error}}</pre></td></tr>
{{end}}</table>{{end}}
<h2>Revisions</h2>
<table id="revisions">
<tr><th>Enforced</th><td id="enforced"><code title="{{.EnforcedRevision}}">{{if .EnforcedRevision}}{{short .EnforcedRevision}}{{else}}none yet{{end}}</code></td></tr>
<tr><th>Newest</th><td id="newest"><code title="{{.NewestRevision}}">{{short .NewestRevision}}</code>{{with .HeldBack}} {{.Subject}} <span class="badge bad">held back: {{.Class}}</span><pre id="held-back">{{.Error}}</pre>{{else}}{{if .NewestRevision}} <span class="badge ok">enforced</span>{{end}}{{end}}</td></tr>
<tr><th>Last fetched</th><td><code title="{{.LastFetchedRevision}}">{{short .LastFetchedRevision}}</code> {{.LastFetchedSubject}} <small>({{ago .LastFetchedAt}})</small></td></tr>
<tr><th>Last applied</th><td><code title="{{.LastAppliedRevision}}">{{short .LastAppliedRevision}}</code> <small>({{ago .LastAppliedAt}})</small></td></tr>
<tr><th>Last pass</th><td>{{ago .LastPassAt}} · {{.Passes}} pass(es) · last success {{ago .LastSuccessAt}}</td></tr>
<tr><th>Reachable</th><td>git: {{if .GitReachable}}yes{{else}}no{{end}} · Kafka: {{if .KafkaReachable}}yes{{else}}no{{end}}</td></tr>
{{with .LastPlan}}<tr><th>Last plan</th><td>{{.Create}} to create, {{.Update}} to update, {{.Delete}} to delete, {{.PendingDelete}} pending --allow-delete, {{.Blocked}} blocked by the cluster, {{.Errors}} error(s)</td></tr>{{end}}
{{range .Reassignments}}<tr><th>Reassignment</th><td>Topic <code>{{.Topic}}</code>: {{.}}</td></tr>{{end}}
</table>
<h2>Drift</h2>
{{if .Drift}}
<table id="drift">
<tr><th>Resource</th><td><b>Action</b></td></tr>
{{range .Drift}}<tr><th>{{.Kind}} <code>{{.Name}}</code></th><td>{{.Action}}{{if .Pending}} (pending --allow-delete){{end}}{{if .Error}}: <span class="badge bad">{{.Error}}</span>{{end}}{{if .Blocked}}: <span class="badge warn">needs a person</span> {{.Blocked}}{{end}}{{if .Reported}}: <span class="badge warn">reported, left as it is</span> {{.Reported}}{{end}}
{{if .Fields}}<ul class="fields">{{range .Fields}}<li><code>{{.Path}}</code>: {{if .Old}}<code>{{.Old}}</code>{{else}}unset{{end}} → {{if .New}}<code>{{.New}}</code>{{else}}unset{{end}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>
{{else}}<p id="drift">None: the cluster matches git.</p>{{end}}
<p class="sub"><a href="/status">status as JSON</a> · <a href="/metrics">metrics</a></p>
</body>
</html>
`))

// shortRevision is a revision as people read it: a commit's first 12 hex
// digits, or a folder's hash with its prefix kept.
func shortRevision(s string) string {
	if h, ok := strings.CutPrefix(s, "dir-sha256:"); ok {
		return "dir-sha256:" + h[:min(8, len(h))]
	}
	return s[:min(12, len(s))]
}
