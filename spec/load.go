package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the desired state from every *.yaml and *.yml file under dir.
// It is LoadFS(os.DirFS(dir)); positions are relative to dir.
func Load(dir string) (*State, error) {
	st, err := LoadFS(os.DirFS(dir))
	var es Errors
	if err != nil && !errors.As(err, &es) {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return st, err
}

// LoadFS reads the desired state from every *.yaml and *.yml file in fsys,
// recursively, in lexical order. Hidden files and directories (a name
// starting with '.', like .git) are skipped, as are all other files. A file
// may hold several documents separated by "---"; empty ones are skipped.
//
// LoadFS is pure: it only reads fsys. Its error is either Errors, holding
// every problem in the repo sorted by file and line, or an I/O error. When
// it returns an error, it returns no State.
func LoadFS(fsys fs.FS) (*State, error) {
	files, err := yamlFiles(fsys)
	if err != nil {
		return nil, err
	}
	l := &loader{}
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		l.file(name, data)
	}
	st := l.finish()
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return st, nil
}

// yamlFiles lists the files LoadFS reads.
func yamlFiles(fsys fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := p != "." && strings.HasPrefix(e.Name(), ".")
		switch {
		case e.IsDir() && hidden:
			return fs.SkipDir
		case e.IsDir() || hidden:
			return nil
		}
		if ext := strings.ToLower(path.Ext(p)); ext == ".yaml" || ext == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return files, nil
}

// loader collects what the documents of one load declare, and every
// problem found in them.
type loader struct {
	st    State
	errs  Errors
	later []func(*State) // checks that need every document, such as Settings
	// bad holds the documents, by "kind:" line, whose spec has errors, so
	// that checks across documents can skip what would only repeat them.
	bad map[Pos]bool
}

func (l *loader) add(e Error) {
	l.errs = append(l.errs, e)
}

// invalid marks the document at p as having errors in its spec.
func (l *loader) invalid(p Pos) {
	if l.bad == nil {
		l.bad = map[Pos]bool{}
	}
	l.bad[p] = true
}

func (l *loader) isInvalid(p Pos) bool { return l.bad[p] }

// after runs check once every document has been decoded.
func (l *loader) after(check func(*State)) {
	l.later = append(l.later, check)
}

// file decodes every document of one file.
func (l *loader) file(name string, data []byte) {
	d := &decoder{l: l, file: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		doc, err := next(dec)
		if err == io.EOF {
			return
		}
		if err != nil {
			l.add(syntaxError(name, data, err))
			return // the parser cannot go on after an error
		}
		d.document(doc)
	}
}

// next returns the next document. It turns a panic inside the YAML library
// into an error, so that no input can crash a load.
func next(dec *yaml.Decoder) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// syntaxError turns an error of the YAML parser into an Error at its line.
// The parser leaves out the line when it is the first one; for an unknown
// alias it gives none, so the alias is looked up in the text.
func syntaxError(file string, data []byte, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		line = max(line, 1)
		msg = msg[len(m[0]):]
	} else if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
		name = strings.TrimSuffix(name, "' referenced")
		if i := bytes.Index(data, []byte("*"+name)); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
	}
	hint := ""
	if lines := bytes.Split(data, []byte("\n")); line <= len(lines) {
		text := lines[line-1]
		if indent := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]; bytes.ContainsRune(indent, '\t') {
			hint = "indent with spaces: YAML does not allow tabs"
		}
	}
	return Error{Pos: Pos{File: file, Line: line}, Msg: "invalid YAML: " + msg, Hint: hint}
}

// finish runs the checks that span documents and returns the State.
func (l *loader) finish() *State {
	for _, check := range l.later {
		check(&l.st)
	}
	for _, name := range kindNames() {
		if k, _ := kindNamed(name); k.check != nil {
			k.check(l, &l.st)
		}
	}
	l.st.sortByName()
	l.errs = slices.Compact(l.errs.sorted()) // an alias used twice reports its problems once
	return &l.st
}
