package faults

import (
	"io"
	"log"
	"testing"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/goleak"
)

// TestMain fails the tests when a goroutine outlives them: after a fault,
// closing the database must still stop everything the wrapper started.
func TestMain(m *testing.M) {
	// go-sql-driver/mysql logs every connection the faults break.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
	goleak.VerifyTestMain(m)
}
