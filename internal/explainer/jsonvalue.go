package explainer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// jvalue is a JSON value that keeps the order of object members: plans are
// read in the order the database wrote them.
type jvalue struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	obj  []jmember
	arr  []*jvalue
	str  string // string, or the number's text
	b    bool
}

type jmember struct {
	key string
	val *jvalue
}

// Bounds on untrusted plan output: plans are small, anything beyond these is
// not a plan worth reading.
const (
	maxJSONDepth  = 256
	maxJSONTokens = 1 << 20
)

var errJSONTooComplex = errors.New("explain: plan JSON too large or too deep")

// parseJSON decodes data into an ordered jvalue tree.
func parseJSON(data []byte) (*jvalue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	budget := maxJSONTokens
	v, err := readJSON(dec, 0, &budget)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("explain: trailing data after plan JSON")
	}
	return v, nil
}

func readJSON(dec *json.Decoder, depth int, budget *int) (*jvalue, error) {
	if depth > maxJSONDepth || *budget <= 0 {
		return nil, errJSONTooComplex
	}
	*budget--
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jvalue{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("explain: bad JSON object key")
				}
				val, err := readJSON(dec, depth+1, budget)
				if err != nil {
					return nil, err
				}
				v.obj = append(v.obj, jmember{key, val})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		case '[':
			v := &jvalue{kind: 'a'}
			for dec.More() {
				val, err := readJSON(dec, depth+1, budget)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
		return nil, errors.New("explain: unexpected JSON delimiter")
	case string:
		return &jvalue{kind: 's', str: t}, nil
	case json.Number:
		return &jvalue{kind: 'n', str: string(t)}, nil
	case bool:
		return &jvalue{kind: 'b', b: t}, nil
	case nil:
		return &jvalue{kind: 'z'}, nil
	}
	return nil, errors.New("explain: unexpected JSON token")
}

// get returns the member key of an object, or nil.
func (v *jvalue) get(key string) *jvalue {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for _, m := range v.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// text returns a string or number's text, "" otherwise.
func (v *jvalue) text() string {
	if v == nil || (v.kind != 's' && v.kind != 'n') {
		return ""
	}
	return v.str
}

// number returns a number, or a string holding one (MySQL 8 writes
// "filtered": "10.00"), and whether there was one.
func (v *jvalue) number() (float64, bool) {
	if v == nil || (v.kind != 'n' && v.kind != 's') {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.str, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// truthy reports true, a non-zero number, or "true"/"1" as a string.
func (v *jvalue) truthy() bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case 'b':
		return v.b
	case 'n', 's':
		f, ok := v.number()
		return ok && f != 0 || v.str == "true"
	}
	return false
}

// strings returns the strings of an array (or the one string).
func (v *jvalue) strings() []string {
	if v == nil {
		return nil
	}
	if v.kind == 's' {
		return []string{v.str}
	}
	var out []string
	for _, e := range v.arr {
		if s := e.text(); s != "" {
			out = append(out, s)
		}
	}
	return out
}
