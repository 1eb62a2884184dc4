package spec

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Annotations kgitops reads from metadata.annotations. Other annotations
// are kept for people and tools; keys under kgitops.io/ must be these.
const (
	// AnnotationPreventDestroy: "true" makes any plan that deletes the
	// resource fail, even with --allow-delete. kgitops records it in the
	// inventory when it applies the resource, so that it holds after the
	// document is removed from the repo.
	AnnotationPreventDestroy = "kgitops.io/prevent-destroy"
	// AnnotationDelete: "true" asks kgitops to delete the resource, even
	// one it did not create, with --allow-delete: a deletion a reviewer
	// sees as a line in the pull request, not as a missing file.
	AnnotationDelete = "kgitops.io/delete"
)

var kgitopsAnnotations = []string{AnnotationDelete, AnnotationPreventDestroy}

// definitions are the kinds that are not resources in the cluster: they
// can be neither deleted nor protected.
var definitions = map[string]string{
	KindRole:     "a Role is a definition, not a resource; put it on the RoleBindings that use the role",
	KindSettings: "Settings are options, not a resource",
}

// annotations reads metadata.annotations of a document of kind and checks
// kgitops' own.
func (d *decoder) annotations(f field, kind string) map[string]string {
	f.Name = "metadata.annotations"
	out := d.stringMap(f)
	if len(out) == 0 {
		return out
	}
	ps, _ := d.pairs(f.Value, f.Name)
	at := func(key string) *yaml.Node {
		for _, p := range ps {
			if p.Name == key {
				return p.Key
			}
		}
		return f.Key
	}
	for k, v := range out {
		if !strings.HasPrefix(k, "kgitops.io/") {
			continue
		}
		if !slices.Contains(kgitopsAnnotations, k) {
			d.errorf(at(k), suggestHint(k, kgitopsAnnotations, "kgitops reads "+strings.Join(kgitopsAnnotations, " and ")), "unknown annotation %q", k)
			continue
		}
		if why, ok := definitions[kind]; ok {
			d.errorf(at(k), "remove it: "+why, "annotation %s has no meaning on a %s document", k, kind)
			continue
		}
		if v != "true" && v != "false" {
			d.errorf(at(k), `write "true" or "false"`, "annotation %s must be \"true\" or \"false\", got %q", k, v)
		}
	}
	if out[AnnotationDelete] == "true" && out[AnnotationPreventDestroy] == "true" {
		d.errorf(at(AnnotationDelete), "remove one of them", "the document asks for %s and %s at once", AnnotationDelete, AnnotationPreventDestroy)
	}
	return out
}

// PreventDestroy says whether the annotations protect the resource.
func PreventDestroy(annotations map[string]string) bool {
	return annotations[AnnotationPreventDestroy] == "true"
}

// MarkedForDeletion says whether the annotations ask for the resource to
// be deleted.
func MarkedForDeletion(annotations map[string]string) bool {
	return annotations[AnnotationDelete] == "true"
}
