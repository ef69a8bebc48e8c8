package sqltrace

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Detector defaults.
const (
	DefaultNPlusOneThreshold      = 5
	DefaultRepeatedWriteThreshold = 5
)

var argsSeed = maphash.MakeSeed()

// hashArgs hashes argument values so that executions can be compared
// without keeping the values.
func hashArgs(args []driver.NamedValue) uint64 {
	if len(args) == 0 {
		return 0
	}
	var h maphash.Hash
	h.SetSeed(argsSeed)
	var buf [8]byte
	for _, a := range args {
		switch v := a.Value.(type) {
		case nil:
			h.WriteByte(0)
		case int64:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.WriteByte(1)
			h.Write(buf[:])
		case float64:
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.WriteByte(2)
			h.Write(buf[:])
		case bool:
			if v {
				h.WriteByte(3)
			} else {
				h.WriteByte(4)
			}
		case string:
			h.WriteByte(5)
			h.WriteString(v)
		case []byte:
			h.WriteByte(6)
			h.Write(v)
		case time.Time:
			binary.LittleEndian.PutUint64(buf[:], uint64(v.UnixNano()))
			h.WriteByte(7)
			h.Write(buf[:])
		default:
			// Driver-specific types (pgx arrays, ...): hash their text form.
			h.WriteByte(8)
			h.WriteString(fmt.Sprint(v))
		}
		h.WriteByte(0xff)
	}
	return h.Sum64()
}

// fingerprintHash turns the hex fingerprint into the tracker's key.
func fingerprintHash(fp string) uint64 {
	v, _ := strconv.ParseUint(fp, 16, 64)
	return v
}

var textSeed = maphash.MakeSeed()

// valuesHash is the key of an execution's values: its bound arguments and
// the literals of its text. Two executions of one fingerprint have the
// same raw text exactly when their literals are the same, so hashing the
// text (never keeping it) stands for hashing the literals. bun, and every
// application that formats values into SQL, sends WHERE id = 1, = 2, ...
// with no arguments at all. textHash is the statement cache's hash of the
// text, taken on the way in; 0 hashes it here.
func valuesHash(argsHash, textHash uint64, query string) uint64 {
	if textHash == 0 {
		textHash = maphash.String(textSeed, query)
	}
	return argsHash*0x9E3779B97F4A7C15 ^ textHash
}

// detection is the result of running the detectors on one execution.
type detection struct {
	kinds    []Kind    // kinds this execution carries (crossed now or earlier)
	deliver  []Finding // findings delivered now, once per scope
	carried  []Finding // findings delivered earlier in the scope, repeated on this span's attributes
	count    int       // executions of the fingerprint in the scope
	inScope  bool
	scope    scopeKey
	explainR vocab.Reason // reason to hand the statement to EXPLAIN, if any
}

// spanFindings are the findings whose attributes go on the span: plan
// findings first, since their suggestion (an index) is the most precise.
func (d *detection) spanFindings() []Finding {
	// detect appends plan findings first to each list.
	switch {
	case len(d.deliver) == 0:
		return d.carried
	case len(d.carried) == 0:
		return d.deliver
	}
	out := make([]Finding, 0, len(d.deliver)+len(d.carried))
	for _, plan := range []bool{true, false} {
		for _, list := range [][]Finding{d.deliver, d.carried} {
			for _, f := range list {
				if isPlanKind(f.Kind) == plan {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

func isPlanKind(k Kind) bool {
	switch k {
	case KindNPlusOne, KindRepeatedWrite, KindDuplicateQuery, KindSlowQuery:
		return false
	}
	return true
}

// detectorKinds are the detector kinds in the order they are reported.
var detectorKinds = [...]Kind{KindNPlusOne, KindRepeatedWrite, KindDuplicateQuery, KindSlowQuery}

// detect runs the N+1, repeated-write, duplicate-query and slow-query
// detectors on a finished execution, records what it wrote, and claims
// the plan findings known for its statement, once per scope.
func (r *run) detect() detection {
	var d detection
	switch r.method {
	case MethodCommit, MethodRollback:
		if scope, ok := scopeOf(r.Context); ok {
			r.conn.tracker.endTransaction(scope, r.start.UnixNano())
		}
		return d
	case MethodQuery, MethodExec:
	default:
		return d
	}
	st := r.stmt
	info := st.info
	cfg := r.conn.inst.cfg
	slow := cfg.slowThreshold > 0 && r.driverTime >= cfg.slowThreshold && r.err == nil
	catalog := isCatalog(info)
	scope, inScope := scopeOf(r.Context)

	x := execution{
		key: trackKey{scope: scope, fp: st.fpHash}, d: r.driverTime, now: r.start.UnixNano(), ok: r.err == nil, info: info,
		nPlusOne: cfg.nPlusOneThreshold, repeatedWrite: cfg.repeatedWriteThreshold, nPlusOneMin: cfg.nPlusOneMinDuration,
	}
	var wrote [4]uint64
	if r.err == nil && info.Kind != sqlinfo.KindSelect {
		x.wrote, x.allWrote = r.conn.wrote(st, wrote[:0], scope, inScope)
	}
	switch {
	case catalog:
	case info.Kind == sqlinfo.KindSelect:
		x.role = roleRead
		x.values = valuesHash(r.argsHash, r.textHash, r.query)
	case info.SingleRowWrite:
		x.role = roleSingleWrite
	}
	var plan []Finding
	if !catalog {
		var pending bool
		plan, pending = r.conn.planFindings(st)
		if pending && inScope {
			r.conn.explain.wait(info.Fingerprint, scope, trace.SpanContextFromContext(r.Context))
		}
	}
	if !inScope {
		// Without a scope nothing is counted: a slow statement is
		// delivered every time, plan findings when their verdict arrives.
		for _, f := range plan {
			d.kinds = append(d.kinds, f.Kind)
			d.carried = append(d.carried, f)
		}
		if slow {
			d.kinds = append(d.kinds, KindSlowQuery)
			d.deliver = append(d.deliver, r.finding(KindSlowQuery, 1, true))
			d.explainR = vocab.ReasonSlow
		}
		r.locate(d.deliver, nil)
		return d
	}
	d.inScope, d.scope = true, scope
	for _, f := range plan {
		x.also |= kindBit(f.Kind)
	}
	if slow {
		x.also |= kindBit(KindSlowQuery)
	}
	if x.role == roleNone && x.also == 0 {
		if len(x.wrote) > 0 || x.allWrote {
			r.conn.tracker.observe(&x)
		}
		return d
	}
	o := r.conn.tracker.observe(&x)
	d.count = o.count
	var walked *callStack
	if o.loop != "" {
		reached := o.count >= cfg.nPlusOneThreshold
		if o.loop == KindRepeatedWrite {
			reached = o.count >= cfg.repeatedWriteThreshold
		}
		walked = new(callStack)
		stack := cfg.walkLoopStack(walked, &st.loopWalk)
		hit, claimed := r.conn.tracker.sameStack(x.key, o.loop, stack, reached)
		if hit {
			o.hits.add(o.loop)
		}
		if claimed {
			o.claimed.add(o.loop)
		}
	}
	for _, f := range plan {
		d.kinds = append(d.kinds, f.Kind)
		if o.claimed.has(f.Kind) {
			d.deliver = append(d.deliver, f)
		} else {
			d.carried = append(d.carried, f)
		}
	}
	for _, k := range detectorKinds {
		if !o.hits.has(k) {
			continue
		}
		d.kinds = append(d.kinds, k)
		if o.claimed.has(k) {
			d.deliver = append(d.deliver, r.finding(k, o.count, true))
		} else if r.traced {
			// Carried findings only feed the span's attributes (kinds,
			// suggestion): an unsampled loop does not build them, and no
			// loop formats their messages.
			d.carried = append(d.carried, r.finding(k, o.count, false))
		}
	}
	switch {
	case slow:
		d.explainR = vocab.ReasonSlow
	case o.claimed.has(KindNPlusOne):
		d.explainR = vocab.ReasonNPlusOne
	case o.claimed.has(KindRepeatedWrite) && info.Kind != sqlinfo.KindInsert:
		d.explainR = vocab.ReasonRepeatedWrite
	}
	r.locate(d.deliver, walked)
	return d
}

// locate sets the location of the findings delivered now: the stack is
// walked only when something is delivered, and not again when the loop
// rule walked it for this execution.
func (r *run) locate(fs []Finding, walked *callStack) {
	if len(fs) == 0 {
		return
	}
	cfg := r.conn.inst.cfg
	var loc Location
	if walked != nil {
		pcs := walked.pcs // symbolizing keeps the slice: copy it off the hot path's stack
		loc = cfg.locationOf(pcs[:walked.n])
	} else {
		loc = cfg.callerLocation()
	}
	for i := range fs {
		fs[i].Location = loc
	}
}

// wrote returns the tables a successful statement changed (the
// statement's own keys, or appended to buf), or all=true when it may have
// changed any. A transaction ended by text (COMMIT, ROLLBACK) is recorded
// here, and DDL also drops the plan verdicts naming its tables.
func (c *connector) wrote(st *statement, buf []uint64, scope scopeKey, inScope bool) (tables []uint64, all bool) {
	info := st.info
	switch info.Kind {
	case sqlinfo.KindInsert, sqlinfo.KindUpdate, sqlinfo.KindDelete:
		return st.tableKeys, len(st.tableKeys) == 0
	}
	switch info.Operation {
	case "COMMIT", "ROLLBACK", "END", "ABORT":
		if inScope {
			c.tracker.endTransaction(scope, time.Now().UnixNano())
		}
		return buf, false
	case "CALL", "DO", "EXEC", "EXECUTE", "MERGE", "REPLACE", "COPY", "LOAD":
		return buf, true
	}
	names, all, ok := ddlTables(info)
	if !ok {
		return buf, false
	}
	c.schemaChanged(names, all)
	for _, n := range names {
		buf = append(buf, tableHash(n))
	}
	return buf, all
}

// finding describes a detector finding with its fix; its message only
// when it is delivered.
func (r *run) finding(kind Kind, count int, message bool) Finding {
	info := r.stmt.info
	f := Finding{Kind: kind, Fingerprint: info.Fingerprint, Summary: info.Summary, Table: info.Collection, Count: count}
	switch kind {
	case KindNPlusOne:
		if message {
			f.Message = fmt.Sprintf("N+1: %q ran %d times under one parent with different values", info.Summary, count)
		}
		f.Suggestion = "fetch the rows in one query: collect the keys and use WHERE key IN (...) (or = ANY($1) in PostgreSQL), or JOIN the parent query"
	case KindRepeatedWrite:
		if message {
			f.Message = fmt.Sprintf("repeated single-row write: %q ran %d times under one parent", info.Summary, count)
		}
		switch info.Kind {
		case sqlinfo.KindInsert:
			f.Suggestion = "insert the rows in one statement: INSERT ... VALUES (...), (...), ...; for bulk loads use COPY (PostgreSQL) or LOAD DATA (MySQL)"
		default:
			f.Suggestion = "change the rows in one statement: ... WHERE id IN (...), or batch the writes in one round trip"
		}
	case KindDuplicateQuery:
		if message {
			f.Message = fmt.Sprintf("duplicate query: %q ran again with the same values under one parent, with no write to its tables nor transaction end in between", info.Summary)
		}
		f.Suggestion = "reuse the first result instead of querying again"
	case KindSlowQuery:
		if message {
			f.Message = fmt.Sprintf("slow query: %q spent %s in the driver (threshold %s)", info.Summary,
				r.driverTime.Round(time.Millisecond), r.conn.inst.cfg.slowThreshold)
		}
		if info.Kind != sqlinfo.KindOther && info.Kind != sqlinfo.KindDDL && (info.Kind != sqlinfo.KindInsert || info.InsertSelect) {
			f.Suggestion = "see the EXPLAIN span under this statement for the plan"
		}
	}
	return f
}
