package exporters

import (
	"container/list"
	"context"
	"io"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Console is a [sdktrace.SpanExporter] that prints each finished trace as an
// indented tree. Build one with [NewConsole]; it is safe for concurrent use.
//
// Spans of a trace arrive one batch at a time, children before their
// parents, so Console buffers them by trace until the trace's local root
// (a span without a parent, or with a remote one) has ended, then prints the
// whole tree. A span that ends after its trace was printed (an EXPLAIN span
// recorded in the background) prints on its own under its parent's name.
// The buffer is bounded ([WithMaxTraces], [WithMaxSpansPerTrace]);
// [Console.ForceFlush] and [Console.Shutdown] print whatever is left.
type Console struct {
	cfg consoleConfig
	pal palette

	mu      sync.Mutex
	w       io.Writer
	stopped bool
	// pending holds unprinted spans by trace; order lists their trace IDs,
	// oldest first, for eviction.
	pending map[trace.TraceID]*pendingTrace
	order   *list.List
	// printed remembers the spans of recently printed traces (name by span
	// ID) so that late spans find their parent; printedOrder is a ring of
	// their trace IDs, oldest first.
	printed      map[trace.TraceID]map[trace.SpanID]string
	printedOrder []trace.TraceID
	printedNext  int
}

var _ sdktrace.SpanExporter = (*Console)(nil)

// pendingTrace is the buffered part of one trace.
type pendingTrace struct {
	id    trace.TraceID
	elem  *list.Element
	spans map[trace.SpanID]sdktrace.ReadOnlySpan
	// children counts the buffered children of each span ID: a span whose
	// children are buffered is kept even when the buffer is full.
	children map[trace.SpanID]int
	dropped  traceStats
}

// NewConsole returns an exporter that prints to w. Output is coloured only
// when w is a terminal, unless [WithColor] says otherwise.
func NewConsole(w io.Writer, opts ...ConsoleOption) *Console {
	cfg := newConsoleConfig(opts)
	color := colorFor(w)
	if cfg.color != nil {
		color = *cfg.color
	}
	return &Console{
		cfg:          cfg,
		pal:          palette{on: color},
		w:            w,
		pending:      make(map[trace.TraceID]*pendingTrace),
		order:        list.New(),
		printed:      make(map[trace.TraceID]map[trace.SpanID]string),
		printedOrder: make([]trace.TraceID, 0, printedMemory),
	}
}

// ExportSpans buffers spans and prints every tree whose root is among them.
// It returns the writer's error, if any. After Shutdown it drops spans.
func (c *Console) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	var out strings.Builder
	for _, s := range spans {
		if s == nil {
			continue
		}
		c.add(&out, s)
	}
	return c.write(&out)
}

// ForceFlush prints every buffered trace, finished or not.
func (c *Console) ForceFlush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushLocked()
}

// Shutdown prints every buffered trace and stops the exporter; later spans
// are dropped. Calling it again does nothing.
func (c *Console) Shutdown(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	c.stopped = true
	err := c.flushLocked()
	c.printed = nil
	c.printedOrder = nil
	return err
}

func (c *Console) flushLocked() error {
	var out strings.Builder
	for c.order.Len() > 0 {
		c.printIncomplete(&out, c.order.Front().Value.(*pendingTrace))
	}
	return c.write(&out)
}

func (c *Console) write(out *strings.Builder) error {
	if out.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(c.w, out.String())
	return err
}

// add buffers s, or prints its tree when s is a root.
func (c *Console) add(out *strings.Builder, s sdktrace.ReadOnlySpan) {
	tid := s.SpanContext().TraceID()
	parent := s.Parent()
	lateParent, late := c.printed[tid][parent.SpanID()]
	root := !parent.IsValid() || parent.IsRemote() || late

	pt := c.pending[tid]
	if root {
		c.printRoot(out, pt, s, lateParent, late)
		return
	}
	if pt == nil {
		if len(c.pending) >= c.cfg.maxTraces {
			c.printIncomplete(out, c.order.Front().Value.(*pendingTrace))
		}
		pt = &pendingTrace{
			id:       tid,
			spans:    make(map[trace.SpanID]sdktrace.ReadOnlySpan),
			children: make(map[trace.SpanID]int),
		}
		pt.elem = c.order.PushBack(pt)
		c.pending[tid] = pt
	}
	id := s.SpanContext().SpanID()
	if _, dup := pt.spans[id]; dup {
		// Only a broken producer ends a span twice; counting it twice
		// would let the children counts grow without bound.
		return
	}
	limit := c.cfg.maxSpansPerTrace
	if pt.children[id] > 0 {
		// Keeping the parents of buffered spans keeps the tree's shape;
		// the hard bound is twice the limit.
		limit *= 2
	}
	if len(pt.spans) >= limit {
		pt.dropped.addDropped(viewOf(s))
		return
	}
	pt.spans[id] = s
	pt.children[parent.SpanID()]++
}

// printRoot prints root and its buffered descendants, and forgets them.
func (c *Console) printRoot(out *strings.Builder, pt *pendingTrace, root sdktrace.ReadOnlySpan, lateParent string, late bool) {
	tid := root.SpanContext().TraceID()
	spans := []sdktrace.ReadOnlySpan{root}
	var stats traceStats
	if pt != nil {
		spans = append(spans, pt.takeDescendants(root.SpanContext().SpanID())...)
		stats = pt.dropped
		pt.dropped = traceStats{}
		if len(pt.spans) == 0 {
			c.forget(pt)
		}
	}
	r := c.renderer(out)
	if late {
		r.lateHeader(tid, lateParent)
	}
	forest := buildForest(spans)
	stats.addForest(forest)
	for _, n := range forest {
		r.top(n)
	}
	r.footer(tid, stats, late)
	c.remember(tid, spans)
}

// printIncomplete prints all of pt as a forest and forgets it.
func (c *Console) printIncomplete(out *strings.Builder, pt *pendingTrace) {
	spans := make([]sdktrace.ReadOnlySpan, 0, len(pt.spans))
	for _, s := range pt.spans {
		spans = append(spans, s)
	}
	c.forget(pt)
	r := c.renderer(out)
	r.incompleteHeader(pt.id)
	forest := buildForest(spans)
	stats := pt.dropped
	stats.addForest(forest)
	for _, n := range forest {
		r.top(n)
	}
	r.footer(pt.id, stats, false)
	c.remember(pt.id, spans)
}

func (c *Console) forget(pt *pendingTrace) {
	c.order.Remove(pt.elem)
	delete(c.pending, pt.id)
}

func (c *Console) renderer(out *strings.Builder) *renderer {
	return &renderer{out: out, pal: c.pal, collapse: c.cfg.collapseThreshold}
}

// remember records the names of printed spans so that spans ending later
// print under their parent. It keeps the last printedMemory traces, each
// with at most twice the per-trace span limit.
func (c *Console) remember(tid trace.TraceID, spans []sdktrace.ReadOnlySpan) {
	names, ok := c.printed[tid]
	if !ok {
		if len(c.printedOrder) < printedMemory {
			c.printedOrder = append(c.printedOrder, tid)
		} else {
			delete(c.printed, c.printedOrder[c.printedNext])
			c.printedOrder[c.printedNext] = tid
			c.printedNext = (c.printedNext + 1) % printedMemory
		}
		names = make(map[trace.SpanID]string, len(spans))
		c.printed[tid] = names
	}
	limit := 2 * c.cfg.maxSpansPerTrace
	for _, s := range spans {
		if len(names) >= limit {
			return
		}
		names[s.SpanContext().SpanID()] = s.Name()
	}
}

// takeDescendants removes the buffered descendants of id and returns them.
func (pt *pendingTrace) takeDescendants(id trace.SpanID) []sdktrace.ReadOnlySpan {
	if pt.children[id] == 0 {
		return nil
	}
	byParent := make(map[trace.SpanID][]sdktrace.ReadOnlySpan, len(pt.children))
	for _, s := range pt.spans {
		p := s.Parent().SpanID()
		byParent[p] = append(byParent[p], s)
	}
	var out []sdktrace.ReadOnlySpan
	// visited guards against parent links that form a cycle, which only a
	// broken or hostile producer sends.
	visited := map[trace.SpanID]bool{id: true}
	queue := []trace.SpanID{id}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, s := range byParent[next] {
			sid := s.SpanContext().SpanID()
			if visited[sid] {
				continue
			}
			visited[sid] = true
			out = append(out, s)
			queue = append(queue, sid)
			delete(pt.spans, sid)
			if pt.children[next]--; pt.children[next] <= 0 {
				delete(pt.children, next)
			}
		}
	}
	return out
}
