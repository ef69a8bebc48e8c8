package observability_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/demoapp"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/internal/vocab"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// exportedMetrics are sqlsight's metrics as Prometheus sees them after the
// collector's prometheus exporter (dots to underscores, the unit's suffix,
// _total on monotonic sums; README.md lists the rules). The dashboard and
// the rules may use these and no other metric.
var exportedMetrics = []string{
	"sqlsight_findings_total",
	"sqlsight_explain_requests_total",
	"db_client_operation_duration_seconds_bucket",
	"db_client_operation_duration_seconds_sum",
	"db_client_operation_duration_seconds_count",
	"db_client_response_returned_rows_bucket",
	"db_client_response_returned_rows_sum",
	"db_client_response_returned_rows_count",
	"db_client_connection_count",
	"db_client_connection_max",
	"db_client_connection_wait_count_total",
	"db_client_connection_wait_time_seconds_total",
}

// exportedLabels are the labels the dashboard and the rules may match or
// group on: the metrics' attributes, service_name from the resource
// (resource_to_telemetry_conversion), job and instance, and le.
var exportedLabels = []string{
	"kind", "db_query_summary", "outcome",
	"db_system_name", "db_operation_name", "db_collection_name", "db_namespace",
	"server_address", "server_port", "error_type", "db_client_connection_state",
	"service_name", "job", "instance", "le",
}

// envJaegerBin names the Jaeger v2 binary (scripts/jaeger/build.sh), which
// is an OpenTelemetry Collector distribution carrying the otlp receiver, the
// memory_limiter and batch processors and the otlp and prometheus exporters.
const envJaegerBin = "SQLSIGHT_JAEGER_BIN"

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// composeMounts maps each container path the compose file mounts to the
// path in this folder it comes from.
func composeMounts(t *testing.T) map[string]string {
	t.Helper()
	bind := regexp.MustCompile(`^\s*-\s*"?(\./[^:"]+):([^:"]+)(:ro)?"?\s*$`)
	mounts := make(map[string]string)
	for _, line := range strings.Split(readFile(t, "docker-compose.yaml"), "\n") {
		if m := bind.FindStringSubmatch(line); m != nil {
			mounts[m[2]] = filepath.FromSlash(m[1])
		}
	}
	if len(mounts) < 8 {
		t.Fatalf("found %d bind mounts in docker-compose.yaml, want at least 8: %v", len(mounts), mounts)
	}
	return mounts
}

// hostPath resolves a path inside a container to the file in this folder
// that a bind mount puts there.
func hostPath(mounts map[string]string, inContainer string) (string, bool) {
	for target, source := range mounts {
		if inContainer == target {
			return source, true
		}
		if rest, ok := strings.CutPrefix(inContainer, target+"/"); ok {
			return filepath.Join(source, filepath.FromSlash(rest)), true
		}
	}
	return "", false
}

func TestComposeMountsExist(t *testing.T) {
	mounts := composeMounts(t)
	for target, source := range mounts {
		if _, err := os.Stat(source); err != nil {
			t.Errorf("docker-compose.yaml mounts %s on %s: %v", source, target, err)
		}
	}
	// Paths the services read inside their containers must come from a mount.
	for _, c := range []struct{ file, pattern string }{
		{"grafana/provisioning/dashboards/dashboards.yaml", `(?m)^\s*path:\s*(\S+)`},
		{"docker-compose.yaml", `GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH:\s*(\S+)`},
		{"docker-compose.yaml", `"--config",\s*"([^"]+)"`},
		{"docker-compose.yaml", `-config\.file=([^"]+)"`},
	} {
		m := regexp.MustCompile(c.pattern).FindStringSubmatch(readFile(t, c.file))
		if m == nil {
			t.Errorf("%s: no match for %s", c.file, c.pattern)
			continue
		}
		source, ok := hostPath(mounts, m[1])
		if !ok {
			t.Errorf("%s reads %s, which no volume of docker-compose.yaml provides", c.file, m[1])
			continue
		}
		if _, err := os.Stat(source); err != nil {
			t.Errorf("%s reads %s: %v", c.file, m[1], err)
		}
	}
	// Prometheus reads its rule files relative to prometheus.yml.
	for _, m := range regexp.MustCompile(`(?m)^rule_files:\s*\n((?:\s+-\s*\S+\n)+)`).FindAllStringSubmatch(readFile(t, "prometheus.yml"), -1) {
		for _, f := range strings.Fields(strings.ReplaceAll(m[1], "-", " ")) {
			if _, ok := hostPath(mounts, "/etc/prometheus/"+f); !ok {
				t.Errorf("prometheus.yml loads %s, which docker-compose.yaml does not mount beside it", f)
			}
		}
	}
}

// dashboard is the part of a Grafana dashboard the tests read.
type dashboard struct {
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string     `json:"name"`
			Datasource datasource `json:"datasource"`
			Definition string     `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string     `json:"title"`
	Type       string     `json:"type"`
	Datasource datasource `json:"datasource"`
	Targets    []struct {
		Datasource datasource `json:"datasource"`
		Expr       string     `json:"expr"`
		QueryType  string     `json:"queryType"`
		Query      string     `json:"query"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // of a collapsed row
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(readFile(t, "grafana/dashboards/sqlsight.json")))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("grafana/dashboards/sqlsight.json: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("grafana/dashboards/sqlsight.json: data after the dashboard")
	}
	return d
}

func provisionedDatasources(t *testing.T) map[string]string {
	t.Helper()
	text := readFile(t, "grafana/provisioning/datasources/datasources.yaml")
	uids := make(map[string]string)
	re := regexp.MustCompile(`(?m)^\s*type:\s*(\S+)\s*\n\s*uid:\s*(\S+)`)
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		uids[m[2]] = m[1]
	}
	for _, want := range []string{"prometheus", "tempo", "jaeger"} {
		if uids[want] != want {
			t.Errorf("datasources.yaml: no %s datasource with uid %s (have %v)", want, want, uids)
		}
	}
	return uids
}

func TestDashboard(t *testing.T) {
	d := loadDashboard(t)
	uids := provisionedDatasources(t)
	if d.UID == "" {
		t.Error("the dashboard has no uid")
	}
	var promQueries, traceQueries int
	var walk func([]panel)
	walk = func(panels []panel) {
		for _, p := range panels {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, target := range p.Targets {
				ds := target.Datasource
				if ds.UID == "" {
					ds = p.Datasource
				}
				if typ, ok := uids[ds.UID]; !ok || typ != ds.Type {
					t.Errorf("panel %q uses datasource %+v, which is not provisioned", p.Title, ds)
				}
				switch ds.Type {
				case "prometheus":
					promQueries++
					checkPromQL(t, "panel "+p.Title, target.Expr)
				case "tempo":
					traceQueries++
					if target.QueryType != "traceql" || !strings.HasPrefix(target.Query, "{") || !strings.HasSuffix(target.Query, "}") {
						t.Errorf("panel %q: want a TraceQL span selector, have %s %q", p.Title, target.QueryType, target.Query)
					}
				}
			}
		}
	}
	walk(d.Panels)
	if promQueries < 8 || traceQueries < 4 {
		t.Errorf("the dashboard has %d PromQL and %d TraceQL queries; want at least 8 and 4", promQueries, traceQueries)
	}
	labelValues := regexp.MustCompile(`^label_values\((\w+),\s*(\w+)\)$`)
	for _, v := range d.Templating.List {
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: definition %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		checkPromQL(t, "variable "+v.Name, m[1]+"{"+m[2]+`!=""}`)
	}
}

// TestDatasourceQueries checks the PromQL that the Tempo datasource runs
// for a span (tracesToMetrics).
func TestDatasourceQueries(t *testing.T) {
	text := readFile(t, "grafana/provisioning/datasources/datasources.yaml")
	queries := regexp.MustCompile(`(?m)^\s*query:\s*'(.*)'\s*$`).FindAllStringSubmatch(text, -1)
	if len(queries) == 0 {
		t.Fatal("datasources.yaml: no tracesToMetrics queries")
	}
	for _, q := range queries {
		// $$ is Grafana's escape for a literal $ in provisioning files.
		checkPromQL(t, "datasources.yaml", strings.ReplaceAll(q[1], "$$", "$"))
	}
}

func TestAlertRules(t *testing.T) {
	text := readFile(t, "alerts.yml")
	exprs := yamlValues(text, "expr")
	alerts := yamlValues(text, "alert")
	if len(exprs) != len(alerts) || len(alerts) < 8 {
		t.Fatalf("alerts.yml: %d alerts and %d expressions", len(alerts), len(exprs))
	}
	for i, e := range exprs {
		checkPromQL(t, alerts[i], e)
	}
	if !strings.Contains(text, "- name: sqlsight\n") {
		t.Error("alerts.yml: no rule group named sqlsight")
	}
	for _, want := range []string{"severity:", "summary:", "description:"} {
		if n := strings.Count(text, want); n != len(alerts) {
			t.Errorf("alerts.yml: %d %q for %d alerts", n, want, len(alerts))
		}
	}
	// Every alert tells where to look in Tempo.
	if n := strings.Count(text, "with TraceQL: {"); n != len(alerts) {
		t.Errorf("alerts.yml: %d descriptions give a TraceQL query, want %d", n, len(alerts))
	}
	for _, label := range regexp.MustCompile(`\$labels\.(\w+)`).FindAllStringSubmatch(text, -1) {
		if !slices.Contains(exportedLabels, label[1]) {
			t.Errorf("alerts.yml: annotation uses $labels.%s, which no exported series has", label[1])
		}
	}
}

// yamlValues returns the values of every key named key in a YAML text, as
// plain scalars or block scalars (| or >, read as lines joined by newlines).
// Enough for the files of this folder; no YAML library is in go.mod.
func yamlValues(text, key string) []string {
	var values []string
	lines := strings.Split(text, "\n")
	keyRE := regexp.MustCompile(`^(\s*)(?:-\s+)?` + regexp.QuoteMeta(key) + `:\s*(.*)$`)
	for i := 0; i < len(lines); i++ {
		m := keyRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, rest := len(m[1]), strings.TrimSpace(m[2])
		if !strings.HasPrefix(rest, "|") && !strings.HasPrefix(rest, ">") {
			values = append(values, strings.Trim(rest, `'"`))
			continue
		}
		var block []string
		for i+1 < len(lines) {
			next := lines[i+1]
			if strings.TrimSpace(next) != "" && len(next)-len(strings.TrimLeft(next, " ")) <= indent {
				break
			}
			block = append(block, strings.TrimSpace(next))
			i++
		}
		values = append(values, strings.TrimSpace(strings.Join(block, "\n")))
	}
	return values
}

// checkPromQL reports metric and label names in expr that sqlsight's
// exported series do not have, and label values that are not kinds or
// outcomes sqlsight records.
func checkPromQL(t *testing.T, where, expr string) {
	t.Helper()
	metrics, labels := promQLNames(expr)
	if len(metrics) == 0 {
		t.Errorf("%s: no metric in %q", where, expr)
	}
	for _, m := range metrics {
		if !slices.Contains(exportedMetrics, m) {
			t.Errorf("%s: metric %s is not one sqlsight exports (expression %q)", where, m, expr)
		}
	}
	for _, l := range labels {
		if !slices.Contains(exportedLabels, l) {
			t.Errorf("%s: label %s is not on sqlsight's series (expression %q)", where, l, expr)
		}
	}
	kinds := []string{
		string(sqltrace.KindNPlusOne), string(sqltrace.KindRepeatedWrite), string(sqltrace.KindDuplicateQuery),
		string(sqltrace.KindUnindexedIn), string(sqltrace.KindFullScan), string(sqltrace.KindSortWithoutIndex),
		string(sqltrace.KindPartitionsNotPruned), string(sqltrace.KindSlowQuery),
	}
	var outcomes []string
	for _, o := range vocab.Outcomes {
		outcomes = append(outcomes, string(o))
	}
	for _, c := range []struct {
		label string
		valid []string
	}{{"kind", kinds}, {"outcome", outcomes}} {
		for _, m := range regexp.MustCompile(`\b`+c.label+`\s*=\s*"([^"]*)"`).FindAllStringSubmatch(expr, -1) {
			if !slices.Contains(c.valid, m[1]) {
				t.Errorf("%s: %s=%q is not a value sqlsight records (%v)", where, c.label, m[1], c.valid)
			}
		}
	}
}

var (
	promVariable = regexp.MustCompile(`\$\{?\w+\}?`)
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	promMatcher  = regexp.MustCompile(`(\w+)\s*(?:=~|!~|!=|=)`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promToken    = regexp.MustCompile(`[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?[a-zA-Z]*|[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2"}
)

// promQLNames returns the metric names and the label names a PromQL
// expression refers to. It is no parser: it blanks out what cannot hold a
// metric name (strings, matchers, ranges, grouping labels, Grafana
// variables) and takes the identifiers left that are not called and not
// keywords.
func promQLNames(expr string) (metrics, labels []string) {
	s := promVariable.ReplaceAllString(expr, " ")
	s = promString.ReplaceAllString(s, `""`)
	for _, m := range promMatchers.FindAllString(s, -1) {
		for _, l := range promMatcher.FindAllStringSubmatch(m, -1) {
			labels = append(labels, l[1])
		}
	}
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRange.ReplaceAllString(s, " ")
	for _, g := range promGrouping.FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				labels = append(labels, l)
			}
		}
	}
	s = promGrouping.ReplaceAllString(s, " ")
	for _, loc := range promToken.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		if tok[0] >= '0' && tok[0] <= '9' || slices.Contains(promKeywords, strings.ToLower(tok)) {
			continue
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function or an aggregation
		}
		if !slices.Contains(metrics, tok) {
			metrics = append(metrics, tok)
		}
	}
	sort.Strings(labels)
	return metrics, slices.Compact(labels)
}

func TestPromQLNames(t *testing.T) {
	for _, c := range []struct {
		expr            string
		metrics, labels []string
	}{
		{`up`, []string{"up"}, nil},
		{`sum by (kind) (rate(sqlsight_findings_total{service_name=~"$service"}[$__rate_interval])) * 60`,
			[]string{"sqlsight_findings_total"}, []string{"kind", "service_name"}},
		{`histogram_quantile(0.99, sum by (le, db_operation_name) (rate(a_bucket[5m]))) > 0.5`,
			[]string{"a_bucket"}, []string{"db_operation_name", "le"}},
		{"(sum by (x) (increase(a{kind=\"n_plus_one\"}[10m])) > 0)\nor\n(sum by (x) (a) unless sum by (x) (a offset 10m))",
			[]string{"a"}, []string{"kind", "x"}},
		{`a / on (job) group_left (le) b > bool 1e3`, []string{"a", "b"}, []string{"job", "le"}},
		{`sum(rate(x[5m])) by (le) / ignoring(le) y{a!="b) c", d!~"{x}"}`, []string{"x", "y"}, []string{"a", "d", "le"}},
		{`avg_over_time(a[1h:5m]) * 2`, []string{"a"}, nil},
	} {
		metrics, labels := promQLNames(c.expr)
		if !slices.Equal(metrics, c.metrics) || !slices.Equal(labels, c.labels) {
			t.Errorf("promQLNames(%q) = %v, %v; want %v, %v", c.expr, metrics, labels, c.metrics, c.labels)
		}
	}
}

func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not on PATH; install it (Debian: apt-get install prometheus) to check prometheus.yml and alerts.yml and run alerts_test.yml")
	}
	for _, args := range [][]string{
		{"check", "config", "prometheus.yml"},
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func jaegerBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(envJaegerBin)
	if bin == "" {
		t.Skipf("%s is not set; run SQLSIGHT_JAEGER_BIN=$(scripts/jaeger/build.sh) go test ./examples/observability/ to check the collector and Jaeger configurations", envJaegerBin)
	}
	return bin
}

func TestCollectorConfigsValidate(t *testing.T) {
	bin := jaegerBin(t)
	for _, config := range []string{"otel-collector.yaml", "jaeger.yaml"} {
		if out, err := exec.Command(bin, "validate", "--config", config).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", config, err, out)
		}
	}
}

// TestCollectorServesMetricNames runs otel-collector.yaml (loopback ports,
// nowhere to send traces), sends it the metrics of the demo service on
// SQLite over OTLP gRPC, and reads its prometheus exporter: every name in
// exportedMetrics must be there, with the labels the rules group by.
func TestCollectorServesMetricNames(t *testing.T) {
	bin := jaegerBin(t)
	otlpAddr, promAddr := freeAddr(t), freeAddr(t)
	startCollector(t, bin,
		"--set=receivers.otlp.protocols.grpc.endpoint="+otlpAddr,
		"--set=receivers.otlp.protocols.http.endpoint="+freeAddr(t),
		"--set=exporters.prometheus.endpoint="+promAddr,
		"--set=exporters.otlp/jaeger.endpoint="+freeAddr(t),
		"--set=exporters.otlp/tempo.endpoint="+freeAddr(t),
		"--set=service.telemetry.metrics.level=none",
		"--set=service.telemetry.logs.level=warn",
	)

	ctx := context.Background()
	exp, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(otlpAddr), otlpmetricgrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	const service = "sqlsight-observability-test"
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithResource(sdkresource.NewSchemaless(semconv.ServiceName(service))))
	defer mp.Shutdown(ctx)
	tp := sdktrace.NewTracerProvider() // sampled spans, so that findings are raised; exported nowhere
	defer tp.Shutdown(ctx)

	runDemo(t, tp, mp)

	wantLabels := map[string][]string{
		"sqlsight_findings_total":                     {"kind", "db_query_summary", "service_name", "job"},
		"sqlsight_explain_requests_total":             {"outcome", "service_name"},
		"db_client_operation_duration_seconds_bucket": {"le", "db_system_name", "db_operation_name", "db_collection_name", "service_name"},
		"db_client_connection_count":                  {"db_client_connection_state", "service_name"},
	}
	var (
		series   map[string][]map[string]string
		missing  []string
		flushErr error
	)
	if !testenv.Eventually(60*time.Second, func() bool {
		flushErr = mp.ForceFlush(ctx)
		series = scrape(t, "http://"+promAddr+"/metrics")
		missing = slices.DeleteFunc(slices.Clone(exportedMetrics), func(m string) bool { return len(series[m]) > 0 })
		return len(missing) == 0
	}) {
		t.Fatalf("the collector's prometheus exporter never served %v (last flush error: %v); it served %v", missing, flushErr, keys(series))
	}
	for name, labels := range wantLabels {
		for _, l := range labels {
			if !slices.ContainsFunc(series[name], func(s map[string]string) bool { return s[l] != "" }) {
				t.Errorf("%s has no series with label %s: %v", name, l, series[name])
			}
		}
	}
	for _, s := range series["sqlsight_findings_total"] {
		if s["service_name"] != service || s["job"] != service {
			t.Errorf("sqlsight_findings_total: service_name %q, job %q; want %q (resource_to_telemetry_conversion)", s["service_name"], s["job"], service)
		}
	}
}

// runDemo runs the demo service's requests (an IN lookup that is
// explained, an N+1 loop, a loop of single-row inserts) on a fresh SQLite
// file, recording metrics with mp, and closes the database.
func runDemo(t *testing.T, tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider) {
	t.Helper()
	ctx := context.Background()
	dsn := "file:" + filepath.Join(t.TempDir(), "demo.db") + "?_pragma=busy_timeout(5000)"
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := demoapp.Seed(ctx, raw, demoapp.SQLite, 500); err != nil {
		t.Fatal(err)
	}
	db, err := sqltrace.Open("sqlite", dsn,
		sqltrace.WithTracerProvider(tp), sqltrace.WithMeterProvider(mp),
		sqltrace.WithExplain(explain.WithTimeout(30*time.Second))) // pure-Go SQLite is slow under -race
	if err != nil {
		t.Fatal(err)
	}
	reg, err := sqltrace.RecordPoolMetrics(db, sqltrace.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	app := &demoapp.App{DB: db, Dialect: demoapp.SQLite, Tracer: tp.Tracer("observability_test")}
	if err := app.RunAll(ctx); err != nil {
		t.Fatal(err)
	}
	// Closing waits for the EXPLAIN worker, whose outcome is counted. The
	// pool metrics stay registered until the collector has read them: their
	// last reading is of the closed pool, which is still a reading.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Unregister() })
}

// scrape reads a Prometheus text exposition: series by metric name, each
// as its labels.
func scrape(t *testing.T, url string) map[string][]map[string]string {
	t.Helper()
	series := make(map[string][]map[string]string)
	resp, err := http.Get(url)
	if err != nil {
		return series // not up yet
	}
	defer resp.Body.Close()
	label := regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		name = strings.Fields(name)[0]
		labels := make(map[string]string)
		if body, _, ok := strings.Cut(rest, "}"); ok {
			for _, m := range label.FindAllStringSubmatch(body, -1) {
				labels[m[1]] = m[2]
			}
		}
		series[name] = append(series[name], labels)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return series
}

// startCollector runs the collector on otel-collector.yaml with args until
// the test ends; its output is shown if the test fails.
func startCollector(t *testing.T, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "collector.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--config", "otel-collector.yaml"}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("collector output:\n%s", tail(out, 8<<10))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	if i := bytes.IndexByte(b[len(b)-n:], '\n'); i >= 0 {
		return b[len(b)-n+i+1:]
	}
	return b[len(b)-n:]
}

// freeAddr returns a loopback address with a port free at the time of the
// call.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
