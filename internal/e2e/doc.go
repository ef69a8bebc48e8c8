// Package e2e holds sqlsight's end-to-end tests: traces produced through
// exporters.Setup, sent over OTLP to a real backend, read back from it.
//
// The Jaeger test needs the Jaeger v2 binary built by scripts/jaeger:
//
//	SQLSIGHT_JAEGER_BIN=$(scripts/jaeger/build.sh) go test ./internal/e2e/
//
// Without SQLSIGHT_JAEGER_BIN it skips.
package e2e
