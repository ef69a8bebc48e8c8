package bench

import (
	"strconv"
	"testing"
)

// BenchmarkFake runs every operation, sampling and wrapper on the fake
// driver from one goroutine.
func BenchmarkFake(b *testing.B) {
	for _, op := range Ops {
		b.Run("op="+op.Name, func(b *testing.B) {
			for _, s := range Samplings {
				b.Run("sampling="+s.Name, func(b *testing.B) {
					for _, w := range Selected(Wrappers) {
						b.Run("wrapper="+w.Name, func(b *testing.B) { benchSerial(b, w, s, op) })
					}
				})
			}
		})
	}
}

// BenchmarkFakeNoopMeter runs every operation unsampled with the API's no-op
// meter provider: the wrappers' own cost when neither spans nor metrics are
// recorded.
func BenchmarkFakeNoopMeter(b *testing.B) {
	for _, op := range Ops {
		b.Run("op="+op.Name, func(b *testing.B) {
			for _, s := range []Sampling{UnsampledNoopMeter, UnsampledParentNoopMeter} {
				b.Run("sampling="+s.Name, func(b *testing.B) {
					for _, w := range Selected(Wrappers) {
						b.Run("wrapper="+w.Name, func(b *testing.B) { benchSerial(b, w, s, op) })
					}
				})
			}
		})
	}
}

// BenchmarkFakeParallel runs the one-statement operations from GOMAXPROCS
// goroutines and from maxGoroutines, for contention in the wrappers'
// caches, trackers and the SDK.
func BenchmarkFakeParallel(b *testing.B) {
	for _, op := range []Op{QueryRow, Exec} {
		b.Run("op="+op.Name, func(b *testing.B) {
			for _, s := range []Sampling{SampledParent, UnsampledParent} {
				b.Run("sampling="+s.Name, func(b *testing.B) {
					for _, g := range []int{0, maxGoroutines} {
						name := "gomaxprocs"
						if g > 0 {
							name = strconv.Itoa(g)
						}
						b.Run("goroutines="+name, func(b *testing.B) {
							for _, w := range Selected(Wrappers) {
								b.Run("wrapper="+w.Name, func(b *testing.B) { benchParallel(b, w, s, op, g) })
							}
						})
					}
				})
			}
		})
	}
}

// distinctTexts is how many texts cycle in the cache-miss variant: more
// than any per-text cache should hold by default.
const distinctTexts = 10000

// BenchmarkFakeQueryTexts runs QueryRow with one text repeated (every
// per-text cache hits) and with distinctTexts texts cycling (they miss).
func BenchmarkFakeQueryTexts(b *testing.B) {
	many := DistinctTexts(distinctTexts)
	for _, texts := range [][]string{many[:1], many} {
		b.Run("texts="+strconv.Itoa(len(texts)), func(b *testing.B) {
			for _, s := range []Sampling{SampledParent, UnsampledParent} {
				b.Run("sampling="+s.Name, func(b *testing.B) {
					for _, w := range Selected(Wrappers) {
						b.Run("wrapper="+w.Name, func(b *testing.B) { benchSerial(b, w, s, QueryText(texts)) })
					}
				})
			}
		})
	}
}
