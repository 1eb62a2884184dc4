package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// What tail -o json writes, produce --format json writes back: binary
// values, repeated headers, empty and null keys, partitions.
func TestTailOutputReplays(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		src, dst := tailTopic(t, c, "replay-src", 2), tailTopic(t, c, "replay-dst", 2)
		conn := []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "30s"}
		in := `{"key":"k1","value":"text","headers":{"h":["1","2"],"bin":"hex:00ff"},"partition":1}` + "\n" +
			`{"value":"` + "\\u0000" + `\u0001raw"}` + "\n"
		if r := kgitopsPayload(t, nil, append([]string{"produce", src, "--format", "json", "--input", inputFile(t, in)}, conn...)...); r.code != 0 {
			t.Fatalf("produce:\n%s", r)
		}
		if r := kgitopsPayload(t, nil, append([]string{"produce", src, "--key", "", "--value", "empty key"}, conn...)...); r.code != 0 {
			t.Fatalf("produce --key '':\n%s", r)
		}
		dump := kgitopsPayload(t, nil, append([]string{"tail", src, "-o", "json", "--follow=false"}, conn...)...)
		if dump.code != 0 {
			t.Fatalf("tail:\n%s", dump)
		}
		if r := kgitopsPayload(t, nil, append([]string{"produce", dst, "--format", "json", "--input", inputFile(t, dump.stdout)}, conn...)...); r.code != 0 {
			t.Fatalf("produce of tail's output:\n%s", r)
		}
		again := kgitopsPayload(t, nil, append([]string{"tail", dst, "-o", "json", "--follow=false"}, conn...)...)
		strip := func(s string) string { // offsets and times differ; the rest must not
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
				i, j := strings.Index(l, `"offset"`), strings.Index(l, `"key"`)
				lines = append(lines, l[:i]+l[j:])
			}
			return strings.Join(lines, "\n")
		}
		if got, want := strip(again.stdout), strip(dump.stdout); got != want {
			t.Errorf("replayed records differ:\n%s\nwant\n%s", got, want)
		}
		if !strings.Contains(dump.stdout, `"key":"","key_format":"text"`) || !strings.Contains(dump.stdout, `"h":["1","2"]`) || !strings.Contains(dump.stdout, `"value_format":"hex"`) {
			t.Errorf("the source records are not what was asked:\n%s", dump.stdout)
		}
		// A partition the topic lacks, and two records on one line.
		r := kgitopsPayload(t, nil, append([]string{"produce", dst, "--format", "json", "--input", inputFile(t, `{"value":"x","partition":7}`+"\n")}, conn...)...)
		if r.code != 1 || !strings.Contains(r.stderr, `line 1: partition 7: topic "`+dst+`" has partitions 0 to 1`) || strings.Count(r.stderr, "Error:") != 1 {
			t.Errorf("a partition the topic lacks:\n%s", r)
		}
		r = kgitopsPayload(t, nil, append([]string{"produce", dst, "--format", "json", "--input", inputFile(t, `{"value":1} {"value":2}`+"\n")}, conn...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "line 1: more than one JSON value on the line") {
			t.Errorf("two records on a line:\n%s", r)
		}
	})
}

// --timeout bounds connecting and each record, not how long input takes.
func TestProduceWaitsForSlowInput(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := tailTopic(t, c, "slow-input", 1)
		// A named pipe, as <(cmd) gives: the open waits for the writer.
		fifo := filepath.Join(t.TempDir(), "in")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			w.WriteString("a\n")
			time.Sleep(3 * time.Second)
			w.WriteString("b\n")
		}()
		r := kgitopsPayload(t, nil, "produce", topic, "--input", fifo, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--timeout", "2s")
		if r.code != 0 || !strings.Contains(r.stdout, "line 2: partition 0 offset 1") {
			t.Fatalf("produce with input slower than --timeout:\n%s", r)
		}
	})
}

// A named pipe nobody writes to does not keep produce from stopping.
func TestOpenInputStopsOnCancel(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	f, err := openInput(ctx, fifo)
	if f != nil || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("openInput of a pipe with no writer: %v %v after %s", f, err, time.Since(start))
	}
}
