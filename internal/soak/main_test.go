package soak

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the soak when a goroutine outlives it: closing the
// databases stops their samplers and connections, shutting the providers
// down stops the batch processor.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
