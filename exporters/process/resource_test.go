package process

import (
	"context"
	"os"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

func TestNewResource(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		opts        []sdkresource.Option
		wantService string // "unknown_service:" checks the prefix only
		want        []attribute.KeyValue
		absent      []attribute.Key
	}{
		{
			name:        "default service name",
			wantService: "unknown_service:",
		},
		{
			name:        "OTEL_SERVICE_NAME",
			env:         map[string]string{"OTEL_SERVICE_NAME": "rs-checkout"},
			wantService: "rs-checkout",
		},
		{
			name: "OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES",
			env: map[string]string{
				"OTEL_SERVICE_NAME":        "rs-checkout",
				"OTEL_RESOURCE_ATTRIBUTES": "service.name=rs-other,deployment.environment.name=rs-test",
			},
			wantService: "rs-checkout",
			want:        []attribute.KeyValue{attribute.String("deployment.environment.name", "rs-test")},
		},
		{
			name:        "options in code win over the environment",
			env:         map[string]string{"OTEL_SERVICE_NAME": "rs-checkout"},
			opts:        []sdkresource.Option{sdkresource.WithAttributes(semconv.ServiceName("rs-code"))},
			wantService: "rs-code",
		},
		{
			name:        "command line only when asked for",
			opts:        []sdkresource.Option{sdkresource.WithProcessCommandArgs()},
			wantService: "unknown_service:",
			want:        []attribute.KeyValue{semconv.ProcessCommandArgs(os.Args...)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", "")
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			res, err := NewResource(context.Background(), tt.opts...)
			if err != nil {
				t.Fatalf("NewResource: %v", err)
			}
			set := res.Set()
			value := func(k attribute.Key) (attribute.Value, bool) { return set.Value(k) }

			svc, _ := value(semconv.ServiceNameKey)
			if tt.wantService == "unknown_service:" {
				if !strings.HasPrefix(svc.AsString(), tt.wantService) {
					t.Errorf("service.name = %q, want prefix %q", svc.AsString(), tt.wantService)
				}
			} else if svc.AsString() != tt.wantService {
				t.Errorf("service.name = %q, want %q", svc.AsString(), tt.wantService)
			}

			// Process, host and SDK attributes come from the SDK detectors.
			host, _ := os.Hostname()
			want := append([]attribute.KeyValue{
				semconv.ProcessPID(os.Getpid()),
				semconv.ProcessRuntimeName("go"),
				semconv.HostName(host),
				semconv.TelemetrySDKLanguageGo,
			}, tt.want...)
			for _, kv := range want {
				if v, ok := value(kv.Key); !ok || v != kv.Value {
					t.Errorf("%s = %v, want %v", kv.Key, v.Emit(), kv.Value.Emit())
				}
			}
			for _, k := range []attribute.Key{
				semconv.ServiceInstanceIDKey, semconv.ProcessExecutableNameKey,
				semconv.ProcessRuntimeVersionKey, semconv.OSTypeKey,
			} {
				if _, ok := value(k); !ok {
					t.Errorf("missing %s", k)
				}
			}
			absent := tt.absent
			if tt.opts == nil {
				absent = append(absent, semconv.ProcessCommandArgsKey)
			}
			for _, k := range absent {
				if v, ok := value(k); ok {
					t.Errorf("%s = %v, want it absent", k, v.Emit())
				}
			}
		})
	}
}
