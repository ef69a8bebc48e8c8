package exporters

import (
	"context"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"io"
	"testing"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// BenchmarkConsoleTrace measures buffering and printing one request of 22
// statements (an N+1 loop of 20 among them), as the quickstart prints.
func BenchmarkConsoleTrace(b *testing.B) {
	s := newStubs(1)
	s.add(2, 1, "SELECT review", 0, 2, statement(1.5, 20)...)
	for i := range 20 {
		sp := s.add(uint16(10+i), 1, "SELECT label", 3+float64(i), 3.5+float64(i), statement(0.25, 1)...)
		if i >= 4 {
			sp.Attributes = append(sp.Attributes, vocab.AttrFindings.StringSlice([]string{"n_plus_one"}), vocab.AttrNPlusOneCount.Int(i+1))
		}
	}
	s.add(40, 1, "INSERT log", 24, 25, semconv.DBSystemNameKey.String("sqlite"))
	s.add(1, 0, "GET /reviews", 0, 30)
	spans := s.spans.Snapshots()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		// A fresh exporter: a known trace would print as late spans.
		c := NewConsole(io.Discard, WithColor(true))
		// One span per call, as the synchronous processor hands them over.
		for i := range spans {
			if err := c.ExportSpans(ctx, spans[i:i+1]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
