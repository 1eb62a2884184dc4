package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the desired state from every *.yaml and *.yml file under dir,
// within the default LoadOptions. It is LoadFS(os.DirFS(dir)); positions
// are relative to dir.
func Load(dir string) (*State, error) {
	return LoadWith(dir, LoadOptions{})
}

// LoadWith is Load within the limits of opts.
func LoadWith(dir string, opts LoadOptions) (*State, error) {
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = errors.New("not a directory")
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is dir, named below
		}
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	st, err := LoadFSWith(os.DirFS(dir), opts)
	var es Errors
	if err != nil && !errors.As(err, &es) {
		return nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return st, err
}

// LoadFS reads the desired state from every *.yaml and *.yml file in fsys,
// recursively, in lexical order, within the default LoadOptions. Hidden
// files and directories (a name starting with '.', like .git) are skipped,
// as are all other files; State.Skipped lists the files skipped, except
// those inside hidden directories. A file may hold several documents
// separated by "---"; empty ones are skipped.
//
// Only regular files are read. A manifest that is a named pipe, a device
// or a socket is an Error, and so is a symbolic link unless it leads to a
// regular file inside fsys that is not hidden: links are resolved with
// fs.ReadLinkFS, and a link out of fsys is never opened (see read.go).
//
// LoadFS is pure: it only reads fsys. Its error is either Errors, holding
// every problem in the repo sorted by file and line, or an I/O error. When
// it returns an error, it returns no State.
func LoadFS(fsys fs.FS) (*State, error) {
	return LoadFSWith(fsys, LoadOptions{})
}

// LoadFSWith is LoadFS within the limits of opts.
func LoadFSWith(fsys fs.FS, opts LoadOptions) (*State, error) {
	ls, err := listFiles(fsys)
	if err != nil {
		return nil, err
	}
	l := &loader{maxDocs: opts.withDefaults().MaxDocuments, fsys: fsys}
	l.st.Settings.Reassignment = unsetReassignment()
	l.errs = append(l.errs, ls.errs...)
	b := &budget{opts: opts.withDefaults()}
	// Files are parsed ahead, a few at once on as many CPUs, and decoded
	// one after the other in their order: the YAML parse is two thirds of
	// a load. What reading a file found is reported when its turn comes,
	// so the errors are those of a load that reads one file at a time.
	var ahead []*parsing
	window := runtime.GOMAXPROCS(0) + 1
	decode := func(p *parsing) error {
		if p.perr != nil {
			l.add(*p.perr)
		}
		if p.err != nil {
			return fmt.Errorf("read %s: %w", p.path, p.err)
		}
		if p.perr == nil {
			<-p.done
			l.decodeFile(p.path, p.data, p.docs, p.parseErr)
		}
		return nil
	}
	for _, m := range ls.files {
		data, perr, err := b.readManifest(fsys, m)
		if errors.Is(err, errStop) {
			ahead = append(ahead, &parsing{path: m.path, perr: perr})
			break
		}
		p := &parsing{path: m.path, data: data, perr: perr, err: err}
		if perr == nil && err == nil {
			p.start()
		}
		ahead = append(ahead, p)
		if len(ahead) < window {
			continue
		}
		if err := decode(ahead[0]); err != nil {
			return nil, err
		}
		if ahead = ahead[1:]; l.full {
			break
		}
	}
	for _, p := range ahead {
		if l.full {
			break
		}
		if err := decode(p); err != nil {
			return nil, err
		}
	}
	st := l.finish()
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	for _, sk := range ls.skipped {
		if !l.schemaFiles[sk.Path] { // read by a Schema document
			st.Skipped = append(st.Skipped, sk)
		}
	}
	return st, nil
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

	docs, maxDocs int  // documents read so far, and the most allowed
	full          bool // set past maxDocs: no more documents are read

	fsys        fs.FS           // the loaded folder, for Schema documents' files
	schemaFiles map[string]bool // files read by Schema documents
}

// readSchemaFile reads a file a Schema document names, inside the
// loaded folder and at most 1 MiB. Links are followed as the loader
// follows them (read.go): never out of the folder.
func (l *loader) readSchemaFile(p string) ([]byte, error) {
	target, fi, err := follow(l.fsys, p)
	if errors.Is(err, errNoLinks) {
		target = p
		fi, err = fs.Stat(l.fsys, p)
	}
	if err != nil {
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
		return nil, err
	}
	if hiddenPath(p) || hiddenPath(target) {
		return nil, errors.New("the file is hidden")
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > 1<<20 {
		return nil, errors.New("larger than 1 MiB")
	}
	b, err := fs.ReadFile(l.fsys, target)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	if l.schemaFiles == nil {
		l.schemaFiles = map[string]bool{}
	}
	l.schemaFiles[p] = true
	return b, nil
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

// parsing is one file read, and its documents parsed in the background.
type parsing struct {
	path     string
	data     []byte
	perr     *Error // what reading found wrong with it
	err      error  // reading it failed
	done     chan struct{}
	docs     []*yaml.Node // its documents, parsed
	parseErr error        // the YAML error after the last of docs
}

func (p *parsing) start() {
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		p.docs, p.parseErr = parse(p.data)
	}()
}

// parse parses every document of one file, up to the first error: the
// parser cannot go on after one.
func parse(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		doc, err := next(dec)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, doc)
	}
}

// decodeFile decodes the parsed documents of one file, then reports the
// YAML error that ended them, if any.
func (l *loader) decodeFile(name string, data []byte, docs []*yaml.Node, parseErr error) {
	d := &decoder{l: l, file: name}
	for i, doc := range docs {
		docs[i] = nil // decoded documents need not wait for the rest
		if l.docs++; l.docs > l.maxDocs {
			l.add(Error{Pos: Pos{File: name, Line: max(doc.Line, 1)},
				Msg:  fmt.Sprintf("more than %d documents in the files up to this one, the most one load reads; nothing after it was read", l.maxDocs),
				Hint: "split the repo into folders, each loaded with its own --dir and --inventory-name"})
			l.full = true
			return
		}
		d.document(doc)
	}
	if parseErr != nil {
		l.add(syntaxError(name, data, parseErr))
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
	// The checks hold the documents' YAML nodes, and a pointer into l
	// would keep l alive: drop them, and return a State of its own, so
	// that the nodes are not kept for as long as the State is.
	l.later = nil
	st := l.st
	return &st
}
