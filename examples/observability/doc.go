// Package observability holds no code: the folder is a ready-to-run
// observability stack for sqlsight (docker-compose.yaml with an
// OpenTelemetry Collector, Jaeger v2, Grafana Tempo, Prometheus with
// sqlsight's alerting rules, and Grafana with a provisioned dashboard).
// See README.md.
//
// Its tests check the configuration without Docker: the files the compose
// mounts exist, the dashboard's and the rules' PromQL name only metrics that
// sqlsight exports (as the collector's prometheus exporter names them),
// promtool accepts and unit-tests the rules when it is on PATH, and, with
// SQLSIGHT_JAEGER_BIN set (scripts/jaeger/build.sh: Jaeger v2 is built on
// the collector and carries its prometheus exporter), the collector
// configuration validates and serves those metric names for a real run.
package observability
