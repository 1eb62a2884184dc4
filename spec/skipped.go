package spec

import (
	"path"
	"strings"
)

// SkippedFile is a file the loader saw and did not read. Hidden
// directories, such as .git, are skipped whole and list nothing.
type SkippedFile struct {
	Path string // relative to the loaded folder, slash-separated
	// Reason says why, for humans, lowercase: "hidden", "not .yaml/.yml",
	// or what to do about a file that looks like a renamed manifest.
	Reason string
	// LooksRenamed is set when the name looks like a manifest that was
	// renamed out of the way (b.yaml.bak, b.yaml.orig, b.yaml~, .b.yaml):
	// its resources are not loaded, so a plan would remove them.
	LooksRenamed bool
}

func (s SkippedFile) String() string { return s.Path + " (" + s.Reason + ")" }

// Reasons a file is skipped.
const (
	skipHidden    = "hidden"
	skipExtension = "not .yaml/.yml"
	skipLinkedDir = "a symbolic link to a directory: not followed"
	skipLinkOut   = "a symbolic link to outside the folder: not followed"
)

// backupSuffixes end the names editors, merge tools and people give a file
// they move out of the way.
var backupSuffixes = []string{"~", ".bak", ".backup", ".orig", ".old", ".swp", ".save", ".disabled"}

// toolConfigs are hidden YAML files that well-known tools read, and
// that are no renamed manifests.
var toolConfigs = map[string]bool{
	".gitlab-ci.yml": true, ".pre-commit-config.yaml": true, ".pre-commit-hooks.yaml": true,
	".golangci.yml": true, ".golangci.yaml": true, ".goreleaser.yml": true, ".goreleaser.yaml": true,
	".yamllint.yml": true, ".yamllint.yaml": true, ".travis.yml": true, ".codecov.yml": true,
	".readthedocs.yml": true, ".readthedocs.yaml": true, ".gitpod.yml": true, ".sops.yaml": true,
	".markdownlint.yml": true, ".markdownlint.yaml": true, ".prettierrc.yml": true, ".prettierrc.yaml": true,
	".mergify.yml": true, ".spectral.yaml": true, ".hadolint.yaml": true, ".checkov.yaml": true,
}

// isManifestName reports whether a file's name is one the loader reads.
func isManifestName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return !strings.HasPrefix(name, ".") && (ext == ".yaml" || ext == ".yml")
}

// skipReason says why the file p, which is not a manifest by its name, is
// skipped, and whether it looks like a renamed manifest. A backup whose
// manifest is loaded (b.yaml.bak beside b.yaml) is only a copy.
func skipReason(p string, loaded map[string]bool) (reason string, renamed bool) {
	name := path.Base(p)
	if orig, ok := renamedFrom(name); ok {
		switch {
		case loaded[path.Join(path.Dir(p), orig)]:
			return "a copy of " + orig + ", which is loaded", false
		case strings.HasPrefix(name, ".") && orig == name[1:]:
			return "hidden: a manifest? rename it to " + orig + " to load it", true
		}
		return "a renamed manifest? rename it back to " + orig + " to load it", true
	}
	if strings.HasPrefix(name, ".") {
		return skipHidden, false
	}
	return skipExtension, false
}

// renamedFrom returns the manifest name that name looks renamed from:
// b.yaml for b.yaml.bak, b.yaml~, b.yml.orig.old or .b.yaml. Hidden YAML
// files that well-known tools read, such as .gitlab-ci.yml, are not
// manifests, nor are their backups.
func renamedFrom(name string) (string, bool) {
	base := name
	for cut := true; cut; {
		cut = false
		for _, s := range backupSuffixes {
			if len(base) > len(s) && strings.HasSuffix(strings.ToLower(base), s) {
				base, cut = base[:len(base)-len(s)], true
				break
			}
		}
	}
	if toolConfigs[strings.ToLower(base)] {
		return "", false
	}
	base = strings.TrimLeft(base, ".")
	return base, isManifestName(base)
}
