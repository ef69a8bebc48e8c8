package explainer

import "errors"

var (
	// ErrUnsafe is returned (wrapped, with the reason) for a statement that
	// explain refuses to run: not a SELECT, UPDATE, DELETE or
	// INSERT ... SELECT, more than one statement (as read by explain, or as
	// found by SQLite when it compiled the text), or a text it cannot read
	// with certainty. A second statement found by a MySQL or PostgreSQL
	// server comes back as the server's own error.
	ErrUnsafe = errors.New("explain: statement not safe to explain")
	// ErrMissingArgs is returned when the statement has placeholders but no
	// arguments were captured, and the server offers no generic plan.
	ErrMissingArgs = errors.New("explain: statement has placeholders but no arguments")
	// ErrUnknownDialect is returned when the database family cannot be told
	// from the driver or the server.
	ErrUnknownDialect = errors.New("explain: unknown database dialect")
	// ErrNoPlan is returned when the database returned no plan at all.
	ErrNoPlan = errors.New("explain: no plan returned")
	// ErrTooLarge is returned for a statement whose text and arguments
	// exceed the size explain copies and holds in its queue.
	ErrTooLarge = errors.New("explain: statement too large")
	// ErrInternal is returned when explain itself failed on a statement or
	// a plan (a bug, recovered so that it never takes the host down).
	ErrInternal = errors.New("explain: internal error")
)
