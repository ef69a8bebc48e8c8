package sqlinfo

import "hash/maphash"

var shapeSeed = maphash.MakeSeed()

// ShapeKey returns a literal-blind key of query: texts that differ only in
// their literal values (numbers, strings, literal lists) have the same key,
// and texts with the same key have the same Info apart from nothing that
// depends on literal values (fingerprint, sanitized text, summary, tables).
//
// It is a placeholder with the right contract: it parses the text. The
// allocation-free single pass replaces it.
func ShapeKey(query string, d Dialect) uint64 {
	info := Parse(query, d)
	return maphash.String(shapeSeed, info.Fingerprint+" "+info.Sanitized)
}
