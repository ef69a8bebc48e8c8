package sqltrace

import "testing"

func TestCopyFromStdinTable(t *testing.T) {
	cases := []struct {
		query, table string
		ok           bool
	}{
		{`COPY "pq_copy" ("id", "name") FROM STDIN`, "pq_copy", true},
		{`COPY "s"."t" ("a") FROM STDIN`, "s.t", true},
		{`  copy items from stdin with (format csv)`, "items", true},
		{"COPY\n\tpublic.items\n(a, b)\nFROM\nSTDIN", "public.items", true},
		{`COPY "we""ird" FROM STDIN`, `we"ird`, true},
		{`COPY items TO STDOUT`, "", false},
		{`COPY items FROM '/tmp/items.csv'`, "", false},
		{`COPY (SELECT 1) TO STDOUT`, "", false},
		{`COPY "unterminated FROM STDIN`, "", false},
		{`COPYRIGHT`, "", false},
		{`SELECT 1`, "", false},
		{``, "", false},
	}
	for _, c := range cases {
		table, ok := copyFromStdinTable(c.query)
		if table != c.table || ok != c.ok {
			t.Errorf("copyFromStdinTable(%q) = %q, %v; want %q, %v", c.query, table, ok, c.table, c.ok)
		}
	}
}

func TestMaybeCopy(t *testing.T) {
	for q, want := range map[string]bool{"COPY t FROM STDIN": true, " \n copy t": true, "SELECT 1": false, "": false, "CO": false, "CALL p()": false} {
		if got := maybeCopy(q); got != want {
			t.Errorf("maybeCopy(%q) = %v", q, got)
		}
	}
}
