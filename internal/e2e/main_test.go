package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the end-to-end tests when a goroutine outlives them:
// shutting the exporters down must close their gRPC connections, and
// closing the database must stop its EXPLAIN sampler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
