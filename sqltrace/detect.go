package sqltrace

import (
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"time"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
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

// detection is the result of running the detectors on one execution.
type detection struct {
	kinds    []Kind    // kinds this execution carries (crossed now or earlier)
	deliver  []Finding // findings delivered now, once per scope
	carried  []Finding // findings delivered earlier in the scope, repeated on this span's attributes
	count    int       // executions of the fingerprint in the scope
	inScope  bool
	scope    scopeKey
	explainR string // reason to hand the statement to EXPLAIN, if any
}

// detect runs the N+1, repeated-write, duplicate-query and slow-query
// detectors on a finished execution.
func (r *run) detect() detection {
	var d detection
	st := r.stmt
	info := st.info
	cfg := r.conn.inst.cfg
	slow := cfg.slowThreshold > 0 && r.driverTime >= cfg.slowThreshold && r.err == nil
	relevant := info.Kind == sqlinfo.KindSelect || info.SingleRowWrite
	if r.method != MethodQuery && r.method != MethodExec {
		return d
	}
	scope, ok := scopeOf(r.Context)
	if !ok || (!relevant && !slow) {
		if slow {
			d.kinds = append(d.kinds, KindSlowQuery)
			d.deliver = append(d.deliver, r.finding(KindSlowQuery, 1))
			d.explainR = "slow"
		}
		return d
	}
	d.inScope, d.scope = true, scope
	key := trackKey{scope: scope, fp: st.fpHash}
	o := r.conn.tracker.observe(key, r.argsHash, r.driverTime, r.start)
	d.count = o.count

	check := func(kind Kind, hit bool) {
		if !hit {
			return
		}
		d.kinds = append(d.kinds, kind)
		if !o.delivered.has(kind) {
			r.conn.tracker.markDelivered(key, kind)
			d.deliver = append(d.deliver, r.finding(kind, o.count))
		} else {
			d.carried = append(d.carried, r.finding(kind, o.count))
		}
	}
	switch {
	case info.Kind == sqlinfo.KindSelect:
		check(KindNPlusOne, o.count >= cfg.nPlusOneThreshold && o.varied && o.total >= cfg.nPlusOneMinDuration)
		if d.hasKind(KindNPlusOne) && !o.delivered.has(KindNPlusOne) {
			d.explainR = "n_plus_one"
		}
	case info.SingleRowWrite:
		check(KindRepeatedWrite, o.count >= cfg.repeatedWriteThreshold)
		if d.hasKind(KindRepeatedWrite) && !o.delivered.has(KindRepeatedWrite) && info.Kind != sqlinfo.KindInsert {
			d.explainR = "repeated_write"
		}
	}
	check(KindDuplicateQuery, o.duplicate && r.err == nil)
	check(KindSlowQuery, slow)
	if slow {
		d.explainR = "slow"
	}
	return d
}

func (d *detection) hasKind(k Kind) bool {
	for _, x := range d.kinds {
		if x == k {
			return true
		}
	}
	return false
}

// finding describes a detector finding with its fix.
func (r *run) finding(kind Kind, count int) Finding {
	info := r.stmt.info
	f := Finding{Kind: kind, Fingerprint: info.Fingerprint, Summary: info.Summary, Table: info.Collection, Count: count}
	switch kind {
	case KindNPlusOne:
		f.Message = fmt.Sprintf("N+1: %q ran %d times under one parent with different arguments", info.Summary, count)
		f.Suggestion = "fetch the rows in one query: collect the keys and use WHERE key IN (...) (or = ANY($1) in PostgreSQL), or JOIN the parent query"
	case KindRepeatedWrite:
		f.Message = fmt.Sprintf("repeated single-row write: %q ran %d times under one parent", info.Summary, count)
		switch info.Kind {
		case sqlinfo.KindInsert:
			f.Suggestion = "insert the rows in one statement: INSERT ... VALUES (...), (...), ...; for bulk loads use COPY (PostgreSQL) or LOAD DATA (MySQL)"
		default:
			f.Suggestion = "change the rows in one statement: ... WHERE id IN (...), or batch the writes in one round trip"
		}
	case KindDuplicateQuery:
		f.Message = fmt.Sprintf("duplicate query: %q ran again with the same arguments under one parent", info.Summary)
		f.Suggestion = "reuse the first result instead of querying again"
	case KindSlowQuery:
		f.Message = fmt.Sprintf("slow query: %q spent %s in the driver (threshold %s)", info.Summary,
			r.driverTime.Round(time.Millisecond), r.conn.inst.cfg.slowThreshold)
		if info.Kind != sqlinfo.KindOther && (info.Kind != sqlinfo.KindInsert || info.InsertSelect) {
			f.Suggestion = "see the EXPLAIN span under this statement for the plan"
		}
	}
	return f
}
