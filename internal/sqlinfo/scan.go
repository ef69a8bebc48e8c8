package sqlinfo

import "strings"

// tokKind is what the scanner found at a position of the text.
type tokKind uint8

const (
	tokEOF     tokKind = iota
	tokSpace           // a run of whitespace
	tokComment         // -- ..., # ... (MySQL), /* ... */
	tokLiteral         // a string, number, bit/hex string or dollar quote, with its prefix and sign
	tokWord            // an unquoted keyword or identifier
	tokQuoted          // a quoted identifier
	tokParam           // $1, $name (SQLite)
	tokPunct           // one byte of anything else
	// Pieces the normalizer adds.
	tokList // a collapsed list of literals: "(?)"
	tokRows // VALUES rows dropped because they repeat the first one
)

// scanner is sqlsight's own reading of a statement: the boundaries of
// literals, comments and quoted names, per dialect. It never allocates and
// reads each byte a bounded number of times. Where a text can be read in
// more than one way (a comment inside a comment, a literal syntax it does
// not know, an unterminated string, a backslash whose meaning depends on a
// server setting), it says so in doubt or ambiguous, and Parse redacts the
// whole text rather than trust one reading.
type scanner struct {
	q   string
	d   Dialect
	pos int
	// escapes selects the reading of plain strings: backslash escapes
	// (MySQL's default, PostgreSQL with standard_conforming_strings off) or
	// not (NO_BACKSLASH_ESCAPES, standard SQL).
	escapes bool
	// ambiguous is set when a string whose end may depend on that reading
	// holds a backslash: the other reading must be compared.
	ambiguous bool
	// doubt is set when the text cannot be read with certainty.
	doubt bool
	// bounds hashes every token's kind and end, to compare readings, when
	// trackBounds is set.
	bounds      uint64
	trackBounds bool
}

func newScanner(q string, d Dialect) scanner {
	return scanner{q: q, d: d, escapes: d == MySQL || d == ""}
}

// backslashMatters reports whether d has plain strings whose end depends on
// a server setting about backslashes.
func backslashMatters(d Dialect) bool { return d != SQLite }

// Byte classes, looked up in one table: the scanner's inner loops run on
// every execution (ShapeKey).
const (
	clsSpace = 1 << iota
	clsDigit
	clsLetter
	clsWord // continues an unquoted name: letters, digits, '_', '$', non-ASCII
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v':
			t[c] = clsSpace
		case '0' <= b && b <= '9':
			t[c] = clsDigit | clsWord
		case 'a' <= b|0x20 && b|0x20 <= 'z':
			t[c] = clsLetter | clsWord
		case b == '_' || b == '$' || b >= 0x80:
			t[c] = clsWord
		}
	}
	return t
}()

func isSpace(c byte) bool { return byteClass[c]&clsSpace != 0 }

func isDigit(c byte) bool { return byteClass[c]&clsDigit != 0 }

func isLetter(c byte) bool { return byteClass[c]&clsLetter != 0 }

// isWordByte reports whether c continues an unquoted name (or a number,
// which is then not one the scanner knows).
func isWordByte(c byte) bool { return byteClass[c]&clsWord != 0 }

func (s *scanner) isWordStart(c byte) bool {
	return isLetter(c) || c == '_' || c >= 0x80 || c == '$' && s.d == MySQL
}

// next returns the next token: its kind and its bounds in the text.
func (s *scanner) next() (tokKind, int, int) {
	k, start, end := s.read()
	s.pos = end
	if s.trackBounds {
		s.bounds = (s.bounds^uint64(end)<<4^uint64(k))*1099511628211 + 1
	}
	return k, start, end
}

func (s *scanner) read() (tokKind, int, int) {
	q, i, n := s.q, s.pos, len(s.q)
	if i >= n {
		return tokEOF, n, n
	}
	c := q[i]
	var next byte
	if i+1 < n {
		next = q[i+1]
	}
	switch {
	case isSpace(c):
		j := i + 1
		for j < n && isSpace(q[j]) {
			j++
		}
		return tokSpace, i, j
	case c == '-' && next == '-':
		// MySQL needs a space or control character after "--": "a--1" is
		// a minus minus one. Not worth modelling: doubt it.
		if s.d == MySQL && i+2 < n && q[i+2] > ' ' {
			s.doubt = true
			return tokPunct, i, i + 1
		}
		return tokComment, i, lineEnd(q, i)
	case c == '#' && s.d == MySQL:
		return tokComment, i, lineEnd(q, i)
	case c == '/' && next == '*':
		j := strings.Index(q[i+2:], "*/")
		if j < 0 {
			s.doubt = true
			return tokComment, i, n
		}
		// PostgreSQL nests comments, the others do not: a "/*" inside one
		// (including the one that "/*/" makes) is read two ways.
		if strings.Contains(q[i+2:i+2+j+1], "/*") {
			s.doubt = true
		}
		return tokComment, i, i + 2 + j + 2
	case c == '\'':
		return tokLiteral, i, s.quoted(i, '\'', s.escapes && backslashMatters(s.d), backslashMatters(s.d))
	case c == '"':
		if s.d == MySQL { // a string unless ANSI_QUOTES: a literal either way
			return tokLiteral, i, s.quoted(i, '"', s.escapes, true)
		}
		end := s.quoted(i, '"', false, false)
		// SQLite reads "x" as a string when no column is named x (a
		// misfeature applications rely on: WHERE email = "a@b.c"). A quoted
		// text that is not a plain name is taken for a literal.
		if s.d == SQLite && end > i+1 && !plainName(q[i+1:end-1]) {
			return tokLiteral, i, end
		}
		return tokQuoted, i, end
	case c == '`' && s.d != PostgreSQL:
		return tokQuoted, i, s.quoted(i, '`', false, false)
	case c == '[' && s.d == SQLite:
		j := strings.IndexByte(q[i+1:], ']')
		if j < 0 {
			s.doubt = true
			return tokQuoted, i, n
		}
		return tokQuoted, i, i + 1 + j + 1
	case c == '$' && s.d != MySQL:
		return s.dollar(i)
	case isDigit(c) || c == '.' && isDigit(next) && (i == 0 || !isWordByte(q[i-1])):
		return tokLiteral, i, s.number(i)
	case (c == '-' || c == '+') && (isDigit(next) || next == '.' && i+2 < n && isDigit(q[i+2])):
		// A sign written against a number belongs to it, as in the
		// OpenTelemetry examples (SELECT -12 → SELECT ?).
		return tokLiteral, i, s.number(i + 1)
	case s.isWordStart(c):
		j := i + 1
		for j < n && isWordByte(q[j]) {
			j++
		}
		if j < n && q[j] == '\'' {
			if escapes, ambiguous, ok := s.stringPrefix(q[i:j]); ok {
				return tokLiteral, i, s.quoted(j, '\'', escapes, ambiguous)
			}
		}
		// PostgreSQL's Unicode string U&'...': no backslash escapes of the
		// usual kind, quotes doubled.
		if j == i+1 && c|0x20 == 'u' && j+1 < n && q[j] == '&' && q[j+1] == '\'' && s.d != MySQL && s.d != SQLite {
			return tokLiteral, i, s.quoted(j+1, '\'', false, false)
		}
		return tokWord, i, j
	}
	return tokPunct, i, i + 1
}

// stringPrefix reports whether w written against a quote makes one literal
// with it (N'x', E'x', X'0A', B'01', MySQL's _utf8mb4'x'), and whether that
// string takes backslash escapes in this reading, and whether that depends
// on the server.
func (s *scanner) stringPrefix(w string) (escapes, ambiguous, ok bool) {
	plain := backslashMatters(s.d)
	if len(w) == 1 {
		switch w[0] | 0x20 {
		case 'e':
			switch s.d {
			case PostgreSQL:
				return true, false, true // always escapes
			case "":
				return s.escapes, true, true
			}
		case 'n', 'x', 'b':
			return s.escapes && plain, plain, true
		}
		return false, false, false
	}
	if w[0] == '_' { // a character set introducer
		return s.escapes && plain, plain, true
	}
	return false, false, false
}

// plainName reports whether s could be a name written without quotes
// (letters, digits, '_', '$', non-ASCII), not starting with a digit.
func plainName(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

func lineEnd(q string, i int) int {
	if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(q)
}

// quoted returns the end of the quoted text opened at i. escapes says
// whether a backslash escapes the next byte; mayBeEscaped whether that
// depends on the server (a backslash then makes the reading ambiguous).
func (s *scanner) quoted(i int, quote byte, escapes, mayBeEscaped bool) int {
	q, n := s.q, len(s.q)
	for j := i + 1; j < n; j++ {
		c := q[j]
		if c == '\\' {
			if mayBeEscaped {
				s.ambiguous = true
			}
			if escapes {
				j++
				continue
			}
		}
		if c == quote {
			if j+1 < n && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	s.doubt = true // unterminated
	return n
}

// dollar reads what starts with '$' outside MySQL: a positional parameter
// ($1), a PostgreSQL dollar-quoted string ($$...$$, $tag$...$tag$), or an
// SQLite parameter ($name).
func (s *scanner) dollar(i int) (tokKind, int, int) {
	q, n := s.q, len(s.q)
	j := i + 1
	if j < n && isDigit(q[j]) {
		for j < n && isDigit(q[j]) {
			j++
		}
		return tokParam, i, j
	}
	for j < n && (isLetter(q[j]) || q[j] == '_' || q[j] >= 0x80 || j > i+1 && isDigit(q[j])) {
		j++
	}
	if s.d != SQLite && j < n && q[j] == '$' && (i == 0 || !isWordByte(q[i-1])) {
		tag := q[i : j+1]
		m := strings.Index(q[j+1:], tag)
		if m < 0 {
			s.doubt = true
			return tokLiteral, i, n
		}
		return tokLiteral, i, j + 1 + m + len(tag)
	}
	if j == i+1 {
		return tokPunct, i, j
	}
	return tokParam, i, j
}

// number returns the end of the number starting at i. A run of name bytes
// that is not a number the scanner knows (1abc, 0b12, 0x) is doubted: a
// MySQL name may start with digits, and a literal must never pass as one.
func (s *scanner) number(i int) int {
	q, n := s.q, len(s.q)
	j := i
	if q[j] == '0' && j+1 < n && strings.IndexByte("xXbBoO", q[j+1]) >= 0 {
		k := j + 2
		for k < n && isWordByte(q[k]) {
			k++
		}
		digits := 0
		for _, c := range []byte(q[j+2 : k]) {
			switch {
			case c == '_':
			case validDigit(q[j+1]|0x20, c):
				digits++
			default:
				s.doubt = true
			}
		}
		if digits == 0 {
			s.doubt = true
		}
		return k
	}
	for j < n && (isDigit(q[j]) || q[j] == '_') {
		j++
	}
	if j < n && q[j] == '.' {
		j++
		for j < n && (isDigit(q[j]) || q[j] == '_') {
			j++
		}
	}
	if j < n && q[j]|0x20 == 'e' {
		k := j + 1
		if k < n && (q[k] == '+' || q[k] == '-') {
			k++
		}
		if k < n && isDigit(q[k]) {
			j = k
			for j < n && (isDigit(q[j]) || q[j] == '_') {
				j++
			}
		}
	}
	if j < n && isWordByte(q[j]) {
		s.doubt = true
		for j < n && isWordByte(q[j]) {
			j++
		}
	}
	return j
}

func validDigit(base, c byte) bool {
	switch base {
	case 'x':
		return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f'
	case 'b':
		return c == '0' || c == '1'
	case 'o':
		return '0' <= c && c <= '7'
	}
	return false
}

// doubtful reads the whole text and reports whether it cannot be read with
// certainty: s is a scanner that has read it to the end.
func doubtful(s *scanner) bool {
	if s.doubt {
		return true
	}
	if !s.ambiguous {
		return false
	}
	// Read it again both ways (the first pass may have skipped tokens) and
	// compare where every token ends.
	a, b := newScanner(s.q, s.d), newScanner(s.q, s.d)
	b.escapes = !a.escapes
	a.trackBounds, b.trackBounds = true, true
	for {
		if k, _, _ := a.next(); k == tokEOF {
			break
		}
	}
	for {
		if k, _, _ := b.next(); k == tokEOF {
			break
		}
	}
	return a.doubt || b.doubt || a.bounds != b.bounds
}
