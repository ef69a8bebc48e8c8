package process

import (
	"fmt"
	"math"
	"os"
	"sync"

	gprocess "github.com/shirou/gopsutil/v4/process"
)

// self is this process as gopsutil sees it, created on first use; the
// sampler reads its resident set size.
var self = sync.OnceValues(func() (*gprocess.Process, error) {
	pid := os.Getpid()
	if pid < 0 || pid > math.MaxInt32 {
		return nil, fmt.Errorf("sqlsight/exporters/process: process id %d out of range", pid)
	}
	return gprocess.NewProcess(int32(pid))
})
