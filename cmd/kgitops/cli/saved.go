package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// A saved plan is what kgitops plan --out writes and kgitops apply PLANFILE
// applies: a JSON file that holds no secret. It records what the plan was
// made from, so that apply can make the plan again and refuse, applying
// nothing, unless it comes out the same from the same desired state and
// the same live state of the resources it changes.

// savedFormat and savedVersion mark a saved plan file; apply refuses any
// other version.
const (
	savedFormat  = "kgitops-plan"
	savedVersion = 1
)

// maxSavedPlan bounds what apply reads of a plan file.
const maxSavedPlan = 256 << 20

// savedPlan is the file's content.
type savedPlan struct {
	Format         string    `json:"format"`
	Version        int       `json:"version"`
	KgitopsVersion string    `json:"kgitopsVersion"`
	CreatedAt      time.Time `json:"createdAt"`
	// Dir is --dir, absolute; Source is where it comes from
	// (gitsync.DirSourceID); Desired is the hash of its files
	// (spec.HashDir); Revision is the git commit, if any.
	Dir      string       `json:"dir"`
	Source   string       `json:"source"`
	Desired  string       `json:"desiredHash"`
	Revision string       `json:"revision,omitempty"`
	Options  savedOptions `json:"options"`
	// Plan is the plan as kgitops plan -o json prints it: never a
	// password (Change.Payload is not rendered).
	Plan json.RawMessage `json:"plan"`
	Live savedLive       `json:"live"`
}

// savedOptions are the options that shape the plan, as they were given.
type savedOptions struct {
	AllowDelete      bool     `json:"allowDelete"`
	AllowHardDelete  bool     `json:"allowHardDelete,omitempty"`
	AllowEmpty       bool     `json:"allowEmpty"`
	MaxDeletes       int      `json:"maxDeletes"`
	MaxPartitions    int      `json:"maxPartitionsPerBroker,omitempty"`
	Throttle         string   `json:"throttle,omitempty"`              // --throttle as given
	MaxInFlight      int      `json:"maxPartitionsInFlight,omitempty"` // --max-partitions-in-flight
	IgnoreConfigs    []string `json:"ignoreConfigs,omitempty"`
	InventoryName    string   `json:"inventoryName"`
	InventoryTopic   string   `json:"inventoryTopic"`
	ClaimInventory   bool     `json:"claimInventory,omitempty"`
	TrustUnsigned    bool     `json:"trustUnsigned,omitempty"` // --inventory-trust-unsigned
	BootstrapServers []string `json:"bootstrapServers"`
	SecretsDir       string   `json:"secretsDir,omitempty"`
	Selector         string   `json:"selector,omitempty"`
}

// savedLive is the fingerprint of the live state of the resources the
// plan changes (reconcile.Fingerprint), and its parts per resource.
type savedLive struct {
	Fingerprint string            `json:"fingerprint"`
	Resources   map[string]string `json:"resources"`
}

// outArgs accepts Terraform's spelling, -out FILE or -out=FILE, for
// --out: pflag reads "-out" as "-o ut", which is no output format.
func outArgs(rf *reportFlags, out *string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		v, terraform := strings.CutPrefix(rf.output, "ut")
		switch {
		case !terraform && len(args) > 0:
			return fmt.Errorf("unexpected argument %q: to save the plan, write --out FILE", args[0])
		case !terraform:
			return nil
		case *out != "":
			return errors.New("-out given twice (once as --out)")
		case strings.HasPrefix(v, "=") && len(args) == 0:
			*out = v[1:]
		case v == "" && len(args) == 1:
			*out = args[0]
		default:
			return errors.New("-out: write --out FILE, and -o FORMAT apart from it")
		}
		rf.output = "text"
		if *out == "" {
			return errors.New("--out: give the file to save the plan to")
		}
		return nil
	}
}

// load loads the repo, and hashes its files when f.hashDesired: before and
// after loading, so that the hash is the one of the files loaded. With
// f.wantDesired, a desired state that hashes otherwise is refused.
func (f *planFlags) load(e *env) (*spec.State, string, error) {
	if !f.hashDesired {
		st, err := e.loadDir(f.dir)
		return st, "", err
	}
	before, herr := spec.HashDir(f.dir)
	st, err := e.loadDir(f.dir)
	if err != nil {
		return nil, "", err
	}
	after, err := spec.HashDir(f.dir)
	if err = errors.Join(herr, err); err != nil {
		return nil, "", fmt.Errorf("hash the desired state in %s: %w", f.dir, err)
	}
	if before != after {
		return nil, "", fmt.Errorf("the files in %s changed while they were read; run kgitops again", f.dir)
	}
	if f.wantDesired != "" && after != f.wantDesired {
		return nil, "", fmt.Errorf("the desired state changed since the plan was saved: the files in %s are not the ones it was made from; nothing was applied: make a new plan", f.dir)
	}
	return st, after, nil
}

// savePlan writes p's plan to path, atomically and readable only by its
// owner. A plan with errors cannot be applied, so it is not saved.
func savePlan(e *env, f *planFlags, p *prepared, path, revision string) error {
	if len(p.plan.Errors) > 0 {
		fmt.Fprintf(e.stderr, "The plan has errors: it was not saved to %s.\n", path)
		return nil
	}
	dir, err := filepath.Abs(f.dir)
	if err != nil {
		return err
	}
	secretsDir := f.secretsDir
	if secretsDir != "" {
		if secretsDir, err = filepath.Abs(secretsDir); err != nil {
			return err
		}
	}
	var plan bytes.Buffer
	if err := reconcile.RenderJSON(&plan, p.plan); err != nil {
		return err
	}
	sp := savedPlan{
		Format: savedFormat, Version: savedVersion, KgitopsVersion: Version, CreatedAt: time.Now().UTC(),
		Dir: dir, Source: p.source, Desired: p.desired, Revision: revision,
		Options: savedOptions{
			AllowDelete: f.allowDelete, AllowHardDelete: f.allowHard, AllowEmpty: f.allowEmpty, MaxDeletes: f.maxDeletes, MaxPartitions: f.maxPartitions,
			Throttle: f.reassign.throttle, MaxInFlight: f.reassign.maxInFlight,
			IgnoreConfigs: f.ignoreConfigs, InventoryName: f.inventoryName, InventoryTopic: f.inventoryTopic,
			ClaimInventory: p.claim, TrustUnsigned: f.trustUnsigned, BootstrapServers: f.conn.Bootstrap, SecretsDir: secretsDir,
			Selector: f.selector,
		},
		Plan: plan.Bytes(),
		Live: savedLive{Fingerprint: reconcile.Fingerprint(p.live, p.plan), Resources: reconcile.FingerprintResources(p.live, p.plan)},
	}
	data, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("save the plan: %w", err)
	}
	fmt.Fprintf(e.stderr, "Saved the plan to %s. Apply exactly this plan with: kgitops apply %s\n", path, path)
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// folder, mode 0600, renamed over path once it is synced: a reader sees
// the old file or the whole new one, never a part.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readSavedPlan reads and checks a plan file.
func readSavedPlan(path string) (*savedPlan, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the saved plan: %w", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a kgitops plan file: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxSavedPlan+1))
	if err != nil {
		return nil, fmt.Errorf("read the saved plan: %w", err)
	}
	notPlan := func(why string) error {
		return fmt.Errorf("%s is not a kgitops plan file (%s): make one with kgitops plan --out %s", path, why, path)
	}
	if len(data) > maxSavedPlan {
		return nil, notPlan("larger than any plan kgitops writes")
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Format != savedFormat {
		return nil, notPlan("it does not start as one, or it is damaged")
	}
	if head.Version != savedVersion {
		return nil, fmt.Errorf("%s is a kgitops plan of format version %d; this kgitops (%s) reads version %d: make the plan again with this kgitops", path, head.Version, Version, savedVersion)
	}
	var sp savedPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sp); err != nil {
		return nil, notPlan("damaged: " + err.Error())
	}
	var plan reconcile.Plan
	switch {
	case !filepath.IsAbs(sp.Dir), sp.Desired == "", sp.Live.Fingerprint == "", sp.Options.InventoryName == "", sp.Options.InventoryTopic == "":
		return nil, notPlan("damaged: a field is missing")
	case json.Unmarshal(sp.Plan, &plan) != nil:
		return nil, notPlan("damaged: its plan does not read")
	}
	return &sp, nil
}

// useSaved sets f from the saved plan's options. A flag that shapes the
// plan, given with another value than the saved one, is refused: the
// saved plan is applied as it was made, or not at all. --dir may name
// another folder, such as a new checkout in another CI job, as long as its
// files are the same and come from the same source.
func (f *planFlags) useSaved(cmd *cobra.Command, e *env, sp *savedPlan) error {
	o := sp.Options
	flags := cmd.Flags()
	var conflicts []string
	differ := func(flag string, given bool, now, saved any) {
		if given && fmt.Sprint(now) != fmt.Sprint(saved) {
			conflicts = append(conflicts, fmt.Sprintf("--%s %v (the plan was made with %v)", flag, now, saved))
		}
	}
	differ("allow-delete", flags.Changed("allow-delete"), f.allowDelete, o.AllowDelete)
	differ("allow-hard-delete", flags.Changed("allow-hard-delete"), f.allowHard, o.AllowHardDelete)
	differ("allow-empty", flags.Changed("allow-empty"), f.allowEmpty, o.AllowEmpty)
	differ("max-deletes", flags.Changed("max-deletes"), f.maxDeletes, o.MaxDeletes)
	differ("max-partitions-per-broker", flags.Changed("max-partitions-per-broker"), f.maxPartitions, o.MaxPartitions)
	differ("throttle", flags.Changed("throttle"), f.reassign.throttle, o.Throttle)
	differ("max-partitions-in-flight", flags.Changed("max-partitions-in-flight"), f.reassign.maxInFlight, o.MaxInFlight)
	differ("selector", flags.Changed("selector"), f.selector, o.Selector)
	differ("ignore-config", flags.Changed("ignore-config"), sortedCopy(f.ignoreConfigs), sortedCopy(o.IgnoreConfigs))
	differ("inventory-trust-unsigned", flags.Changed("inventory-trust-unsigned"), f.trustUnsigned, o.TrustUnsigned)
	differ("inventory-name", flags.Changed("inventory-name") || e.getenv("KGITOPS_INVENTORY_NAME") != "", f.inventoryName, o.InventoryName)
	differ("inventory-topic", flags.Changed("inventory-topic") || e.getenv("KGITOPS_INVENTORY_TOPIC") != "", f.inventoryTopic, o.InventoryTopic)
	given := f.conn.Bootstrap
	if !flags.Changed("bootstrap-servers") {
		given = strings.Split(e.getenv("KGITOPS_BOOTSTRAP_SERVERS"), ",")
	}
	if given = trimmed(given); len(given) > 0 && !slices.Equal(sortedCopy(given), sortedCopy(o.BootstrapServers)) {
		conflicts = append(conflicts, fmt.Sprintf("--bootstrap-servers %s (the plan was made for %s)", strings.Join(given, ","), strings.Join(o.BootstrapServers, ",")))
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("the saved plan was not made with %s; nothing was applied: leave these flags out to apply the saved plan, or make a new plan with them", strings.Join(conflicts, ", "))
	}
	f.allowDelete, f.allowEmpty, f.maxDeletes, f.selector = o.AllowDelete, o.AllowEmpty, o.MaxDeletes, o.Selector
	f.allowHard = o.AllowHardDelete
	if o.MaxPartitions > 0 {
		f.maxPartitions = o.MaxPartitions
	}
	f.reassign.throttle, f.reassign.maxInFlight = o.Throttle, o.MaxInFlight
	f.ignoreConfigs = o.IgnoreConfigs
	f.inventoryName, f.inventoryTopic = o.InventoryName, o.InventoryTopic
	f.trustUnsigned = o.TrustUnsigned
	f.explicitInv = func() bool { return o.ClaimInventory }
	if !flags.Changed("dir") {
		f.dir = sp.Dir
	}
	if !flags.Changed("secrets-dir") && e.getenv(envSecretsDir) == "" {
		f.secretsDir = o.SecretsDir
	}
	if len(given) == 0 {
		f.conn.Bootstrap = o.BootstrapServers
	}
	f.hashDesired, f.wantDesired = true, sp.Desired
	return nil
}

// trimmed drops the blanks around and between a list's items, as the
// connection flags do.
func trimmed(s []string) []string {
	var out []string
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// applySaved applies the plan saved in path, after making it again and
// checking that it comes out the same (see checkSaved).
func applySaved(cmd *cobra.Command, e *env, f *planFlags, path string, dryRun bool) error {
	sp, err := readSavedPlan(path)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if err := f.useSaved(cmd, e, sp); err != nil {
		return &exitError{code: ExitError, err: err}
	}
	p, err := f.prepare(cmd.Context(), e)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	defer p.cl.Close()
	if err := checkSaved(sp, f, p); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("the saved plan %s was not applied: %w", path, err)}
	}
	rev := sp.Revision
	if rev == "" {
		rev = "(none)"
	}
	fmt.Fprintf(e.stdout, "Applying the plan saved in %s at %s (revision %s).\n\n", path, sp.CreatedAt.Format(time.RFC3339), rev)
	return applyPrepared(cmd.Context(), e, f, p, dryRun, sp.Revision)
}

// checkSaved refuses unless the plan made now is the saved one: from the
// same source, on the same cluster, the same changes, and the same live
// state of every resource it changes.
func checkSaved(sp *savedPlan, f *planFlags, p *prepared) error {
	if p.source != sp.Source {
		return fmt.Errorf("the desired state comes from %s, and the plan was made from %s", p.source, sp.Source)
	}
	if !slices.Equal(sortedCopy(f.conn.Bootstrap), sortedCopy(sp.Options.BootstrapServers)) {
		return fmt.Errorf("--bootstrap-servers %s: the plan was made for %s", strings.Join(f.conn.Bootstrap, ","), strings.Join(sp.Options.BootstrapServers, ","))
	}
	var now bytes.Buffer
	if err := reconcile.RenderJSON(&now, p.plan); err != nil {
		return err
	}
	if diffs := planDiffs(sp.Plan, now.Bytes()); len(diffs) > 0 {
		return fmt.Errorf("the cluster changed since the plan was saved, or the plan was applied already; the plan made now differs: %s. Make a new plan", strings.Join(diffs, "; "))
	}
	if fp := reconcile.Fingerprint(p.live, p.plan); fp != sp.Live.Fingerprint {
		now := reconcile.FingerprintResources(p.live, p.plan)
		var changed []string
		for _, k := range sortedKeysOf(now) {
			if now[k] != sp.Live.Resources[k] {
				changed = append(changed, strings.Replace(k, "/", " ", 1))
			}
		}
		if len(changed) == 0 {
			changed = []string{"the resources as a whole"}
		}
		return fmt.Errorf("the cluster changed since the plan was saved: what the plan changes is not as it was (%s). Make a new plan", strings.Join(changed, ", "))
	}
	return nil
}

func sortedKeysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// planDiffs says how two rendered plans differ, resource by resource: ""
// when they are the same.
func planDiffs(saved, now []byte) []string {
	type change struct {
		Kind, Name, Action string
	}
	type plan struct {
		Changes []json.RawMessage `json:"changes"`
	}
	index := func(data []byte) (map[string]string, []string) {
		var p plan
		_ = json.Unmarshal(data, &p)
		m := map[string]string{}
		var order []string
		for _, raw := range p.Changes {
			var c change
			_ = json.Unmarshal(raw, &c)
			k := c.Kind + " " + c.Name
			var b bytes.Buffer
			_ = json.Compact(&b, raw)
			m[k] = c.Action + "\x00" + b.String()
			order = append(order, k)
		}
		return m, order
	}
	var a, b bytes.Buffer
	if json.Compact(&a, saved) == nil && json.Compact(&b, now) == nil && bytes.Equal(a.Bytes(), b.Bytes()) {
		return nil
	}
	was, wasOrder := index(saved)
	is, isOrder := index(now)
	action := func(v string) string { return v[:strings.IndexByte(v, 0)] }
	var out []string
	for _, k := range wasOrder {
		switch v, ok := is[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: saved to %s, now nothing to do", k, action(was[k])))
		case v != was[k]:
			out = append(out, fmt.Sprintf("%s: the %s differs", k, action(v)))
		}
	}
	for _, k := range isOrder {
		if _, ok := was[k]; !ok {
			out = append(out, fmt.Sprintf("%s: now to %s, not in the saved plan", k, action(is[k])))
		}
	}
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("and %d more", len(out)-10))
	}
	if len(out) == 0 {
		out = []string{"its errors, blocked resources, notes or summary"}
	}
	return out
}
