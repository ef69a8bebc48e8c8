package conformance

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine outlives them: every database
// the cases open, raw or wrapped, is closed, and closing a wrapped one
// stops its EXPLAIN sampler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
