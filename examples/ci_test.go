package examples

// Checks of the CI examples under ci/ and of the pre-commit hook: every
// kgitops command they run must be one kgitops has, with flags it has and
// values it accepts (a typo fails), and the workflows must do what
// ci/README.md says: validate, diff and plan on pull requests, with the
// plan comment's marker and the destructive-change label, and apply on the
// default branch.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	githubPR     = "ci/github/kgitops.yml"
	githubApply  = "ci/github/kgitops-apply.yml"
	gitlabCI     = "ci/gitlab/.gitlab-ci.yml"
	ciReadme     = "ci/README.md"
	preCommit    = "ci/pre-commit-config.yaml"
	preCommitDef = "../.pre-commit-hooks.yaml"

	planMarker      = "<!-- kgitops-plan -->"
	destructiveGate = "kgitops/allow-destructive"
)

// flag is one flag of a kgitops command: whether it takes a value and,
// when the values are a fixed set, which.
type flag struct {
	value  bool
	values []string
}

// The command line of kgitops that the examples may use: cmd/kgitops/cli,
// cmd/kgitops/cli/kafkaflags.go and gitflags.go and the README's Commands and Connecting. diff,
// plan -o markdown, --fail-on and schema are the contract of the release
// that brings these examples.
var (
	globalFlags = map[string]flag{"--log-level": {value: true}, "--log-format": {value: true, values: []string{"text", "json"}}}
	connFlags   = map[string]flag{
		"--bootstrap-servers": {value: true}, "--timeout": {value: true}, "--client-id": {value: true},
		"--tls": {}, "--tls-ca-file": {value: true}, "--tls-cert-file": {value: true}, "--tls-key-file": {value: true},
		"--tls-server-name": {value: true}, "--tls-insecure-skip-verify": {},
		"--sasl-mechanism": {value: true, values: []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}},
		"--sasl-username":  {value: true}, "--sasl-password-file": {value: true},
		"--inventory-name": {value: true}, "--inventory-topic": {value: true},
	}
	dirFlag    = map[string]flag{"--dir": {value: true}}
	reportFlag = map[string]flag{
		"-o": {value: true, values: []string{"text", "json", "markdown", "md"}}, "--output": {value: true, values: []string{"text", "json", "markdown", "md"}},
		"--detailed-exitcode": {}, "--fail-on": {value: true, values: []string{"destructive"}},
	}
	changeFlags = map[string]flag{"--allow-delete": {}, "--ignore-config": {value: true}}

	commands = map[string]map[string]flag{
		"validate": merge(dirFlag),
		"diff":     merge(dirFlag, reportFlag, map[string]flag{"--base": {value: true}, "--head": {value: true}}),
		"plan":     merge(dirFlag, connFlags, changeFlags, reportFlag, map[string]flag{"--revision": {value: true}}),
		"apply":    merge(dirFlag, connFlags, changeFlags, map[string]flag{"--dry-run": {}}),
		"schema":   merge(map[string]flag{"--kind": {value: true}, "-o": {value: true, values: []string{"json"}}, "--output": {value: true, values: []string{"json"}}}),
		"export":   merge(connFlags, map[string]flag{"--out": {value: true}}),
		"version":  merge(),
	}
)

func merge(sets ...map[string]flag) map[string]flag {
	out := map[string]flag{}
	for _, s := range append(sets, globalFlags) {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// planned lists the commands of the table that this release wires into
// kgitops: the binary may not have them yet.
var planned = []string{"schema"}

// TestContractMatchesCLI holds the table above to kgitops itself: every
// flag it lists must be in the command's --help, so that the table cannot
// drift from the CLI it stands for.
func TestContractMatchesCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kgitops")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on the PATH to build kgitops with")
	}
	bin := filepath.Join(t.TempDir(), "kgitops")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/kgitops")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	flagLine := regexp.MustCompile(`(?m)^\s+(?:(-\w), )?(--[\w-]+)`)
	for sub, flags := range commands {
		out, _ := exec.Command(bin, sub, "--help").CombinedOutput()
		if strings.Contains(string(out), "unknown command") {
			if !slices.Contains(planned, sub) {
				t.Errorf("kgitops has no command %s", sub)
			}
			continue
		}
		have := map[string]bool{}
		for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
			have[m[1]], have[m[2]] = true, true
		}
		for f := range flags {
			if !have[f] {
				t.Errorf("kgitops %s --help does not list %s", sub, f)
			}
		}
	}
}

// call is one kgitops command line found in a file.
type call struct {
	at    string // file:line
	sub   string
	flags map[string][]string // flag -> values given
}

// shellWords splits a shell command line into words and operators. It
// knows quotes, backslash escapes and ${{ ... }} expressions, which is all
// the examples use.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case strings.HasPrefix(line[i:], "${{"):
			end := strings.Index(line[i:], "}}")
			if end < 0 {
				end = len(line[i:]) - 2
			}
			cur.WriteString(line[i : i+end+2])
			inWord, i = true, i+end+1
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				end = len(line[i+1:])
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord, i = true, i+1+end
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(line[i+1])
			inWord, i = true, i+1
		case c == ' ' || c == '\t':
			flush()
		case strings.ContainsRune("|&;<>()", rune(c)):
			flush()
			op := string(c)
			if i+1 < len(line) && (line[i+1] == c || c == '>' && line[i+1] == '&') {
				op, i = op+string(line[i+1]), i+1
			}
			words = append(words, op)
		case c == '#' && !inWord:
			flush()
			return words // a comment
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

// commandStart holds the words after which a new command begins.
var commandStart = []string{"|", "||", "&&", ";", "&", "(", "then", "else", "do", "if", "!", "time", "exec"}

// kgitopsCalls finds the kgitops commands in a shell script, and reports
// lines it cannot read as a kgitops command.
func kgitopsCalls(at string, script string) ([]call, []string) {
	var calls []call
	var problems []string
	lines := strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n")
	for n, line := range lines {
		words := shellWords(line)
		for i := 0; i < len(words); i++ {
			if words[i] != "kgitops" || i > 0 && !slices.Contains(commandStart, words[i-1]) {
				continue
			}
			here := fmt.Sprintf("%s:+%d", at, n)
			c := call{at: here, flags: map[string][]string{}}
			i++
			if i >= len(words) || strings.HasPrefix(words[i], "-") {
				problems = append(problems, here+": kgitops without a command")
				continue
			}
			c.sub = words[i]
			known, ok := commands[c.sub]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: unknown command kgitops %s", here, c.sub))
				continue
			}
			for i++; i < len(words) && !isOperator(words[i]); i++ {
				w := words[i]
				name, value, inline := strings.Cut(w, "=")
				f, ok := known[name]
				switch {
				case !strings.HasPrefix(w, "-"):
					problems = append(problems, fmt.Sprintf("%s: kgitops %s takes no argument, got %q", here, c.sub, w))
					continue
				case !ok:
					problems = append(problems, fmt.Sprintf("%s: kgitops %s has no flag %s", here, c.sub, name))
					continue
				case f.value && !inline:
					if i+1 >= len(words) || isOperator(words[i+1]) {
						problems = append(problems, fmt.Sprintf("%s: %s needs a value", here, name))
						continue
					}
					i++
					value = words[i]
				case !f.value && inline:
					problems = append(problems, fmt.Sprintf("%s: %s takes no value", here, name))
				}
				if f.values != nil && !slices.Contains(f.values, value) && !strings.HasPrefix(value, "$") {
					problems = append(problems, fmt.Sprintf("%s: %s %q: want one of %s", here, name, value, strings.Join(f.values, ", ")))
				}
				c.flags[name] = append(c.flags[name], value)
			}
			calls = append(calls, c)
		}
	}
	return calls, problems
}

func isOperator(w string) bool {
	return w != "" && strings.Trim(w, "|&;<>()") == ""
}

func TestKgitopsCallsCatchTypos(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{`kgitops plan --dir "$D" -o markdown --detailed-exitcode --fail-on destructive > plan.md`, ""},
		{`kgitops diff --base "origin/${{ github.base_ref }}" -o markdown | tee diff.md`, ""},
		{`if kgitops validate --dir=.; then echo ok; fi`, ""},
		{`kgitops schema --kind Topic > topic.json`, ""},
		{`go install github.com/kgitops/kgitops/cmd/kgitops@latest`, ""},
		{`kgitops plna --dir .`, "unknown command kgitops plna"},
		{`kgitops plan --detailed-exitcodes`, "kgitops plan has no flag --detailed-exitcodes"},
		{`kgitops plan --fail-on destructve`, `--fail-on "destructve": want one of destructive`},
		{`kgitops diff -o markdwn --base x`, `-o "markdwn"`},
		{`kgitops validate --allow-delete`, "kgitops validate has no flag --allow-delete"},
		{`kgitops apply --dir`, "--dir needs a value"},
		{`kgitops validate repo/`, "takes no argument"},
		{`kgitops schema -o yaml`, `-o "yaml": want one of json`},
	}
	for _, tc := range tests {
		_, problems := kgitopsCalls("x", tc.line)
		got := strings.Join(problems, "\n")
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s\n  problems: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// scripts returns the shell scripts of a GitHub workflow (each step's run)
// or of a GitLab CI file (each job's before_script, script, after_script),
// by where they are.
func scripts(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]string{}
	if jobs, ok := doc["jobs"].(map[string]any); ok { // GitHub Actions
		for name, j := range jobs {
			steps, _ := j.(map[string]any)["steps"].([]any)
			for i, s := range steps {
				if run, ok := s.(map[string]any)["run"].(string); ok {
					out[fmt.Sprintf("%s: jobs.%s.steps[%d]", file, name, i)] = run
				}
			}
		}
		return out
	}
	for name, j := range doc { // GitLab CI: every mapping is a job, or default
		job, ok := j.(map[string]any)
		if !ok {
			continue
		}
		for _, key := range []string{"before_script", "script", "after_script"} {
			lines, _ := job[key].([]any)
			for i, l := range lines {
				out[fmt.Sprintf("%s: %s.%s[%d]", file, name, key, i)] = fmt.Sprint(l)
			}
		}
	}
	return out
}

// callsIn checks every kgitops command of a CI file and returns them.
func callsIn(t *testing.T, file string) []call {
	t.Helper()
	ss := scripts(t, file)
	if len(ss) == 0 {
		t.Fatalf("%s has no scripts", file)
	}
	var all []call
	for at, s := range ss {
		calls, problems := kgitopsCalls(at, s)
		for _, p := range problems {
			t.Error(p)
		}
		all = append(all, calls...)
	}
	return all
}

// has reports whether some call runs sub with every flag of want, each
// with the value given ("" for any).
func has(calls []call, sub string, want map[string]string) bool {
	return slices.ContainsFunc(calls, func(c call) bool {
		if c.sub != sub {
			return false
		}
		for f, v := range want {
			got, ok := c.flags[f]
			if !ok || v != "" && !slices.Contains(got, v) {
				return false
			}
		}
		return true
	})
}

func TestCIExamples(t *testing.T) {
	prChecks := func(t *testing.T, file string, calls []call) {
		for _, w := range []struct {
			sub   string
			flags map[string]string
		}{
			{"validate", map[string]string{"--dir": ""}},
			{"diff", map[string]string{"--base": "", "-o": "markdown"}},
			{"plan", map[string]string{"-o": "markdown", "--detailed-exitcode": "", "--fail-on": "destructive"}},
			{"plan", map[string]string{"-o": "markdown", "--detailed-exitcode": ""}},
		} {
			if !has(calls, w.sub, w.flags) {
				t.Errorf("%s runs no kgitops %s with %v", file, w.sub, w.flags)
			}
		}
		data, _ := os.ReadFile(file)
		for _, s := range []string{planMarker, destructiveGate, "go install github.com/kgitops/kgitops/cmd/kgitops@", "KGITOPS_BOOTSTRAP_SERVERS"} {
			if !strings.Contains(string(data), s) {
				t.Errorf("%s does not mention %s", file, s)
			}
		}
		for _, c := range calls {
			if c.sub == "diff" && !strings.HasPrefix(c.flags["--base"][0], "origin/") {
				t.Errorf("%s: diff --base %s: want the base branch, origin/...", c.at, c.flags["--base"][0])
			}
		}
	}

	t.Run("github", func(t *testing.T) {
		prChecks(t, githubPR, callsIn(t, githubPR))
		if !has(callsIn(t, githubApply), "apply", map[string]string{"--dir": ""}) {
			t.Errorf("%s runs no kgitops apply", githubApply)
		}
		var wf struct {
			On          map[string]any `yaml:"on"`
			Concurrency struct {
				Group            string `yaml:"group"`
				CancelInProgress bool   `yaml:"cancel-in-progress"`
			} `yaml:"concurrency"`
		}
		readYAML(t, githubApply, &wf)
		if wf.Concurrency.Group == "" || wf.Concurrency.CancelInProgress {
			t.Errorf("%s: want a concurrency group that never cancels a running apply, got %+v", githubApply, wf.Concurrency)
		}
		readYAML(t, githubPR, &wf)
		if _, ok := wf.On["pull_request"]; !ok {
			t.Errorf("%s does not run on pull_request: %v", githubPR, wf.On)
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		calls := callsIn(t, gitlabCI)
		prChecks(t, gitlabCI, calls)
		if !has(calls, "apply", map[string]string{"--dir": ""}) {
			t.Errorf("%s runs no kgitops apply", gitlabCI)
		}
		var ci struct {
			Apply struct {
				ResourceGroup string `yaml:"resource_group"`
			} `yaml:"apply"`
		}
		readYAML(t, gitlabCI, &ci)
		if ci.Apply.ResourceGroup == "" {
			t.Errorf("%s: the apply job has no resource_group: two applies could run at once", gitlabCI)
		}
	})
	t.Run("readme", func(t *testing.T) {
		calls, problems := kgitopsCalls(ciReadme, shellBlocks(t, ciReadme))
		for _, p := range problems {
			t.Error(p)
		}
		if !has(calls, "schema", map[string]string{"--kind": ""}) || !has(calls, "schema", nil) {
			t.Errorf("%s does not show kgitops schema", ciReadme)
		}
		data, _ := os.ReadFile(ciReadme)
		for _, s := range []string{"# yaml-language-server: $schema=./kgitops.schema.json", `"yaml.schemas"`, planMarker, destructiveGate} {
			if !strings.Contains(string(data), s) {
				t.Errorf("%s does not mention %s", ciReadme, s)
			}
		}
	})
}

// shellBlocks returns the ```sh blocks of a markdown file.
func shellBlocks(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		switch line := sc.Text(); {
		case line == "```sh":
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in:
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestPreCommitHook checks the hook other repos use, and the example
// configuration that uses it.
func TestPreCommitHook(t *testing.T) {
	var hooks []struct {
		ID            string   `yaml:"id"`
		Language      string   `yaml:"language"`
		Entry         string   `yaml:"entry"`
		Args          []string `yaml:"args"`
		PassFilenames *bool    `yaml:"pass_filenames"`
		Files         string   `yaml:"files"`
	}
	readYAML(t, preCommitDef, &hooks)
	if len(hooks) != 1 || hooks[0].ID != "kgitops-validate" {
		t.Fatalf("%s: want the one hook kgitops-validate, got %+v", preCommitDef, hooks)
	}
	h := hooks[0]
	if h.Language != "golang" || h.PassFilenames == nil || *h.PassFilenames {
		t.Errorf("%s: want language golang and pass_filenames false, got %+v", preCommitDef, h)
	}
	// pre-commit runs entry, then args; with pass_filenames false, nothing else.
	calls, problems := kgitopsCalls(preCommitDef, h.Entry+" "+strings.Join(h.Args, " "))
	for _, p := range problems {
		t.Error(p)
	}
	if len(calls) != 1 || !has(calls, "validate", map[string]string{"--dir": ""}) {
		t.Errorf("%s: entry and args run %+v, want kgitops validate --dir FOLDER", preCommitDef, calls)
	}
	files := regexp.MustCompile(h.Files)
	for name, want := range map[string]bool{"topics/a.yaml": true, "b.yml": true, "c.json": false, "d.yaml.txt": false} {
		if files.MatchString(name) != want {
			t.Errorf("%s: files %q matches %s: %v, want %v", preCommitDef, h.Files, name, !want, want)
		}
	}

	var cfg struct {
		Repos []struct {
			Repo  string `yaml:"repo"`
			Rev   string `yaml:"rev"`
			Hooks []struct {
				ID   string   `yaml:"id"`
				Args []string `yaml:"args"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	readYAML(t, preCommit, &cfg)
	if len(cfg.Repos) != 1 || cfg.Repos[0].Repo != "https://github.com/kgitops/kgitops" || cfg.Repos[0].Rev == "" {
		t.Fatalf("%s: want the kgitops repo at a rev, got %+v", preCommit, cfg.Repos)
	}
	for _, used := range cfg.Repos[0].Hooks {
		if used.ID != h.ID {
			t.Errorf("%s uses hook %q, which %s does not define", preCommit, used.ID, preCommitDef)
		}
		if _, problems := kgitopsCalls(preCommit, h.Entry+" "+strings.Join(used.Args, " ")); len(problems) > 0 {
			t.Errorf("%s: with its args the hook runs: %v", preCommit, problems)
		}
	}
}

// TestCIExamplesAreListed keeps ci/README.md's table in step with the files.
func TestCIExamplesAreListed(t *testing.T) {
	data, err := os.ReadFile(ciReadme)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir("ci", func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || p == ciReadme {
			return err
		}
		if rel := strings.TrimPrefix(p, "ci/"); !strings.Contains(string(data), "("+rel+")") {
			t.Errorf("%s does not link %s", ciReadme, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
