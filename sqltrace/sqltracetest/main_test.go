package sqltracetest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them:
// the recorder and the require helpers start none.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
