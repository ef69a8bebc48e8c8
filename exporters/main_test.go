package exporters

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain proves that shutdown stops everything Setup and the exporters
// started: batch processors, periodic readers, gRPC connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
