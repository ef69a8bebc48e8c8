package demoapp

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/sqlsight/sqlsight/exporters"
)

// EnvOr returns the environment variable k, or def when it is unset.
func EnvOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// StartExport installs the OTLP exporters (exporters.Setup, configured by
// the OTEL_* variables) under the given default service name.
func StartExport(ctx context.Context, service string) (func(context.Context) error, error) {
	if os.Getenv("OTEL_SERVICE_NAME") == "" {
		os.Setenv("OTEL_SERVICE_NAME", service)
	}
	return exporters.Setup(ctx)
}

// SeedWith seeds the demo tables through an untraced connection: set-up
// work is not what the traces are about.
func SeedWith(ctx context.Context, driverName, dsn string, d Dialect, reviews int) error {
	raw, err := sql.Open(driverName, dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	fmt.Printf("seeding %d reviews...\n", reviews)
	if err := Seed(ctx, raw, d, reviews); err != nil {
		return err
	}
	if d == PostgreSQL {
		return SeedDocumentLog(ctx, raw)
	}
	return nil
}
