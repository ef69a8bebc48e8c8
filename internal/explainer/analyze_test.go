package explainer

import (
	"reflect"
	"strings"
	"testing"
)

func TestAnalyzeFixtures(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		query   string
		setup   func(*Plan)
		opts    []Option
		want    []Kind // finding kinds, in order
		check   func(t *testing.T, fs []Finding)
	}{
		{
			name:    "MariaDB unindexed IN through an alias",
			fixture: "mariadb_unindexed_in.json",
			query:   "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?, ?, ?)",
			want:    []Kind{KindUnindexedIn},
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.Table != "review" || !reflect.DeepEqual(f.Columns, []string{"n_review_id"}) ||
					f.Suggestion != "ALTER TABLE review ADD INDEX ix_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE" {
					t.Errorf("finding = %+v", f)
				}
			},
		},
		{
			name:    "MariaDB indexed IN",
			fixture: "mariadb_indexed_in.json",
			query:   "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?, ?, ?, ?)",
		},
		{
			name:    "MySQL 8 unindexed IN",
			fixture: "mysql8_unindexed_in.json",
			query:   "SELECT n_review_id, reid FROM app.review WHERE n_review_id IN (?, ?, ?, ?, ?)",
			want:    []Kind{KindUnindexedIn},
			check: func(t *testing.T, fs []Finding) {
				if got := fs[0].Suggestion; got != "ALTER TABLE app.review ADD INDEX ix_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE" {
					t.Errorf("suggestion = %q", got)
				}
			},
		},
		{
			name:    "IN lookup the caller reported",
			fixture: "mysql8_unindexed_in.json",
			query:   "SELECT n_review_id, reid FROM review WHERE n_review_id IN (/* many */ ?)",
			want:    []Kind{KindUnindexedIn},
		},
		{
			name:    "full scan despite an index: not unindexed, but a full scan",
			fixture: "mysql8_unindexed_in.json",
			query:   "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?)",
			setup: func(p *Plan) {
				p.Indexes = map[string][][]string{"review": {{"n_review_id", "reid"}}}
			},
			want: []Kind{KindFullScan},
			check: func(t *testing.T, fs []Finding) {
				if !strings.HasPrefix(fs[0].Suggestion, "an index on (n_review_id, reid) exists") {
					t.Errorf("suggests an index that exists: %q", fs[0].Suggestion)
				}
			},
		},
		{
			name:    "MySQL 8 indexed IN",
			fixture: "mysql8_indexed_in.json",
			query:   "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?, ?, ?, ?)",
		},
		{
			name:    "MySQL 8 filesort over a filtered full scan",
			fixture: "mysql8_order_filesort.json",
			query:   "SELECT id FROM orders o WHERE o.status = ? ORDER BY o.created_at DESC",
			want:    []Kind{KindFullScan, KindSortWithoutIndex},
			check: func(t *testing.T, fs []Finding) {
				// The index that filters also returns the rows in order.
				if got := fs[0].Suggestion; got != "ALTER TABLE orders ADD INDEX ix_orders_status_created_at (status, created_at), ALGORITHM=INPLACE, LOCK=NONE" {
					t.Errorf("full scan suggestion = %q", got)
				}
				if got := fs[1].Suggestion; got != "ALTER TABLE orders ADD INDEX ix_orders_status_created_at (status, created_at), ALGORITHM=INPLACE, LOCK=NONE" {
					t.Errorf("sort suggestion = %q", got)
				}
			},
		},
		{
			name:    "full scan under the bound",
			fixture: "mysql8_order_filesort.json",
			query:   "SELECT id FROM orders o WHERE o.status = ? ORDER BY o.created_at DESC",
			opts:    []Option{WithFullScanRows(1e6)},
		},
		{
			name:    "MySQL 8 GROUP BY through a temporary table",
			fixture: "mysql8_group_join.json",
			query:   "SELECT c.country, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.country",
			want:    []Kind{KindFullScan, KindSortWithoutIndex},
			check: func(t *testing.T, fs []Finding) {
				if fs[1].Table != "customers" || !reflect.DeepEqual(fs[1].Columns, []string{"country"}) {
					t.Errorf("sort finding = %+v", fs[1])
				}
			},
		},
		{
			name:    "MySQL 8 partitions all read",
			fixture: "mysql8_partitions.json",
			query:   "SELECT * FROM document_log WHERE log_date BETWEEN ? AND ? ORDER BY log_date DESC LIMIT 200",
			setup:   setPartitionTotal(6, "partition_date"),
			want:    []Kind{KindPartitionsNotPruned},
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.Table != "document_log" || !reflect.DeepEqual(f.Columns, []string{"partition_date"}) ||
					!strings.Contains(f.Suggestion, "partition_date BETWEEN ? AND ? from the log_date range") {
					t.Errorf("finding = %+v", f)
				}
			},
		},
		{
			name:    "MySQL 8 partitions, some pruned",
			fixture: "mysql8_partitions.json",
			query:   "SELECT * FROM document_log WHERE log_date BETWEEN ? AND ?",
			setup:   setPartitionTotal(12, "to_days(`partition_date`)"),
		},
		{
			name:    "MariaDB partitions all read with a full scan",
			fixture: "mariadb_partitions.json",
			query:   "SELECT * FROM document_log WHERE log_date BETWEEN ? AND ?",
			setup:   setPartitionTotal(6, "to_days(`partition_date`)"),
			want:    []Kind{KindPartitionsNotPruned, KindFullScan},
			check: func(t *testing.T, fs []Finding) {
				if !reflect.DeepEqual(fs[0].Columns, []string{"partition_date"}) {
					t.Errorf("partition key columns = %v", fs[0].Columns)
				}
				if got := fs[1].Suggestion; got != "ALTER TABLE document_log ADD INDEX ix_document_log_log_date (log_date), ALGORITHM=INPLACE, LOCK=NONE" {
					t.Errorf("full scan suggestion = %q", got)
				}
			},
		},
		{
			name:    "MariaDB join and GROUP BY",
			fixture: "mariadb_join_group.json",
			query:   "SELECT a.id FROM review a JOIN review b ON a.reid = b.n_review_id WHERE a.name = ? GROUP BY b.name",
			want:    []Kind{KindFullScan, KindSortWithoutIndex},
		},
		{
			name:    "MySQL tabular EXPLAIN",
			fixture: "mysql8_tabular.tsv",
			query:   "SELECT * FROM review WHERE n_review_id IN (1, 2) ORDER BY reid",
			want:    []Kind{KindUnindexedIn, KindSortWithoutIndex},
		},
		{
			name:    "PostgreSQL partitioned table read by log_date: every partition appended",
			fixture: "postgres_partitions_merge_append.json",
			query:   "SELECT * FROM document_log WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC LIMIT 200",
			setup: func(p *Plan) {
				parts := map[string]partitionInfo{}
				for _, m := range []string{"01", "02", "03", "04", "05", "06", "07", "08"} {
					parts["document_log_2023_"+m] = partitionInfo{root: "document_log", key: "partition_date", total: 8}
				}
				applyPGPartitions(p, parts)
			},
			want: []Kind{KindPartitionsNotPruned},
		},
		{
			name:    "PostgreSQL = ANY on a sequential scan",
			fixture: "postgres_seq_scan_any.json",
			query:   "SELECT id FROM review r WHERE r.n_review_id = ANY($1)",
			want:    []Kind{KindUnindexedIn},
			check: func(t *testing.T, fs []Finding) {
				if got := fs[0].Suggestion; got != "CREATE INDEX CONCURRENTLY ix_review_n_review_id ON review (n_review_id)" {
					t.Errorf("suggestion = %q", got)
				}
			},
		},
		{
			name:    "PostgreSQL sort over a filtered sequential scan",
			fixture: "postgres_sort_seqscan.json",
			query:   "SELECT * FROM orders WHERE status = $1 ORDER BY created_at DESC LIMIT 200",
			setup:   func(p *Plan) { p.Nodes()[2].TableRows = 50000 },
			want:    []Kind{KindFullScan, KindSortWithoutIndex},
		},
		{
			name:    "SQLite unindexed IN",
			fixture: "sqlite_unindexed_in.txt",
			query:   "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?) ORDER BY name",
			want:    []Kind{KindUnindexedIn, KindSortWithoutIndex},
		},
		{
			name:    "SQLite indexed IN",
			fixture: "sqlite_indexed_in.txt",
			query:   "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?)",
		},
		{
			name:    "SQLite automatic index is a whole scan",
			fixture: "sqlite_old_format.txt",
			query:   "SELECT * FROM review r JOIN other o ON o.rid = r.id WHERE o.rid IN (1, 2)",
			want:    []Kind{KindUnindexedIn},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadPlan(t, tt.fixture)
			if tt.setup != nil {
				tt.setup(p)
			}
			before := p.render(false)
			fs := Analyze(p, Statement{Query: tt.query}, tt.opts...)
			if got := findingKinds(fs); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("kinds = %v, want %v\n%+v\n%s", got, tt.want, fs, before)
			}
			if tt.check != nil {
				tt.check(t, fs)
			}
			if after := p.render(false); after != before {
				t.Errorf("Analyze changed the plan:\n%s\n---\n%s", before, after)
			}
			for _, f := range fs {
				if f.Message == "" || f.Suggestion == "" {
					t.Errorf("finding without message or suggestion: %+v", f)
				}
			}
		})
	}
}

func setPartitionTotal(total int, key string) func(*Plan) {
	return func(p *Plan) {
		for _, n := range p.Nodes() {
			if len(n.Partitions) > 0 {
				n.PartitionsTotal = total
				n.PartitionKey = key
			}
		}
	}
}

func TestAnalyzeStatementHints(t *testing.T) {
	// The caller's tables and IN columns count even when the text alone
	// would not tell (here, two tables and an unqualified column).
	p := loadPlan(t, "mysql8_unindexed_in.json")
	st := Statement{
		Query:     "SELECT 1 FROM review, other WHERE n_review_id IN (SELECT x FROM y)",
		Tables:    []TableRef{{Name: "review"}},
		InColumns: []ColumnRef{{Qualifier: "review", Name: "n_review_id"}},
	}
	fs := Analyze(p, st)
	if got := findingKinds(fs); !reflect.DeepEqual(got, []Kind{KindUnindexedIn}) {
		t.Fatalf("kinds = %v", got)
	}
	if Analyze(nil, st) != nil || Analyze(&Plan{}, st) != nil {
		t.Error("findings on an empty plan")
	}
}

func TestPartitionColumns(t *testing.T) {
	for in, want := range map[string][]string{
		"partition_date":           {"partition_date"},
		"RANGE (partition_date)":   {"partition_date"},
		"to_days(`d`)":             {"d"},
		"YEAR(created_at)":         {"created_at"},
		"LIST (region, \"Zone\")":  {"region", "Zone"},
		"":                         nil,
		"HASH (id) 4":              {"id"},
		"`a`,`b`":                  {"a", "b"},
		"to_days(unterminated `x)": {"unterminated"},
	} {
		if got := partitionColumns(in); !reflect.DeepEqual(got, want) {
			t.Errorf("partitionColumns(%q) = %v, want %v", in, got, want)
		}
	}
}
