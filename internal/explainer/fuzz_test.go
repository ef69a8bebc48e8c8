package explainer

import (
	"strings"
	"testing"
)

// The parsers read output of databases explain talks to; the lexer-based
// checks read whatever text the application sends. None may panic.

var fuzzStatements = []Statement{
	{Query: "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?)"},
	{Query: "SELECT * FROM document_log WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC LIMIT 200"},
	{Query: "UPDATE t SET a = 1 WHERE b = ANY($1) AND c > 3 GROUP BY d"},
}

func exercisePlan(p *Plan) {
	for _, st := range fuzzStatements {
		Analyze(p, st)
	}
	p.render(true)
	p.AccessTypes()
	p.Tables()
	p.RowsEstimate()
	redactPlan(p)
}

func FuzzParseMySQLJSON(f *testing.F) {
	f.Add([]byte(`{"query_block":{"table":{"table_name":"t","access_type":"ALL","rows":5}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, d := range []Dialect{MySQL, MariaDB} {
			if p, err := parseMySQLJSON(d, data); err == nil {
				exercisePlan(p)
			}
		}
	})
}

func FuzzParsePostgresJSON(f *testing.F) {
	f.Add([]byte(`[{"Plan":{"Node Type":"Seq Scan","Relation Name":"t","Plan Rows":5,"Filter":"(a = 1)"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parsePostgresJSON(data)
		if err != nil {
			return
		}
		parts := map[string]partitionInfo{}
		for _, n := range p.Nodes() {
			if n.Table != "" {
				parts[n.Table] = partitionInfo{root: "root", key: "k", total: 2}
			}
		}
		applyPGPartitions(p, parts)
		exercisePlan(p)
	})
}

func FuzzParseSQLitePlan(f *testing.F) {
	f.Add("2|0|SCAN t\n3|0|USE TEMP B-TREE FOR ORDER BY")
	f.Fuzz(func(t *testing.T, text string) {
		if p, err := parseEQPText(text); err == nil {
			exercisePlan(p)
		}
	})
}

func FuzzParseMySQLTabular(f *testing.F) {
	f.Add("id\ttable\ttype\trows\tExtra\n1\tt\tALL\t10\tUsing where; Using filesort")
	f.Fuzz(func(t *testing.T, text string) {
		if p, err := parseTabularText(MySQL, text); err == nil {
			exercisePlan(p)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add("SELECT * FROM t WHERE a IN (?, ?); -- done")
	f.Fuzz(func(t *testing.T, q string) {
		for _, d := range allDialects {
			ck, err := check(d, q)
			if err != nil {
				continue
			}
			// What is sent is one statement, and reads the same again.
			again := scan(d, ck.text)
			if again.problem != "" || again.tokens.Info.Fingerprint != ck.tokens.Info.Fingerprint {
				t.Fatalf("%s: accepted %q, but the text to send %q re-scans as %q", d, q, ck.text, again.problem)
			}
			if strings.Contains(ck.text, ";") {
				t.Fatalf("%s: accepted %q with a ';'", d, q)
			}
			describeStatement(d, Statement{Query: q})
		}
	})
}

func FuzzRedact(f *testing.F) {
	f.Add("((log_date >= '1686754800000'::bigint) AND (name = E'it\\'s'))")
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range allDialects {
			out := redact(d, s)
			if strings.Contains(s, "'") && strings.Count(out, "'") > strings.Count(s, "'") {
				t.Fatalf("redact added quotes: %q -> %q", s, out)
			}
		}
	})
}
