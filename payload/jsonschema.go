package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

var english = xmessage.NewPrinter(language.English)

// compileJSONSchema compiles a JSON Schema document; refs are the
// documents its references name, which its $refs reach by those names.
func compileJSONSchema(text string, refs map[string]string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const url = "registry:///schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		ref, err := jsonschema.UnmarshalJSON(strings.NewReader(refs[name]))
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", name, err)
		}
		// A $ref names a reference by its name, relative to the schema.
		if err := c.AddResource("registry:///"+strings.TrimPrefix(name, "/"), ref); err != nil {
			return nil, fmt.Errorf("reference %s: %w", name, err)
		}
	}
	return c.Compile(url)
}

// jsonSchemaToJSON returns the JSON after the wire-format header, compacted.
func jsonSchemaToJSON(b []byte) ([]byte, error) {
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return c.Bytes(), nil
}

// validateJSON checks the JSON document js against the cached JSON Schema.
func (c *cached) validateJSON(js []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return &FieldError{Msg: err.Error()}
	}
	err = c.jsch.Validate(inst)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		// The deepest cause names the field best.
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		return &FieldError{Field: strings.Join(ve.InstanceLocation, "."), Msg: strings.TrimSpace(ve.ErrorKind.LocalizedString(english))}
	}
	return err
}
