package spec

import "fmt"

// Defaults of LoadOptions: far above what a repo of tens of thousands of
// topics needs, far below what could exhaust a small container's memory.
const (
	DefaultMaxFileSize  = 10 << 20  // 10 MiB in one file
	DefaultMaxTotalSize = 100 << 20 // 100 MiB in all files of one load
	DefaultMaxDocuments = 100_000   // YAML documents in all files of one load
)

// LoadOptions bounds what one load reads, so that no file in a repo can
// make kgitops hang or exhaust its memory. A zero field takes its default.
// Past a limit the load fails with an Error that names the file and the
// limit; the limits are checked before a file is opened, and a file is
// read through a reader that stops at them, so that even a file that grows
// while it is read cannot go past them.
type LoadOptions struct {
	// MaxFileSize is the most bytes one file may hold
	// (DefaultMaxFileSize).
	MaxFileSize int64
	// MaxTotalSize is the most bytes all the files of one load may hold
	// together (DefaultMaxTotalSize).
	MaxTotalSize int64
	// MaxDocuments is the most YAML documents, empty ones included, that
	// all the files of one load may hold together (DefaultMaxDocuments).
	MaxDocuments int
}

// withDefaults fills in the zero fields.
func (o LoadOptions) withDefaults() LoadOptions {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxDocuments <= 0 {
		o.MaxDocuments = DefaultMaxDocuments
	}
	return o
}

// byteSize writes a number of bytes for humans: "10 MiB", "1.5 KiB",
// "17 bytes".
func byteSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		switch {
		case n >= u.size && n%u.size == 0:
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		case n >= u.size:
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
