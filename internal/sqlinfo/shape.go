package sqlinfo

import "hash/maphash"

var shapeSeed = maphash.MakeSeed()

// ShapeKey returns a literal-blind key of query: texts that differ only in
// their literal values (numbers, strings, the length of a list of literals
// after IN, the number of VALUES rows beyond the first that repeat its
// shape) have the same key, and texts with the same key have the same
// Parse result in Fingerprint, Sanitized, Redacted, Summary, Operation,
// Collection, Tables, Kind, InColumns, SingleRowWrite, Catalog, DDLTables,
// DDLAllTables, Functions and UnnamedCall. Whitespace and
// names count as written (Sanitized keeps them). A text Parse would redact
// is keyed by all its bytes.
//
// It is one pass over the text that allocates nothing, meant to run before
// (and instead of) Parse on every execution.
func ShapeKey(query string, d Dialect) uint64 {
	shape, _ := shapeAndValues(query, d, false)
	return shape
}

// ShapeAndValues returns ShapeKey(query, d) and a hash of the literal
// values the shape leaves out: two executions of one shape with the same
// values hash the same. For a text Parse would redact, values hashes the
// whole text. Like ShapeKey, it allocates nothing.
func ShapeAndValues(query string, d Dialect) (shape, values uint64) {
	return shapeAndValues(query, d, true)
}

func shapeAndValues(query string, d Dialect, withValues bool) (uint64, uint64) {
	var h, v maphash.Hash
	h.SetSeed(shapeSeed)
	h.WriteString(string(d))
	h.WriteByte(0)
	if withValues {
		v.SetSeed(shapeSeed)
	}
	// Code between two skipped pieces is hashed as one run of source bytes
	// (with its length, so the encoding is prefix-free): the sanitized and
	// analysed texts are those bytes too.
	n := newNormalizer(query, d)
	run := 0
	for {
		k, a, b := n.next()
		if k == tokEOF {
			break
		}
		switch k {
		case tokLiteral, tokList, tokRows, tokComment:
			writeLen(&h, a-run)
			h.WriteString(query[run:a])
			h.WriteByte(byte(k))
			run = b
			if withValues && k != tokComment {
				writeLen(&v, b-a)
				v.WriteString(query[a:b])
			}
		}
	}
	writeLen(&h, len(query)-run)
	h.WriteString(query[run:])
	if doubtful(&n.sc) {
		var r maphash.Hash
		r.SetSeed(shapeSeed)
		r.WriteString(string(d))
		r.WriteByte(1) // never equal to a structured key's prefix
		r.WriteString(query)
		sum := r.Sum64()
		return sum, sum
	}
	return h.Sum64(), v.Sum64()
}

// writeLen makes the encoding of pieces prefix-free, so that two different
// piece sequences never hash the same bytes.
func writeLen(h *maphash.Hash, n int) {
	for n >= 0x80 {
		h.WriteByte(byte(n) | 0x80)
		n >>= 7
	}
	h.WriteByte(byte(n))
}
