package sqltrace

import (
	"maps"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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
	return cfg.locationOf(pcs[:n])
}

// locationOf symbolizes program counters from runtime.Callers up to the
// first application frame.
func (cfg *config) locationOf(pcs []uintptr) Location {
	frames := runtime.CallersFrames(pcs)
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

// callStack is the part of a goroutine's call stack that the loop rule
// compares: the program counters from the statement's detection up to the
// application's frame, the location a finding reports.
type callStack struct {
	pcs [maxCallerDepth]uintptr
	n   int
}

// walkLoopStack fills cs and returns the hash of its program counters: two
// executions from the same code location (the frame a finding's Location
// names), reached along the same path, have the same. It does not
// symbolize, and the caller passes cs on to locate a finding delivered by
// the same execution. Unwinding costs one to two thousand instructions a
// frame, so the walk stops at the application's frame, using what the
// statement's last walk found (hint). A walk that does not end where the
// hint says (the statement came along another path) is read frame by
// frame, and walks again in full when it found no application frame.
func (cfg *config) walkLoopStack(cs *callStack, hint *walkHint) uint64 {
	d := int(hint.depth.Load())
	if d > 0 && d < maxCallerDepth {
		cs.n = runtime.Callers(2, cs.pcs[:d])
		if cs.n == d {
			below := hashPCs(cs.pcs[:d-1])
			if below == hint.below.Load() && cfg.frames.isApp(cs.pcs[d-1], cfg) {
				return extendPCHash(below, cs.pcs[d-1])
			}
		}
	} else {
		d = maxCallerDepth
		cs.n = runtime.Callers(2, cs.pcs[:])
	}
	n := cs.n
	var found bool
	if cs.n, found = cfg.frames.throughApp(cs.pcs[:n], cfg); !found && n == d && d < maxCallerDepth {
		n = runtime.Callers(2, cs.pcs[:])
		cs.n, found = cfg.frames.throughApp(cs.pcs[:n], cfg)
	}
	if found {
		hint.depth.Store(int32(cs.n))
		hint.below.Store(hashPCs(cs.pcs[:cs.n-1]))
	}
	return hashPCs(cs.pcs[:cs.n])
}

// walkHint is what a statement's last loop-rule walk found: how many frames
// lead up to the application's, that one included, and the hash of those
// below it, all of them library frames. The two may come from different
// walks; a mismatch only costs a walk read frame by frame.
type walkHint struct {
	depth atomic.Int32
	below atomic.Uint64
}

const pcHashBasis = 14695981039346656037

func hashPCs(pcs []uintptr) uint64 {
	h := uint64(pcHashBasis)
	for _, pc := range pcs {
		h = extendPCHash(h, pc)
	}
	return h
}

func extendPCHash(h uint64, pc uintptr) uint64 { return (h ^ uint64(pc)) * 1099511628211 }

// maxFrameKinds bounds the program counters frameKinds keeps; past it,
// new frames are symbolized on every walk that meets them.
const maxFrameKinds = 4096

// frameKinds remembers, per program counter, whether the frame is the
// application's (a finding's location may point at it): symbolizing a
// frame costs more than unwinding it, and a program has few call sites.
// Readers take no lock: the map is replaced, never changed, when a frame
// is added.
type frameKinds struct {
	app atomic.Pointer[map[uintptr]bool]
	mu  sync.Mutex // serialises additions
}

// throughApp returns how many of pcs lead up to the first application
// frame, that frame included, or len(pcs) and found=false.
func (k *frameKinds) throughApp(pcs []uintptr, cfg *config) (n int, found bool) {
	for i, pc := range pcs {
		if k.isApp(pc, cfg) {
			return i + 1, true
		}
	}
	return len(pcs), false
}

func (k *frameKinds) isApp(pc uintptr, cfg *config) bool {
	if m := k.app.Load(); m != nil {
		if app, ok := (*m)[pc]; ok {
			return app
		}
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	app := f.Function != "" && !cfg.skipFrame(f.Function, f.File)
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.app.Load()
	if old != nil && len(*old) >= maxFrameKinds {
		return app
	}
	m := make(map[uintptr]bool, 1+lenOf(old))
	if old != nil {
		maps.Copy(m, *old)
	}
	m[pc] = app
	k.app.Store(&m)
	return app
}

func lenOf(m *map[uintptr]bool) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
