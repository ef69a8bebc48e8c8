package deps

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden are the import-path prefixes an instrumentation package must
// not depend on, directly or not.
var (
	sdk      = "go.opentelemetry.io/otel/sdk"
	gopsutil = "github.com/shirou/gopsutil"
	contrib  = "go.opentelemetry.io/contrib"
)

func TestInstrumentationNeedsOnlyTheAPI(t *testing.T) {
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"./sqltrace", []string{sdk, gopsutil, contrib}},
		{"./explain", []string{sdk, gopsutil, contrib}},
		{"./resource", []string{sdk, gopsutil, contrib}},
		// sqltracetest records spans and metrics in memory with the SDK;
		// it is still imported by users' tests, so nothing heavier.
		{"./sqltrace/sqltracetest", []string{gopsutil, contrib}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, dep := range listDeps(t, tt.pkg) {
				for _, prefix := range tt.forbidden {
					if dep == prefix || strings.HasPrefix(dep, prefix+"/") {
						t.Errorf("%s depends on %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}

// listDeps runs `go list -deps` from the module root.
func listDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to list dependencies with")
	}
	cmd := exec.Command(goTool, "list", "-deps", pkg)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatalf("go list -deps %s listed nothing", pkg)
	}
	return deps
}
