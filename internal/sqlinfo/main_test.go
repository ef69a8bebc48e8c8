package sqlinfo

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them:
// parsing and the cache start none.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
