//go:build tools

// Package jaeger pins the Jaeger v2 all-in-one binary used by sqlsight's
// end-to-end test. It is its own module so that Jaeger's large dependency
// graph never enters the sqlsight module; build.sh builds the binary from it.
package jaeger

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
