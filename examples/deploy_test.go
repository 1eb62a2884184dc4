package examples

// Checks of the deployment examples: the Kubernetes manifests and the systemd
// unit hang together (probes on the metrics port, secrets only from the
// Secret, the git cache where the flags say). When systemd-analyze is on the
// PATH, the unit is also verified by it.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const (
	kubernetesDir  = "deploy/kubernetes"
	systemdUnit    = "deploy/systemd/kgitops.service"
	systemdEnvFile = "deploy/systemd/kgitops.env.example"
)

// --- Kubernetes manifests ------------------------------------------------------

type object struct {
	file       string
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	node *yaml.Node
}

// readManifests reads every document of every YAML file in dir but
// kustomization.yaml.
func readManifests(t *testing.T, dir string) (objects []object, files []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if filepath.Base(path) == "kustomization.yaml" {
			continue
		}
		files = append(files, filepath.Base(path))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for n := 1; ; n++ {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: document %d: %v", path, n, err)
			}
			if len(node.Content) == 0 || node.Content[0].Kind == yaml.ScalarNode && node.Content[0].Tag == "!!null" {
				continue // an empty document
			}
			o := object{file: path, node: &node}
			if err := node.Decode(&o); err != nil {
				t.Fatalf("%s: document %d: %v", path, n, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name", path, n)
			}
			objects = append(objects, o)
		}
	}
	return objects, files
}

func find(t *testing.T, objects []object, kind string, out any) {
	t.Helper()
	var found []object
	for _, o := range objects {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s, have %d", kind, len(found))
	}
	if err := found[0].node.Decode(out); err != nil {
		t.Fatalf("%s: %v", found[0].file, err)
	}
}

type (
	httpProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port any    `yaml:"port"`
		} `yaml:"httpGet"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []envVar `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		ReadinessProbe *httpProbe `yaml:"readinessProbe"`
		LivenessProbe  *httpProbe `yaml:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext *struct {
			RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	deployment struct {
		Spec struct {
			Replicas int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec struct {
					ServiceAccountName            string      `yaml:"serviceAccountName"`
					TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
					Containers                    []container `yaml:"containers"`
					SecurityContext               struct {
						RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					} `yaml:"securityContext"`
					Volumes []struct {
						Name     string    `yaml:"name"`
						EmptyDir *struct{} `yaml:"emptyDir"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	service struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort any    `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	serviceMonitor struct {
		APIVersion string `yaml:"apiVersion"`
		Spec       struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Endpoints []struct {
				Port string `yaml:"port"`
				Path string `yaml:"path"`
			} `yaml:"endpoints"`
		} `yaml:"spec"`
	}
	secret struct {
		StringData map[string]string `yaml:"stringData"`
		Data       map[string]string `yaml:"data"`
	}
)

// matches reports whether labels carry every label of selector.
func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func TestKubernetesManifests(t *testing.T) {
	objects, files := readManifests(t, kubernetesDir)
	if len(objects) == 0 {
		t.Fatalf("no manifests in %s", kubernetesDir)
	}

	// kustomization.yaml lists exactly the manifests.
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	data, err := os.ReadFile(filepath.Join(kubernetesDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if got, want := slices.Sorted(slices.Values(k.Resources)), files; !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml resources %v, want the manifests %v", got, want)
	}

	var dep deployment
	find(t, objects, "Deployment", &dep)
	var svc service
	find(t, objects, "Service", &svc)
	var sm serviceMonitor
	find(t, objects, "ServiceMonitor", &sm)
	var sec secret
	find(t, objects, "Secret", &sec)
	var secretName, saName string
	for _, o := range objects {
		switch o.Kind {
		case "Secret":
			secretName = o.Metadata.Name
		case "ServiceAccount":
			saName = o.Metadata.Name
		}
	}

	spec := dep.Spec.Template.Spec
	if dep.Spec.Replicas != 2 {
		t.Errorf("Deployment: replicas %d, want 2", dep.Spec.Replicas)
	}
	if !matches(dep.Spec.Selector.MatchLabels, dep.Spec.Template.Metadata.Labels) {
		t.Errorf("Deployment: selector %v does not match the pod labels %v", dep.Spec.Selector.MatchLabels, dep.Spec.Template.Metadata.Labels)
	}
	if spec.ServiceAccountName == "" || spec.ServiceAccountName != saName {
		t.Errorf("Deployment: serviceAccountName %q, want the ServiceAccount %q", spec.ServiceAccountName, saName)
	}
	if spec.TerminationGracePeriodSeconds < 60 {
		t.Errorf("Deployment: terminationGracePeriodSeconds %d, want at least 60 to end a pass", spec.TerminationGracePeriodSeconds)
	}
	if spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		t.Error("Deployment: pod securityContext.runAsNonRoot should be true")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("Deployment: %d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	if len(k.Images) != 1 || !strings.HasPrefix(c.Image, k.Images[0].Name+":") {
		t.Errorf("Deployment: image %q is not the one kustomization.yaml's images: replaces (%v)", c.Image, k.Images)
	}
	readme, err := os.ReadFile(filepath.Join(kubernetesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte(c.Image)) {
		t.Errorf("README.md should tell users to replace the placeholder image %s", c.Image)
	}

	// Args: run, in apply mode, listening on the metrics port, with the
	// git cache on an emptyDir.
	args := map[string]string{}
	for _, a := range c.Args[min(1, len(c.Args)):] {
		name, value, _ := strings.Cut(a, "=")
		args[name] = value
	}
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Errorf("Deployment: args %v should start with run", c.Args)
	}
	for _, flag := range []string{"--repo", "--mode", "--listen", "--git-cache-dir"} {
		if _, ok := args[flag]; !ok {
			t.Errorf("Deployment: args lack %s=...", flag)
		}
	}
	if args["--mode"] != "apply" {
		t.Errorf("Deployment: --mode=%s, want apply", args["--mode"])
	}
	var metricsPort int
	for _, p := range c.Ports {
		if p.Name == "metrics" {
			metricsPort = p.ContainerPort
		}
	}
	if metricsPort != 9090 {
		t.Errorf("Deployment: want container port 9090 named metrics, have %+v", c.Ports)
	}
	if args["--listen"] != fmt.Sprintf(":%d", metricsPort) {
		t.Errorf("Deployment: --listen=%s, want :%d (the metrics port)", args["--listen"], metricsPort)
	}
	cacheVolume := ""
	for _, m := range c.VolumeMounts {
		if m.MountPath == args["--git-cache-dir"] {
			cacheVolume = m.Name
		}
	}
	emptyDir := false
	for _, v := range spec.Volumes {
		if v.Name == cacheVolume && v.EmptyDir != nil {
			emptyDir = true
		}
	}
	if cacheVolume == "" || !emptyDir {
		t.Errorf("Deployment: --git-cache-dir=%s should be an emptyDir volume mount", args["--git-cache-dir"])
	}

	// Probes on the metrics port.
	for _, p := range []struct {
		name  string
		probe *httpProbe
		path  string
	}{{"readinessProbe", c.ReadinessProbe, "/readyz"}, {"livenessProbe", c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("Deployment: no %s.httpGet", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("Deployment: %s.httpGet.path %q, want %s", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if port := fmt.Sprint(p.probe.HTTPGet.Port); port != "metrics" && port != fmt.Sprint(metricsPort) {
			t.Errorf("Deployment: %s.httpGet.port %v, want metrics", p.name, port)
		}
	}

	// Hardening and resources.
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("Deployment: container securityContext should be non-root, read-only, without privilege escalation, drop ALL; have %+v", sc)
	}
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" {
			t.Errorf("Deployment: no %s request", r)
		}
	}
	if c.Resources.Limits["memory"] == "" {
		t.Error("Deployment: no memory limit")
	}

	// Secrets come from the Secret, never inline, and the keys exist.
	keys := map[string]bool{}
	for key, v := range sec.StringData {
		keys[key] = true
		if !strings.HasPrefix(v, "REPLACE_ME") {
			t.Errorf("secret.yaml: %s should hold a REPLACE_ME placeholder, not a value", key)
		}
	}
	for key := range sec.Data {
		t.Errorf("secret.yaml: %s in data: keep placeholders in stringData", key)
	}
	fromSecret := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			fromSecret[e.Name] = true
			if ref.Name != secretName || !keys[ref.Key] {
				t.Errorf("Deployment: env %s refers to %s/%s, which secret.yaml does not define", e.Name, ref.Name, ref.Key)
			}
		}
	}
	for _, name := range []string{"KGITOPS_GIT_PASSWORD", "KGITOPS_SASL_PASSWORD", "KGITOPS_WEBHOOK_SECRET"} {
		if !fromSecret[name] {
			t.Errorf("Deployment: env %s should come from the Secret", name)
		}
	}

	// Service → pods, ServiceMonitor → Service, both on the metrics port.
	if !matches(svc.Spec.Selector, dep.Spec.Template.Metadata.Labels) {
		t.Errorf("Service: selector %v does not match the pods %v", svc.Spec.Selector, dep.Spec.Template.Metadata.Labels)
	}
	svcPort := ""
	for _, p := range svc.Spec.Ports {
		if tp := fmt.Sprint(p.TargetPort); tp == "metrics" || tp == fmt.Sprint(metricsPort) {
			svcPort = p.Name
		}
	}
	if svcPort == "" {
		t.Errorf("Service: no port targets the metrics port: %+v", svc.Spec.Ports)
	}
	var svcLabels map[string]string
	for _, o := range objects {
		if o.Kind == "Service" {
			svcLabels = o.Metadata.Labels
		}
	}
	if sm.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor: apiVersion %s, want monitoring.coreos.com/v1", sm.APIVersion)
	}
	if !matches(sm.Spec.Selector.MatchLabels, svcLabels) {
		t.Errorf("ServiceMonitor: selector %v does not match the Service's labels %v", sm.Spec.Selector.MatchLabels, svcLabels)
	}
	if len(sm.Spec.Endpoints) == 0 || sm.Spec.Endpoints[0].Port != svcPort || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor: endpoints %+v, want port %q path /metrics", sm.Spec.Endpoints, svcPort)
	}
}

// --- systemd -------------------------------------------------------------------

// readUnit reads a systemd unit file into section → key → values, joining
// continued lines.
func readUnit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]map[string][]string{}
	section := ""
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if line == "" && (l == "" || l[0] == '#' || l[0] == ';') {
			continue
		}
		if strings.HasSuffix(l, `\`) {
			line += strings.TrimSuffix(l, `\`) + " "
			continue
		}
		line += l
		switch {
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Errorf("%s: cannot read %q", path, line)
			} else {
				unit[section][key] = append(unit[section][key], value)
			}
		}
		line = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return unit
}

func TestSystemdUnit(t *testing.T) {
	unit := readUnit(t, systemdUnit)
	svc := unit["Service"]
	if svc == nil {
		t.Fatalf("%s: no [Service] section", systemdUnit)
	}
	one := func(key string) string {
		if len(svc[key]) != 1 {
			t.Errorf("%s: want one %s=, have %q", systemdUnit, key, svc[key])
			return ""
		}
		return svc[key][0]
	}
	for key, want := range map[string]string{
		"ProtectSystem":   "strict",
		"NoNewPrivileges": "yes",
		"Restart":         "on-failure",
		"KillSignal":      "SIGTERM",
		"CacheDirectory":  "kgitops",
	} {
		if got := one(key); got != want {
			t.Errorf("%s: %s=%s, want %s", systemdUnit, key, got, want)
		}
	}
	if !slices.Equal(svc["DynamicUser"], []string{"yes"}) && len(svc["User"]) == 0 {
		t.Errorf("%s: want DynamicUser=yes or a User=", systemdUnit)
	}
	if d := one("TimeoutStopSec"); !promDuration.MatchString(d) && !regexp.MustCompile(`^[0-9]+$`).MatchString(d) {
		t.Errorf("%s: TimeoutStopSec=%s", systemdUnit, d)
	}
	if one("EnvironmentFile") == "" {
		t.Errorf("%s: no EnvironmentFile for the secrets", systemdUnit)
	}
	if r := one("ExecReload"); !strings.Contains(r, "-HUP") || !strings.Contains(r, "$MAINPID") {
		t.Errorf("%s: ExecReload=%s, want kill -HUP $MAINPID", systemdUnit, r)
	}

	cmdline := strings.Fields(one("ExecStart"))
	if len(cmdline) < 2 || filepath.Base(cmdline[0]) != "kgitops" || cmdline[1] != "run" {
		t.Fatalf("%s: ExecStart=%v, want kgitops run ...", systemdUnit, cmdline)
	}
	flags := map[string]string{}
	for _, a := range cmdline[2:] {
		name, value, _ := strings.Cut(a, "=")
		flags[name] = value
	}
	if flags["--mode"] != "apply" {
		t.Errorf("%s: --mode=%s, want apply", systemdUnit, flags["--mode"])
	}
	if want := "/var/cache/" + one("CacheDirectory"); flags["--git-cache-dir"] != want {
		t.Errorf("%s: --git-cache-dir=%s, want the CacheDirectory %s", systemdUnit, flags["--git-cache-dir"], want)
	}

	// Every variable ExecStart expands is set by the env file or the unit,
	// and the env file holds placeholders for secrets only.
	env := map[string]string{}
	data, err := os.ReadFile(systemdEnvFile)
	if err != nil {
		t.Fatal(err)
	}
	for n, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(l, "=")
		if !ok || !regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`).MatchString(name) {
			t.Errorf("%s:%d: want NAME=value, have %q", systemdEnvFile, n+1, l)
			continue
		}
		env[name] = value
		if (strings.Contains(name, "PASSWORD") || strings.Contains(name, "SECRET")) && !strings.HasPrefix(value, "REPLACE_ME") {
			t.Errorf("%s:%d: %s should hold a REPLACE_ME placeholder", systemdEnvFile, n+1, name)
		}
	}
	for _, e := range svc["Environment"] {
		for _, kv := range strings.Fields(e) {
			name, value, _ := strings.Cut(kv, "=")
			if _, ok := env[name]; !ok {
				env[name] = value
			}
		}
	}
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(one("ExecStart"), -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("%s: ExecStart uses ${%s}, which neither Environment= nor %s sets", systemdUnit, m[1], systemdEnvFile)
		}
	}
	for _, name := range []string{"KGITOPS_GIT_PASSWORD", "KGITOPS_SASL_PASSWORD", "KGITOPS_WEBHOOK_SECRET", "KGITOPS_BOOTSTRAP_SERVERS"} {
		if _, ok := env[name]; !ok {
			t.Errorf("%s: no %s", systemdEnvFile, name)
		}
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not on the PATH")
	}
	// verify wants the binary and the env file to exist: point the copy at
	// /bin/true and make the env file optional. Only complaints about this
	// unit count, not about others on the machine.
	data, err := os.ReadFile(systemdUnit)
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(data), "/usr/local/bin/kgitops", "/bin/true")
	unit = strings.ReplaceAll(unit, "EnvironmentFile=/", "EnvironmentFile=-/")
	path := filepath.Join(t.TempDir(), "kgitops.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, _ := exec.CommandContext(ctx, analyze, "verify", path).CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "kgitops.service") {
			t.Errorf("systemd-analyze verify: %s", l)
		}
	}
}
