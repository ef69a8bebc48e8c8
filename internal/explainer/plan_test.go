package explainer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// loadPlan parses a fixture of testdata/plans by its name's prefix.
func loadPlan(t *testing.T, name string) *Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "plans", name))
	if err != nil {
		t.Fatal(err)
	}
	var p *Plan
	switch {
	case strings.HasSuffix(name, ".tsv"):
		p, err = parseTabularText(MySQL, string(data))
	case strings.HasPrefix(name, "mariadb_"):
		p, err = parseMySQLJSON(MariaDB, data)
	case strings.HasPrefix(name, "mysql8_"):
		p, err = parseMySQLJSON(MySQL, data)
	case strings.HasPrefix(name, "postgres_"):
		p, err = parsePostgresJSON(data)
	case strings.HasPrefix(name, "sqlite_"):
		p, err = parseEQPText(string(data))
	default:
		t.Fatalf("unknown fixture %s", name)
	}
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return p
}

// scans returns "table:access:rows" for every node that reads a table.
func scans(p *Plan) []string {
	var out []string
	for _, n := range p.Nodes() {
		if n.Access != "" {
			out = append(out, n.Table+":"+n.Access+":"+formatRows(n.EstimatedRows))
		}
	}
	return out
}

func TestParsePlans(t *testing.T) {
	tests := []struct {
		fixture               string
		wantScans             []string
		wantFilesort, wantTmp bool
		wantPartitions        int // partitions listed on the first table node
	}{
		{fixture: "mariadb_unindexed_in.json", wantScans: []string{"r:full_scan:284123"}},
		{fixture: "mariadb_indexed_in.json", wantScans: []string{"review:range:5"}},
		{fixture: "mariadb_join_group.json", wantScans: []string{"a:full_scan:2000", "b:full_scan:2000"}, wantFilesort: true, wantTmp: true},
		{fixture: "mariadb_partitions.json", wantScans: []string{"document_log:full_scan:120000"}, wantPartitions: 6},
		{fixture: "mariadb_delete_subquery.json", wantScans: []string{"zz_probe:full_scan:2000", "zz_probe:full_scan:2000"}},
		{fixture: "mysql8_unindexed_in.json", wantScans: []string{"review:full_scan:284123"}},
		{fixture: "mysql8_indexed_in.json", wantScans: []string{"review:range:5"}},
		{fixture: "mysql8_order_filesort.json", wantScans: []string{"o:full_scan:100000"}, wantFilesort: true},
		{fixture: "mysql8_group_join.json", wantScans: []string{"c:full_scan:2000", "o:lookup:5"}, wantTmp: true},
		{fixture: "mysql8_partitions.json", wantScans: []string{"document_log:range:871101"}, wantPartitions: 6},
		{fixture: "mysql8_derived.json", wantScans: []string{"x:full_scan:2", "t:full_scan:200000"}, wantTmp: true},
		{fixture: "mysql8_tabular.tsv", wantScans: []string{"review:full_scan:284123"}, wantFilesort: true},
		{fixture: "postgres_seq_scan_any.json", wantScans: []string{"review:full_scan:5"}},
		{fixture: "postgres_sort_seqscan.json", wantScans: []string{"orders:full_scan:50000"}, wantFilesort: true},
		{fixture: "sqlite_unindexed_in.txt", wantScans: []string{"r:full_scan:-1"}, wantFilesort: true},
		{fixture: "sqlite_indexed_in.txt", wantScans: []string{"r:lookup:-1"}},
		{fixture: "sqlite_compound.txt", wantScans: []string{"review:full_scan:-1"}},
		{fixture: "sqlite_old_format.txt", wantScans: []string{"review:range:-1", "other:full_scan:-1", "other:auto_index:-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			p := loadPlan(t, tt.fixture)
			if got := scans(p); !reflect.DeepEqual(got, tt.wantScans) {
				t.Errorf("scans = %v, want %v\n%s", got, tt.wantScans, p.render(false))
			}
			if p.UsesFilesort != tt.wantFilesort || p.UsesTemporary != tt.wantTmp {
				t.Errorf("filesort, temporary = %v, %v; want %v, %v", p.UsesFilesort, p.UsesTemporary, tt.wantFilesort, tt.wantTmp)
			}
			if tt.wantPartitions > 0 {
				var got int
				for _, n := range p.Nodes() {
					if n.Table != "" {
						got = len(n.Partitions)
						break
					}
				}
				if got != tt.wantPartitions {
					t.Errorf("partitions = %d, want %d", got, tt.wantPartitions)
				}
			}
			if p.Raw == "" || p.render(true) == "" {
				t.Error("empty raw or rendered plan")
			}
		})
	}
}

func TestParsePostgresPartitions(t *testing.T) {
	p := loadPlan(t, "postgres_partitions_merge_append.json")
	parts := map[string]partitionInfo{}
	for _, m := range []string{"01", "02", "03", "04", "05", "06", "07", "08"} {
		parts["document_log_2023_"+m] = partitionInfo{root: "document_log", key: "partition_date", total: 8}
	}
	applyPGPartitions(p, parts)
	var ma *Node
	for _, n := range p.Nodes() {
		if n.Op == "Merge Append" {
			ma = n
		}
	}
	if ma == nil || ma.Table != "document_log" || len(ma.Partitions) != 8 || ma.PartitionsTotal != 8 || ma.PartitionKey != "partition_date" {
		t.Fatalf("Merge Append not marked with its partitions: %+v", ma)
	}
	if got := p.Tables(); !reflect.DeepEqual(got, []string{"document_log"}) {
		t.Errorf("Tables() = %v", got)
	}
	if got := p.AccessTypes(); !reflect.DeepEqual(got, []string{AccessRange}) {
		t.Errorf("AccessTypes() = %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "{", "[]", `{"query_block": 5}`, `{"x": 1}`, `[{"Plan": []}]`, `{"query_block":{}} trailing`} {
		if _, err := parseMySQLJSON(MySQL, []byte(in)); err == nil && !strings.HasPrefix(in, `{"query_block":{}`) {
			t.Errorf("parseMySQLJSON(%q): no error", in)
		}
		if _, err := parsePostgresJSON([]byte(in)); err == nil {
			t.Errorf("parsePostgresJSON(%q): no error", in)
		}
	}
	deep := strings.Repeat(`{"a":`, maxJSONDepth+10) + "1" + strings.Repeat("}", maxJSONDepth+10)
	if _, err := parseMySQLJSON(MySQL, []byte(`{"query_block":`+deep+`}`)); err == nil {
		t.Error("deep JSON accepted")
	}
	if _, err := parseEQPText("garbage"); err == nil {
		t.Error("EQP without rows accepted")
	}
}

func TestRenderRedactsAndTruncates(t *testing.T) {
	p := loadPlan(t, "postgres_partitions_merge_append.json")
	text := p.render(true)
	if strings.Contains(text, "1687618800000") || !strings.Contains(text, "log_date < ?::bigint") {
		t.Errorf("literals not redacted:\n%s", text)
	}
	if raw := p.render(false); !strings.Contains(raw, "1687618800000") {
		t.Errorf("raw rendering lost the values:\n%s", raw)
	}
	for _, max := range []int{1, 5, 20, 100} {
		if got := truncate(text, max); len(got) > max {
			t.Errorf("truncate(%d) = %d bytes", max, len(got))
		}
	}
	if got := truncate(strings.Repeat("é", 20), 15); !utf8.ValidString(got) || len(got) > 15 {
		t.Errorf("truncate on runes = %q", got)
	}
}

func TestRepairJSONStrings(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": "b"}`:                  `{"a": "b"}`,
		`{"c": "x = 'it\'s'"}`:        `{"c": "x = 'it''s'"}`,
		`{"c": "a\\b \"q\" \u00e9"}`:  `{"c": "a\\b \"q\" \u00e9"}`,
		"{\"c\": \"line\nbreak\"}":    `{"c": "line\u000abreak"}`,
		`{"k\'": 1, "v": "\'"} \' "\`: `{"k''": 1, "v": "''"} \' "`,
	} {
		if got := string(repairJSONStrings([]byte(in))); got != want {
			t.Errorf("repair(%q) = %q, want %q", in, got, want)
		}
	}
	p, err := parseMySQLJSON(MariaDB, []byte(`{"query_block": {"table": {"table_name": "t", "access_type": "ALL", "attached_condition": "t.v = 'x\'; DROP'"}}}`))
	if err != nil || p.Nodes()[1].Filter != "t.v = 'x''; DROP'" {
		t.Fatalf("MariaDB escapes: %v %+v", err, p)
	}
	if got := redact(MariaDB, p.Nodes()[1].Filter); got != "t.v = ?" {
		t.Errorf("redacted = %q", got)
	}
}
