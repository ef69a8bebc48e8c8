package sqlinfo

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// literalTexts build statements of n literals in the forms whose prefix
// once made the sanitizer copy its output for every literal.
var literalTexts = []struct {
	name    string
	dialect Dialect
	build   func(n int) string
}{
	{"hex list", MySQL, func(n int) string {
		return "SELECT * FROM t WHERE id IN (" + strings.Repeat("X'00',", n-1) + "X'00')"
	}},
	{"prefixed or-chain", MySQL, func(n int) string {
		return "SELECT * FROM t WHERE a = 1" + strings.Repeat(" OR a = N'x' OR b = _utf8'y' OR c = .5 OR d = X'0A'", n/4)
	}},
	{"escape strings", PostgreSQL, func(n int) string {
		return "SELECT * FROM t WHERE a = 1" + strings.Repeat(" OR a = E'x'", n)
	}},
	{"values rows", MySQL, func(n int) string {
		return "INSERT INTO t (a, b) VALUES (1, 'a')" + strings.Repeat(", (2, 'b')", n/2)
	}},
}

// allocatedBytes returns the bytes f allocates.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseLinear doubles the number of literals and bounds the growth of
// the work, measured as bytes allocated (a proxy that does not depend on
// the machine's load): linear work doubles, quadratic work quadruples.
func TestParseLinear(t *testing.T) {
	for _, lt := range literalTexts {
		t.Run(lt.name, func(t *testing.T) {
			small, large := lt.build(20000), lt.build(40000)
			a := allocatedBytes(func() { Parse(small, lt.dialect) })
			b := allocatedBytes(func() { Parse(large, lt.dialect) })
			if ratio := float64(b) / float64(a); ratio > 2.6 {
				t.Errorf("doubling the literals multiplied the bytes allocated by %.2f (%d → %d)", ratio, a, b)
			}
			if per := b / uint64(len(large)); per > 256 {
				t.Errorf("%d bytes allocated per byte of text", per)
			}
		})
	}
}

// TestShapeKeyAllocatesNothing: ShapeKey runs on every execution.
func TestShapeKeyAllocatesNothing(t *testing.T) {
	for _, lt := range literalTexts {
		q := lt.build(1000)
		if n := testing.AllocsPerRun(10, func() { ShapeAndValues(q, lt.dialect) }); n != 0 {
			t.Errorf("%s: %v allocations", lt.name, n)
		}
	}
}

func BenchmarkParseLiterals(b *testing.B) {
	// The 480 KB statement of 80,000 literals, and the 40,000 X'00' one.
	for _, c := range []struct {
		name    string
		dialect Dialect
		query   string
	}{
		{"480KB_80000_hex_list", MySQL, literalTexts[0].build(80000)},
		{"40000_hex", MySQL, literalTexts[0].build(40000)},
		{"80000_prefixed_or_chain", MySQL, literalTexts[1].build(80000)},
		{"80000_values_rows", MySQL, literalTexts[3].build(80000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.query)))
			b.ReportAllocs()
			for b.Loop() {
				Parse(c.query, c.dialect)
			}
		})
	}
}

func BenchmarkShapeKey(b *testing.B) {
	base := "SELECT r.id, r.title, r.body FROM review r JOIN item i ON i.id = r.item_id WHERE r.author = 'someone' AND r.id = 12345 "
	for _, size := range []int{100, 1 << 10, 100 << 10} {
		q := base
		for len(q) < size {
			q += "AND r.score > 3.5 AND r.flag = 'y' "
		}
		q = q[:size]
		b.Run(byteSize(size), func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			b.ReportAllocs()
			for b.Loop() {
				ShapeKey(q, MySQL)
			}
		})
	}
}

func byteSize(n int) string {
	if n >= 1<<10 {
		return strconv.Itoa(n>>10) + "KB"
	}
	return strconv.Itoa(n) + "B"
}
