package explain

import (
	"strings"
	"testing"
)

func TestCreateIndex(t *testing.T) {
	tests := []struct {
		d     Dialect
		table string
		cols  []string
		want  string
	}{
		{MySQL, "review", []string{"n_review_id"}, "CREATE INDEX ix_review_n_review_id ON review (n_review_id)"},
		{MariaDB, "app.review", []string{"n_review_id", "reid"}, "CREATE INDEX ix_review_n_review_id_reid ON app.review (n_review_id, reid)"},
		{MySQL, "Review", []string{"nReviewId"}, "CREATE INDEX ix_review_nreviewid ON Review (nReviewId)"},
		{PostgreSQL, "Review", []string{"nReviewId"}, `CREATE INDEX ix_review_nreviewid ON "Review" ("nReviewId")`},
		{PostgreSQL, "order", []string{"user"}, `CREATE INDEX ix_order_user ON "order" ("user")`},
		{MySQL, "order", []string{"key"}, "CREATE INDEX ix_order_key ON `order` (`key`)"},
		{SQLite, "my table", []string{"a\"b"}, `CREATE INDEX ix_my_table_a_b ON "my table" ("a""b")`},
		{MySQL, "t`x", []string{"1col"}, "CREATE INDEX ix_t_x_1col ON `t``x` (`1col`)"},
	}
	for _, tt := range tests {
		if got := createIndex(tt.d, tt.table, tt.cols); got != tt.want {
			t.Errorf("%s %s %v:\n got %s\nwant %s", tt.d, tt.table, tt.cols, got, tt.want)
		}
	}
}

func TestIndexNameBound(t *testing.T) {
	long := strings.Repeat("very_long_column_name_", 10)
	a := indexName("review", []string{long, "a"})
	b := indexName("review", []string{long, "b"})
	if len(a) > maxIdentLen || len(b) > maxIdentLen || a == b || !strings.HasPrefix(a, "ix_review_") {
		t.Errorf("names %q, %q", a, b)
	}
}
