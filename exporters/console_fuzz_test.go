package exporters

import (
	"bytes"
	"context"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// FuzzConsoleText feeds arbitrary span names, finding texts and plans
// (query text and database output end up there) to the console: without
// colour, the output must hold no control character but newlines, so no
// escape sequence reaches the terminal, and be valid UTF-8.
func FuzzConsoleText(f *testing.F) {
	f.Add("SELECT review", "IN lookup reads the table", "CREATE INDEX ix ON t (c)", "id=1 type=ALL\n  rows=5")
	f.Add("\x1b[2J\x1b[H", "\r\n\t\x00", "\xff\xfe", "\x1b]0;title\x07")
	f.Add("", "", "", "\n\n\n")
	f.Fuzz(func(t *testing.T, name, message, suggestion, plan string) {
		s := newStubs(1)
		q := s.add(2, 1, name, 1, 2, append(statement(1, 1),
			vocab.AttrFindings.StringSlice([]string{message}), vocab.AttrSuggestion.String(suggestion))...)
		q.Events = []sdktrace.Event{findingEvent(name, message, suggestion)}
		for i := range 4 {
			s.add(uint16(10+i), 1, name, 3, 4, vocab.AttrSuggestion.String(message))
		}
		s.add(3, 2, "EXPLAIN "+name, 1, 2, attribute.String(string(vocab.AttrExplainPlan), plan))
		s.add(1, 0, name, 0, 5)

		var buf bytes.Buffer
		c := NewConsole(&buf, WithColor(false))
		if err := c.ExportSpans(context.Background(), s.spans.Snapshots()); err != nil {
			t.Fatal(err)
		}
		if err := c.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := buf.Bytes()
		if !utf8.Valid(out) {
			t.Fatalf("output is not UTF-8: %q", out)
		}
		for _, b := range out {
			if (b < 0x20 && b != '\n') || b == 0x7f {
				t.Fatalf("control byte %#x in output: %q", b, out)
			}
		}
	})
}
