package explainer

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them:
// every sampler, worker and pool the tests start is stopped by Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
