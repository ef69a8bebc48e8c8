package sqltrace

import (
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

// libraryFrames walks the loop rule's stack under n+1 frames the
// configuration below skips, like database/sql and an ORM between the
// application and the driver, and fills loc from the walk when asked.
func libraryFrames(n int, cfg *config, hint *walkHint, loc *Location) uint64 {
	if n == 0 {
		var cs callStack
		h := cfg.walkLoopStack(&cs, hint)
		if loc != nil {
			pcs := cs.pcs
			*loc = cfg.locationOf(pcs[:cs.n])
		}
		return h
	}
	return libraryFrames(n-1, cfg, hint, loc)
}

// TestLoopStackIsTheCodeLocation: the loop rule's stack identity is the
// same for executions from one line, differs between lines and paths, and
// the walk stops at the application's frame.
func TestLoopStackIsTheCodeLocation(t *testing.T) {
	cfg := &config{findings: findingsConfig{callerSkip: []string{"github.com/sqlsight/sqlsight/sqltrace.libraryFrames"}}}
	var hint walkHint
	var loop [5]uint64
	for i, n := range []int{4, 4, 20, 4, 4} {
		var loc Location
		loop[i] = libraryFrames(n, cfg, &hint, &loc)
		if !strings.HasSuffix(loc.Function, "TestLoopStackIsTheCodeLocation") {
			t.Fatalf("execution %d located at %+v", i, loc)
		}
		want := int32(n + 2) // libraryFrames n+1 times, then this function
		if got := hint.depth.Load(); got != want {
			t.Fatalf("execution %d: walk depth %d, want %d", i, got, want)
		}
	}
	if loop[0] != loop[1] || loop[0] != loop[3] || loop[0] != loop[4] {
		t.Fatal("one line in a loop has different stacks")
	}
	if loop[2] == loop[0] {
		t.Fatal("another path has the same stack")
	}
	other := libraryFrames(4, cfg, &hint, nil)
	if other == loop[0] {
		t.Fatal("another line has the same stack")
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

// BenchmarkLoopStack is the loop rule's walk (paid by the executions
// around the loop threshold): 15 library frames below the caller, as from
// database/sql, then 30 frames of the application above it, which the walk
// leaves out.
func BenchmarkLoopStack(b *testing.B) {
	cfg := &config{findings: findingsConfig{callerSkip: []string{"github.com/sqlsight/sqlsight/sqltrace.libraryFrames"}}}
	var hint walkHint
	deep(30, func() {
		for b.Loop() {
			libraryFrames(14, cfg, &hint, nil)
		}
	})
}
