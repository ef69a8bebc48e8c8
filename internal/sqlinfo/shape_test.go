package sqlinfo

import "testing"

func TestShapeKey(t *testing.T) {
	same := []struct {
		dialect Dialect
		a, b    string
	}{
		{MySQL, "SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE id = 20000"},
		{MySQL, "SELECT * FROM t WHERE id = 'a'", "SELECT * FROM t WHERE id = X'0A'"},
		{PostgreSQL, "SELECT * FROM t WHERE id = $$a$$", "SELECT * FROM t WHERE id = E'b\\'c'"},
		{MySQL, "SELECT * FROM t WHERE id IN (1)", "SELECT * FROM t WHERE id IN (1, 2, 3, 'x')"},
		{MySQL, "SELECT * FROM t WHERE id IN(1,2)", "SELECT * FROM t WHERE id IN(7)"},
		{MySQL, "INSERT INTO t (a, b) VALUES (1, 'a'), (2, 'b')", "INSERT INTO t (a, b) VALUES (3, 'c'), (4, 'd'), (5, 'e')"},
		{SQLite, "SELECT a /* one */ FROM t", "SELECT a /* another comment */ FROM t"},
		{PostgreSQL, "SELECT -1", "SELECT 2.5e3"},
	}
	for _, c := range same {
		if ShapeKey(c.a, c.dialect) != ShapeKey(c.b, c.dialect) {
			t.Errorf("%q and %q: different keys", c.a, c.b)
		}
		if diff := sameShapeResult(Parse(c.a, c.dialect), Parse(c.b, c.dialect)); diff != "" {
			t.Errorf("%q and %q: same shape, different %s", c.a, c.b, diff)
		}
	}
	different := []struct {
		dialect Dialect
		a, b    string
	}{
		{MySQL, "SELECT * FROM t WHERE id = 1", "SELECT * FROM u WHERE id = 1"},
		{MySQL, "SELECT * FROM t WHERE id = 1", "SELECT * FROM t WHERE id = ?"},
		{MySQL, "SELECT * FROM t WHERE id = 1", "SELECT * FROM t  WHERE id = 1"}, // Sanitized keeps spaces
		{MySQL, "SELECT * FROM t WHERE id IN (1, 2)", "SELECT * FROM t WHERE id IN (1, ?)"},
		{MySQL, "INSERT INTO t (a) VALUES (1)", "INSERT INTO t (a) VALUES (1), (2)"}, // a single-row write or not
		{MySQL, "SELECT a FROM t", "select a from t"},
		{MySQL, "SELECT 'a' FROM t", "SELECT 'a\\' FROM t"},
		{PostgreSQL, "SELECT 1 /* a */", "SELECT 1 /* /* a */"}, // redacted: keyed by its bytes
		{MySQL, "SELECT ab", "SELECT a b"},
	}
	for _, c := range different {
		if ShapeKey(c.a, c.dialect) == ShapeKey(c.b, c.dialect) {
			t.Errorf("%q and %q: same key", c.a, c.b)
		}
	}
	if ShapeKey("SELECT 1", MySQL) == ShapeKey("SELECT 1", PostgreSQL) {
		t.Error("dialects share keys")
	}
	// The values hash tells executions of one shape apart.
	s1, v1 := ShapeAndValues("SELECT * FROM t WHERE id = 1", MySQL)
	s2, v2 := ShapeAndValues("SELECT * FROM t WHERE id = 2", MySQL)
	s3, v3 := ShapeAndValues("SELECT * FROM t WHERE id = 1", MySQL)
	if s1 != s2 || v1 == v2 || s1 != s3 || v1 != v3 || s1 != ShapeKey("SELECT * FROM t WHERE id = 1", MySQL) {
		t.Errorf("shape/values: %x/%x %x/%x %x/%x", s1, v1, s2, v2, s3, v3)
	}
}

// FuzzShapeKey: any two texts with the same key parse the same.
func FuzzShapeKey(f *testing.F) {
	f.Add("SELECT * FROM t WHERE id IN (1, 2)", "SELECT * FROM t WHERE id IN ('x')", uint8(1))
	f.Add("INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (1, 'a')", uint8(1))
	f.Add("SELECT $$a$$, E'b'", "SELECT 1, 2", uint8(2))
	f.Add("SELECT `a` FROM [b] WHERE c = x'00'", "SELECT `a` FROM [b] WHERE c = 5", uint8(3))
	f.Fuzz(func(t *testing.T, a, b string, d uint8) {
		dialect := []Dialect{"", MySQL, PostgreSQL, SQLite}[d%4]
		if ShapeKey(a, dialect) != ShapeKey(b, dialect) {
			return
		}
		if diff := sameShapeResult(Parse(a, dialect), Parse(b, dialect)); diff != "" {
			t.Fatalf("%s: equal keys, different %s:\n%q\n%q", dialectName(dialect), diff, a, b)
		}
	})
}
