package exporters

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// palette wraps text in ANSI escapes, or returns it unchanged when colour is
// off, so the renderer never branches on colour itself.
type palette struct{ on bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func (p palette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p palette) name(s string) string       { return p.wrap(ansiBold, s) }
func (p palette) dim(s string) string        { return p.wrap(ansiDim, s) }
func (p palette) count(s string) string      { return p.wrap(ansiBold+ansiCyan, s) }
func (p palette) finding(s string) string    { return p.wrap(ansiYellow, s) }
func (p palette) suggestion(s string) string { return p.wrap(ansiBold+ansiGreen, s) }
func (p palette) failure(s string) string    { return p.wrap(ansiRed, s) }

// fdWriter is what *os.File offers to tell whether it is a terminal.
type fdWriter interface {
	Fd() uintptr
}

// colorFor reports whether output to w should be coloured: only when w is a
// terminal, and never when NO_COLOR is set (https://no-color.org) or the
// terminal is "dumb".
func colorFor(w io.Writer) bool {
	f, ok := w.(fdWriter)
	if !ok {
		return false
	}
	if _, set := os.LookupEnv("NO_COLOR"); set || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
