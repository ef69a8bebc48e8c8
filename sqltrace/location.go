package sqltrace

import (
	"runtime"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Location is the place in the application's code that ran a statement:
// the first frame of the call stack outside database/sql, sqlsight and the
// well-known data-access libraries. It is empty when no such frame was
// found (a statement closed by database/sql's own goroutine, say).
type Location struct {
	Function string // package-qualified, as runtime reports it
	File     string // absolute path
	Line     int
}

// IsZero reports whether the location is unknown.
func (l Location) IsZero() bool { return l.File == "" && l.Function == "" }

// String is "file:line (function)", with the file shortened to its last
// two path elements, or "" when unknown.
func (l Location) String() string {
	if l.IsZero() {
		return ""
	}
	s := shortFile(l.File) + ":" + strconv.Itoa(l.Line)
	if l.Function != "" {
		s += " (" + shortFunction(l.Function) + ")"
	}
	return s
}

// attributes are the OpenTelemetry code.* attributes of the location.
func (l Location) attributes(attrs []attribute.KeyValue) []attribute.KeyValue {
	if l.IsZero() {
		return attrs
	}
	return append(attrs, semconv.CodeFunctionName(l.Function), semconv.CodeFilePath(l.File), semconv.CodeLineNumber(l.Line))
}

// skippedCallers are the packages between the application's call and the
// driver. A prefix that ends in a letter or digit matches a whole path
// element only ("github.com/uptrace/bun" is not "github.com/uptrace/bunrouter").
var skippedCallers = []string{
	"database/sql.", "database/sql/driver.",
	"github.com/sqlsight/sqlsight/", // but not its _test.go files: see skipFrame
	"github.com/ngrok/sqlmw",
	"gorm.io/",
	"github.com/uptrace/bun",
	"github.com/jmoiron/sqlx",
	"entgo.io/",
	"github.com/jackc/pgx",
	"github.com/lib/pq",
	"github.com/go-sql-driver/mysql",
	"modernc.org/sqlite",
	"runtime.", "reflect.",
}

// maxCallerDepth bounds the stack walk: ORMs add a few dozen frames.
const maxCallerDepth = 64

// callerLocation walks the current goroutine's stack. It costs a few
// microseconds, so it runs only when a finding is delivered or a statement
// is submitted to EXPLAIN, never for every statement.
func (cfg *config) callerLocation() Location {
	var pcs [maxCallerDepth]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function != "" && !cfg.skipFrame(f.Function, f.File) {
			return Location{Function: f.Function, File: f.File, Line: f.Line}
		}
		if !more {
			return Location{}
		}
	}
}

func (cfg *config) skipFrame(function, file string) bool {
	for _, p := range cfg.findings.callerSkip {
		if strings.HasPrefix(function, p) {
			return true
		}
	}
	if strings.HasPrefix(function, "github.com/sqlsight/sqlsight/") && strings.HasSuffix(file, "_test.go") {
		return false // sqlsight's own tests are an application
	}
	for _, p := range skippedCallers {
		if hasPathPrefix(function, p) {
			return true
		}
	}
	return false
}

// hasPathPrefix matches prefix at a path or package boundary when it ends
// in a name character.
func hasPathPrefix(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	if len(s) == len(prefix) {
		return true
	}
	switch last := prefix[len(prefix)-1]; {
	case last == '.' || last == '/':
		return true
	}
	c := s[len(prefix)]
	return c == '.' || c == '/'
}

func shortFile(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return p
	}
	if j := strings.LastIndexByte(p[:i], '/'); j >= 0 {
		return p[j+1:]
	}
	return p
}

// shortFunction drops the import path: "repo.(*Store).Load".
func shortFunction(f string) string {
	if i := strings.LastIndexByte(f, '/'); i >= 0 {
		return f[i+1:]
	}
	return f
}

// stackIdentity hashes the program counters of the current call stack:
// two executions from the same place in a loop have the same. It does
// not symbolize (about as costly as callerLocation's walk without the
// lookups), and runs only around a loop threshold.
func stackIdentity() uint64 {
	var pcs [maxCallerDepth]uintptr
	n := runtime.Callers(2, pcs[:])
	h := uint64(14695981039346656037)
	for _, pc := range pcs[:n] {
		h = (h ^ uint64(pc)) * 1099511628211
	}
	return h
}
