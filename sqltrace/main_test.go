package sqltrace_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them:
// closing a wrapped database stops its EXPLAIN sampler and releases its connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
