// Package deps holds no code: its test checks the module's dependency rule,
// that the instrumentation packages need only the OpenTelemetry API. An
// application chooses the SDK, the exporters and the process metrics; a
// library that pulls them in forces them on every user.
package deps
