package resource

import (
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/shirou/gopsutil/v4/process"
)

// self is this process as gopsutil sees it, created on first use and shared
// by the sampler and, off unix, by Take.
var self = sync.OnceValues(func() (*process.Process, error) {
	pid := os.Getpid()
	if pid < 0 || pid > math.MaxInt32 {
		return nil, fmt.Errorf("sqlsight/resource: process id %d out of range", pid)
	}
	return process.NewProcess(int32(pid))
})
