package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them:
// the demo closes its database and flushes its exporters.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
