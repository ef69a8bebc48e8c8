package process

import (
	"context"

	sdkresource "go.opentelemetry.io/otel/sdk/resource"
)

// NewResource returns the OpenTelemetry resource that describes this process, built
// from the SDK's own detectors, in this order (later ones win):
//
//   - service.name (unknown_service:<executable> by default) and a random
//     service.instance.id;
//   - telemetry.sdk.*, host.name, os.type and os.description,
//     container.id when running in one;
//   - process.pid, process.executable.name and .path, process.owner and
//     process.runtime.*;
//   - OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME;
//   - opts, so that settings made in code take precedence.
//
// The process command line is left out on purpose: it often carries DSNs
// and passwords. Add it, or host.id, with opts
// (sdkresource.WithProcessCommandArgs, sdkresource.WithHostID) if wanted.
//
// Like sdkresource.New, NewResource may return a usable resource together with an
// error when a detector fails (see sdkresource.ErrPartialResource); the
// error is returned unchanged.
func NewResource(ctx context.Context, opts ...sdkresource.Option) (*sdkresource.Resource, error) {
	all := make([]sdkresource.Option, 0, 13+len(opts))
	all = append(all,
		sdkresource.WithService(),
		sdkresource.WithTelemetrySDK(),
		sdkresource.WithHost(),
		sdkresource.WithOS(),
		sdkresource.WithContainer(),
		sdkresource.WithProcessPID(),
		sdkresource.WithProcessExecutableName(),
		sdkresource.WithProcessExecutablePath(),
		sdkresource.WithProcessOwner(),
		sdkresource.WithProcessRuntimeName(),
		sdkresource.WithProcessRuntimeVersion(),
		sdkresource.WithProcessRuntimeDescription(),
		sdkresource.WithFromEnv(),
	)
	return sdkresource.New(ctx, append(all, opts...)...)
}
