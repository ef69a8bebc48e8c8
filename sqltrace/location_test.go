package sqltrace

import (
	"runtime"
	"strings"
	"testing"
)

func TestSkipFrame(t *testing.T) {
	cfg := &config{findings: findingsConfig{callerSkip: []string{"example.com/app/store."}}}
	for _, c := range []struct {
		function, file string
		skip           bool
	}{
		{"database/sql.(*DB).QueryContext", "/go/src/database/sql/sql.go", true},
		{"gorm.io/gorm.(*DB).Find", "/m/gorm.io/gorm/finisher_api.go", true},
		{"github.com/uptrace/bun.(*SelectQuery).Scan", "/m/bun/query_select.go", true},
		{"github.com/uptrace/bunrouter.(*Router).ServeHTTP", "/m/bunrouter/router.go", false},
		{"github.com/jackc/pgx/v5/stdlib.(*Conn).QueryContext", "/m/pgx/stdlib/sql.go", true},
		{"github.com/sqlsight/sqlsight/sqltrace.(*run).finish", "/r/sqltrace/interceptor.go", true},
		{"github.com/sqlsight/sqlsight/sqltrace_test.TestX.func1", "/r/sqltrace/x_test.go", false},
		{"example.com/app/store.(*Repo).Load", "/app/store/repo.go", true},
		{"example.com/app/handlers.List", "/app/handlers/list.go", false},
	} {
		if got := cfg.skipFrame(c.function, c.file); got != c.skip {
			t.Errorf("skipFrame(%s) = %v, want %v", c.function, got, c.skip)
		}
	}
}

func TestLocationString(t *testing.T) {
	l := Location{Function: "example.com/app/handlers.List", File: "/src/app/handlers/list.go", Line: 42}
	if got, want := l.String(), "handlers/list.go:42 (handlers.List)"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if (Location{}).String() != "" {
		t.Fatal("the zero location prints")
	}
}

func TestCallerLocationIsTheCaller(t *testing.T) {
	cfg := &config{}
	loc := cfg.callerLocation()
	if !strings.HasSuffix(loc.File, "location_test.go") || !strings.HasSuffix(loc.Function, "TestCallerLocationIsTheCaller") {
		t.Fatalf("%+v", loc)
	}
}

// deep calls fn under n more frames, like an ORM between the
// application and database/sql.
func deep(n int, fn func()) {
	if n == 0 {
		fn()
		return
	}
	deep(n-1, fn)
}

// BenchmarkCallerLocation is the cost of a finding's location (paid once
// per delivered finding), 30 frames below the caller.
func BenchmarkCallerLocation(b *testing.B) {
	cfg := &config{}
	deep(30, func() {
		for b.Loop() {
			_ = cfg.callerLocation()
		}
	})
}

// BenchmarkStackIdentity is what Prosopite's rule (a loop is the same
// fingerprint from the same call stack) would cost per repeated execution:
// the program counters of the stack, hashed, without symbolizing them.
func BenchmarkStackIdentity(b *testing.B) {
	deep(30, func() {
		for b.Loop() {
			var pcs [maxCallerDepth]uintptr
			n := runtime.Callers(2, pcs[:])
			h := uint64(14695981039346656037)
			for _, pc := range pcs[:n] {
				h = (h ^ uint64(pc)) * 1099511628211
			}
			_ = h
		}
	})
}
