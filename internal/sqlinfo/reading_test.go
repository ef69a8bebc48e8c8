package sqlinfo

import "testing"

func TestReading(t *testing.T) {
	tests := []struct {
		d            Dialect
		query        string
		kind         Kind
		writes       bool
		problem      bool
		placeholders int
	}{
		{MySQL, "SELECT * FROM t WHERE a = ? AND b = 'x?'", KindSelect, false, false, 1},
		{PostgreSQL, "SELECT * FROM t WHERE a = $1 AND b ? 'k'", KindSelect, false, false, 1},
		{SQLite, "SELECT * FROM t WHERE a = :a AND b = ?2", KindSelect, false, false, 2},
		{PostgreSQL, "SELECT * FROM t FOR NO KEY UPDATE", KindSelect, true, false, 0},
		{MySQL, "SELECT * FROM t LOCK IN SHARE MODE", KindSelect, true, false, 0},
		{MySQL, "(SELECT a FROM t) INTO OUTFILE '/tmp/x'", KindOther, true, false, 0},
		{PostgreSQL, "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", KindSelect, true, false, 0},
		{PostgreSQL, "INSERT INTO t SELECT * FROM u", KindInsert, true, false, 0},
		{PostgreSQL, "INSERT INTO t VALUES (1)", KindOther, true, false, 0},
		{PostgreSQL, "UPDATE t SET a = 1", KindUpdate, true, false, 0},
		{PostgreSQL, "SELECT 1; SELECT 2", KindSelect, false, true, 0},
		{PostgreSQL, "SELECT (1", KindSelect, false, true, 0},
		{PostgreSQL, "SELECT 1)", KindSelect, false, true, 0},
		{PostgreSQL, "", KindOther, false, true, 0},
		{MySQL, `SELECT * FROM t WHERE a = '\' AND b = 'x'`, KindSelect, false, true, 0},
	}
	for _, tt := range tests {
		r := Read(tt.query, tt.d)
		c := r.Classify()
		if tt.query != "" && (c.Kind != tt.kind || c.Writes != tt.writes) {
			t.Errorf("%q: class %+v, want kind %d writes %v", tt.query, c, tt.kind, tt.writes)
		}
		if got := r.Problem() != ""; got != tt.problem {
			t.Errorf("%q: problem %q", tt.query, r.Problem())
		}
		if !tt.problem && r.Placeholders() != tt.placeholders {
			t.Errorf("%q: %d placeholders, want %d", tt.query, r.Placeholders(), tt.placeholders)
		}
	}
	d := Read("SELECT * FROM review r WHERE r.id IN (1, 2) AND r.kind = 'x' ORDER BY r.created", PostgreSQL).Describe()
	if len(d.Tables) != 1 || d.Tables[0] != (TableRef{Name: "review", Alias: "r"}) || len(d.In) != 1 || len(d.Eq) != 1 || len(d.Order) != 1 {
		t.Errorf("description %+v", d)
	}
	if tr, ok := d.Resolve(ColumnRef{Qualifier: "r", Name: "id"}); !ok || tr.Name != "review" {
		t.Errorf("resolve: %+v %v", tr, ok)
	}
}
