package sqlinfo

import "strings"

// normalizer turns the scanner's tokens into the pieces every output of the
// package is built from: Parse's sanitized text and the code it analyses,
// and ShapeKey's hash. Besides the scanner's tokens it yields tokList for a
// list of literals after IN ("IN (1, 2, 3)" and "IN ('a')" alike: "(?)"),
// and tokRows for VALUES rows that repeat the first row's shape (bun and
// fmt.Sprintf loops write "VALUES (1, 'a'), (2, 'b')"). Like the scanner, it
// never allocates, and each lookahead is read at most twice, so the whole
// pass is linear in the text.
type normalizer struct {
	sc scanner
	// A collapsed list is at [listAt, listEnd).
	listAt, listEnd int
	// Repeated rows are at [rowsAt, rowsEnd) (from the ',' after the first
	// row to the end of the last repeat); rowsCount of them.
	rowsAt, rowsEnd, rowsCount int
	// skippedRows counts the rows dropped so far.
	skippedRows int
}

func newNormalizer(q string, d Dialect) normalizer {
	return normalizer{sc: newScanner(q, d), listAt: -1, rowsAt: -1}
}

// next returns the next piece and its bounds in the text.
func (n *normalizer) next() (tokKind, int, int) {
	switch pos := n.sc.pos; pos {
	case n.listAt:
		n.listAt = -1
		n.sc.pos = n.listEnd
		return tokList, pos, n.listEnd
	case n.rowsAt:
		n.rowsAt = -1
		n.sc.pos = n.rowsEnd
		n.skippedRows += n.rowsCount
		return tokRows, pos, n.rowsEnd
	}
	k, a, b := n.sc.next()
	if k == tokWord {
		switch w := n.sc.q[a:b]; {
		case len(w) == 2 && strings.EqualFold(w, "IN"):
			n.lookList(b)
		case len(w) == 6 && strings.EqualFold(w, "VALUES"):
			n.lookRows(b)
		}
	}
	return k, a, b
}

// skipSpace returns the next token after at most one run of whitespace.
func skipSpace(s *scanner) (tokKind, int, int) {
	k, a, b := s.next()
	if k == tokSpace {
		k, a, b = s.next()
	}
	return k, a, b
}

func isPunctByte(s *scanner, k tokKind, a int, c byte) bool {
	return k == tokPunct && s.q[a] == c
}

// lookList checks whether "(literal, literal, ...)" follows IN at from.
func (n *normalizer) lookList(from int) {
	look := n.sc
	look.pos = from
	k, open, _ := skipSpace(&look)
	if !isPunctByte(&look, k, open, '(') {
		return
	}
	var a, b int
	for {
		if k, _, _ = skipSpace(&look); k != tokLiteral {
			return
		}
		k, a, b = skipSpace(&look)
		if isPunctByte(&look, k, a, ')') {
			break
		}
		if !isPunctByte(&look, k, a, ',') {
			return
		}
	}
	if look.doubt {
		return // the main reading meets it, unless skipped: do not skip
	}
	n.sc.ambiguous = n.sc.ambiguous || look.ambiguous
	n.listAt, n.listEnd = open, b
}

// maxRowTokens bounds the row shape kept for comparison (on the stack).
const maxRowTokens = 64

type rowShape struct {
	n    int
	kind [maxRowTokens]tokKind
	a, b [maxRowTokens]int
}

// readRow reads a row whose '(' was just read: literals, names, spaces and
// punctuation without nested parentheses or comments. It returns false for
// anything else.
func readRow(s *scanner, shape *rowShape) bool {
	shape.n = 0
	for {
		k, a, b := s.next()
		switch {
		case k == tokEOF || k == tokComment || isPunctByte(s, k, a, '('):
			return false
		case shape.n == maxRowTokens:
			return false
		}
		shape.kind[shape.n], shape.a[shape.n], shape.b[shape.n] = k, a, b
		shape.n++
		if isPunctByte(s, k, a, ')') {
			return true
		}
	}
}

// sameShape reports whether two rows differ in literal values only.
func sameShape(q string, x, y *rowShape) bool {
	if x.n != y.n {
		return false
	}
	for i := 0; i < x.n; i++ {
		if x.kind[i] != y.kind[i] {
			return false
		}
		if x.kind[i] != tokLiteral && q[x.a[i]:x.b[i]] != q[y.a[i]:y.b[i]] {
			return false
		}
	}
	return true
}

// lookRows checks whether rows of the first row's shape follow the first
// row of VALUES at from, and marks them to be skipped.
func (n *normalizer) lookRows(from int) {
	look := n.sc
	look.pos = from
	k, a, _ := skipSpace(&look)
	if !isPunctByte(&look, k, a, '(') {
		return
	}
	var first, row rowShape
	if !readRow(&look, &first) {
		return
	}
	firstEnd := look.pos
	end, count := firstEnd, 0
	for {
		if k, a, _ = skipSpace(&look); !isPunctByte(&look, k, a, ',') {
			break
		}
		if k, a, _ = skipSpace(&look); !isPunctByte(&look, k, a, '(') {
			break
		}
		if !readRow(&look, &row) || !sameShape(look.q, &first, &row) {
			break
		}
		end, count = look.pos, count+1
	}
	if count == 0 || look.doubt {
		return
	}
	n.sc.ambiguous = n.sc.ambiguous || look.ambiguous
	n.rowsAt, n.rowsEnd, n.rowsCount = firstEnd, end, count
}
