package explainer

// Options of index advice: key lookups and the hypopg check.

// Defaults of index advice (explain's option docs state them to users).
const (
	// DefaultKeyLookupRows is the row estimate from which an index read that
	// fetches rows from the table is reported as key_lookups.
	DefaultKeyLookupRows = 1000.0
	// DefaultSuggestionMinCostDrop is the share of the estimated cost a
	// hypothetical index must save for its suggestion to be verified.
	DefaultSuggestionMinCostDrop = 0.5
)

// adviceConfig holds the advice options; zero values mean the defaults, so
// that config needs no initialisation for them.
type adviceConfig struct {
	keyLookupRows float64 // 0: default; negative: 0 rows
	minCostDrop   float64 // 0: default
}

func (c *config) keyLookupRows() float64 {
	switch r := c.advice.keyLookupRows; {
	case r == 0:
		return DefaultKeyLookupRows
	case r < 0:
		return 0
	default:
		return r
	}
}

func (c *config) minCostDrop() float64 {
	if c.advice.minCostDrop == 0 {
		return DefaultSuggestionMinCostDrop
	}
	return c.advice.minCostDrop
}

// WithKeyLookupRows is explain.WithKeyLookupRows, documented there.
func WithKeyLookupRows(rows float64) AnalyzeOption {
	return analyzeOptionFunc(func(c *config) {
		switch {
		case rows > 0:
			c.advice.keyLookupRows = rows
		case rows == 0:
			c.advice.keyLookupRows = -1
		}
	})
}

// WithSuggestionMinCostDrop is explain.WithSuggestionMinCostDrop, documented there.
func WithSuggestionMinCostDrop(share float64) Option {
	return optionFunc(func(c *config) {
		if share > 0 && share <= 1 {
			c.advice.minCostDrop = share
		}
	})
}
