package testenv

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

func TestEventually(t *testing.T) {
	var calls atomic.Int32
	if !Eventually(10*time.Second, func() bool { return calls.Add(1) >= 3 }) {
		t.Fatal("Eventually gave up on a condition that holds at the third poll")
	}
	start := time.Now()
	if Eventually(20*time.Millisecond, func() bool { return false }) {
		t.Fatal("Eventually reported a condition that never holds")
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", waited)
	}
}

func TestDSNSkipsWhenUnset(t *testing.T) {
	t.Setenv(EnvMySQLDSN, "")
	var skipped bool
	t.Run("unset", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		MySQLDSN(t)
	})
	if !skipped {
		t.Error("MySQLDSN did not skip with SQLSIGHT_MYSQL_DSN unset")
	}
	t.Setenv(EnvPostgresDSN, "postgres://example")
	if got := PostgresDSN(t); got != "postgres://example" {
		t.Errorf("PostgresDSN = %q", got)
	}
}

func TestTelemetryRecords(t *testing.T) {
	tel := NewTelemetry(t)
	_, span := tel.TracerProvider.Tracer("t").Start(context.Background(), "work")
	span.End()
	if n := len(tel.Spans.Ended()); n != 1 {
		t.Errorf("%d spans recorded, want 1", n)
	}
	c, err := tel.MeterProvider.Meter("t").Int64Counter("things")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 2)
	c.Add(context.Background(), 3)
	if got := tel.Counter(t, "things", "", ""); got != 5 {
		t.Errorf("Counter = %d, want 5", got)
	}
	if got := tel.Counter(t, "things", attribute.Key("k"), "v"); got != 0 {
		t.Errorf("Counter(k=v) = %d, want 0", got)
	}
}
