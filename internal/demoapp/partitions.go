package demoapp

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SeedDocumentLog (re)creates document_log on PostgreSQL: range
// partitioned by partition_date, one partition a month for six months,
// with log_date as a BIGINT epoch that queries filter on.
func SeedDocumentLog(ctx context.Context, db *sql.DB) error {
	stmts := []string{
		"DROP TABLE IF EXISTS document_log",
		"CREATE TABLE document_log (id BIGSERIAL, transaction_id BIGINT NOT NULL, log_date BIGINT NOT NULL, partition_date DATE NOT NULL, status INT NOT NULL DEFAULT 0) PARTITION BY RANGE (partition_date)",
	}
	for m := 1; m <= 6; m++ {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE document_log_2026_%02d PARTITION OF document_log FOR VALUES FROM ('2026-%02d-01') TO ('2026-%02d-01')", m, m, m+1))
	}
	stmts = append(stmts,
		"INSERT INTO document_log (transaction_id, log_date, partition_date) SELECT g, extract(epoch FROM d)::bigint, d::date FROM generate_series(1, 60000) g, LATERAL (SELECT timestamp '2026-01-01' + (g % 180) * interval '1 day' AS d) x",
		"ANALYZE document_log")
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// ReadDocumentLog is the report's read: it filters on log_date, which the
// planner cannot use to prune partitions, so every partition is read.
func (a *App) ReadDocumentLog(ctx context.Context, from, to time.Time) (int, error) {
	n := 0
	err := a.request(ctx, "GET /documents/log", func(ctx context.Context) error {
		rows, err := a.DB.QueryContext(ctx,
			"SELECT id, transaction_id, log_date FROM document_log WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC LIMIT 200",
			from.Unix(), to.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n++
		}
		return rows.Err()
	})
	return n, err
}
