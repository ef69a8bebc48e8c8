package exporters

// Defaults of the console exporter's bounds.
const (
	// DefaultMaxTraces is how many unfinished traces the console exporter
	// buffers before it prints the oldest one as incomplete.
	DefaultMaxTraces = 256
	// DefaultMaxSpansPerTrace is how many leaf spans of one trace the
	// console exporter buffers; later leaves are counted in the trace's
	// footer but not shown.
	DefaultMaxSpansPerTrace = 1000
	// DefaultCollapseThreshold is how many identical sibling spans print
	// as one line with a count.
	DefaultCollapseThreshold = 3
)

// printedMemory is how many printed traces the console exporter remembers,
// so that a span ending after its trace's root (an EXPLAIN span recorded in
// the background) still prints under its parent's name.
const printedMemory = 64

// ConsoleOption configures the exporter built by [NewConsole].
type ConsoleOption interface {
	applyConsole(*consoleConfig)
}

type consoleOptionFunc func(*consoleConfig)

func (f consoleOptionFunc) applyConsole(c *consoleConfig) { f(c) }

type consoleConfig struct {
	color             *bool
	maxTraces         int
	maxSpansPerTrace  int
	collapseThreshold int
}

func newConsoleConfig(opts []ConsoleOption) consoleConfig {
	c := consoleConfig{
		maxTraces:         DefaultMaxTraces,
		maxSpansPerTrace:  DefaultMaxSpansPerTrace,
		collapseThreshold: DefaultCollapseThreshold,
	}
	for _, o := range opts {
		if o != nil {
			o.applyConsole(&c)
		}
	}
	return c
}

// WithColor forces ANSI colour on or off. Without it the exporter colours
// its output only when the writer is a terminal and NO_COLOR is unset.
func WithColor(on bool) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) { c.color = &on })
}

// WithMaxTraces bounds how many unfinished traces are buffered (default
// [DefaultMaxTraces]). When a new trace would exceed it, the oldest one is
// printed as incomplete. Values below 1 mean 1.
func WithMaxTraces(n int) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) { c.maxTraces = max(n, 1) })
}

// WithMaxSpansPerTrace bounds how many leaf spans of one trace are buffered
// (default [DefaultMaxSpansPerTrace]). Spans that have buffered children
// are always kept so the tree keeps its shape; the footer still counts the
// statements and driver time of the leaves left out. Values below 1 mean 1.
func WithMaxSpansPerTrace(n int) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) { c.maxSpansPerTrace = max(n, 1) })
}

// WithCollapseThreshold sets how many identical sibling spans (same name,
// kind and status, no children) print as one line with a count, as an N+1
// loop does (default [DefaultCollapseThreshold]). Zero or less disables
// collapsing.
func WithCollapseThreshold(n int) ConsoleOption {
	return consoleOptionFunc(func(c *consoleConfig) { c.collapseThreshold = n })
}
