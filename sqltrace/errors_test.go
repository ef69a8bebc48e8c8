package sqltrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"testing"
)

type codedError struct{ code int }

func (e *codedError) Error() string { return "sqlite error" }
func (e *codedError) Code() int     { return e.code }

type privateError struct{}

func (privateError) Error() string { return "private" }

func TestErrorTypeIsLowCardinality(t *testing.T) {
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"plain errors.New", errors.New("pq: could not complete operation 4711"), "_OTHER"},
		{"fmt.Errorf without a cause", fmt.Errorf("expected %d arguments, got %d", 2, 1), "_OTHER"},
		{"fmt.Errorf around a plain error", fmt.Errorf("encode: %w", errors.New("x")), "_OTHER"},
		{"errors.Join of plain errors", errors.Join(errors.New("a"), errors.New("b")), "_OTHER"},
		{"unexported value type", privateError{}, "_OTHER"},
		{"wrapped deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), "context.DeadlineExceeded"},
		{"canceled", context.Canceled, "context.Canceled"},
		{"bad connection", fmt.Errorf("x: %w", driver.ErrBadConn), "driver.ErrBadConn"},
		{"transaction done", sql.ErrTxDone, "sql.ErrTxDone"},
		{"status code first", fmt.Errorf("q: %w", &codedError{code: 19}), "19"},
		{"exported type", opErr, "*net.OpError"},
		{"exported type under a wrapper", fmt.Errorf("connect: %w", opErr), "*net.OpError"},
		{"canceled wins over the network error", fmt.Errorf("%w: %w", opErr, context.Canceled), "context.Canceled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := errorType(c.err); got != c.want {
				t.Errorf("errorType(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
}
