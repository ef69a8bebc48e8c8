package exporters

import (
	"bytes"
	"cmp"
	"slices"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// node is one span of a printed tree.
type node struct {
	view     spanView
	children []*node
}

// buildForest links spans to their parents and returns the spans whose
// parent is not among them, each with its subtree, in start order.
// Duplicate span IDs and parent cycles (only a broken producer sends them)
// cannot loop: every span appears once.
func buildForest(spans []sdktrace.ReadOnlySpan) []*node {
	byID := make(map[trace.SpanID]*node, len(spans))
	all := make([]*node, 0, len(spans))
	for _, s := range spans {
		v := viewOf(s)
		if _, dup := byID[v.id]; dup {
			continue
		}
		n := &node{view: v}
		byID[v.id] = n
		all = append(all, n)
	}
	sortNodes(all)

	var tops []*node
	for _, n := range all {
		if p, ok := byID[n.view.parent]; !ok || p == n {
			tops = append(tops, n)
		}
	}
	attached := make(map[*node]bool, len(all))
	// Children lists are built breadth-first from the tops so that a node
	// joins the tree once; nodes left over sit on a cycle and become tops.
	childrenOf := make(map[trace.SpanID][]*node, len(all))
	for _, n := range all {
		childrenOf[n.view.parent] = append(childrenOf[n.view.parent], n)
	}
	link := func(roots []*node) {
		queue := append([]*node(nil), roots...)
		for _, r := range roots {
			attached[r] = true
		}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, c := range childrenOf[n.view.id] {
				if attached[c] {
					continue
				}
				attached[c] = true
				n.children = append(n.children, c)
				queue = append(queue, c)
			}
		}
	}
	link(tops)
	for _, n := range all {
		if !attached[n] {
			tops = append(tops, n)
			link([]*node{n})
		}
	}
	return tops
}

// sortNodes orders spans by start time, then end time, then span ID, so
// that the output is deterministic.
func sortNodes(nodes []*node) {
	slices.SortStableFunc(nodes, func(a, b *node) int {
		if c := a.view.start.Compare(b.view.start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.view.duration, b.view.duration); c != 0 {
			return c
		}
		return bytes.Compare(a.view.id[:], b.view.id[:])
	})
}

// item is one line of siblings: a span, or a collapsed run of identical
// spans.
type item struct {
	nodes []*node
}

// groupKey says which siblings are identical enough to share a line.
type groupKey struct {
	name   string
	kind   trace.SpanKind
	failed bool
}

// siblings returns the lines for children: every childless span whose key
// occurs at least threshold times among them collapses into one line at
// the position of its first occurrence. Spans with children always get
// their own line, so their subtrees stay visible.
func siblings(children []*node, threshold int) []item {
	items := make([]item, 0, len(children))
	if threshold <= 0 {
		for _, n := range children {
			items = append(items, item{nodes: []*node{n}})
		}
		return items
	}
	counts := make(map[groupKey]int)
	for _, n := range children {
		if len(n.children) == 0 {
			counts[keyOf(n)]++
		}
	}
	at := make(map[groupKey]int) // index of the key's line in items
	for _, n := range children {
		k := keyOf(n)
		if len(n.children) > 0 || counts[k] < threshold {
			items = append(items, item{nodes: []*node{n}})
			continue
		}
		if i, ok := at[k]; ok {
			items[i].nodes = append(items[i].nodes, n)
			continue
		}
		at[k] = len(items)
		items = append(items, item{nodes: []*node{n}})
	}
	return items
}

func keyOf(n *node) groupKey {
	return groupKey{name: n.view.name, kind: n.view.kind, failed: n.view.failed}
}
