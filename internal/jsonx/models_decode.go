package jsonx

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Decode decodes data, one JSON value with nothing but white space around it, into v (a
// non-nil pointer). Strings, Extra members and raw values are copied out of data. A type
// whose decoder was not built up front is left to encoding/json.
func (m *Models) Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	dec := m.decs[rv.Type().Elem()]
	if dec == nil {
		return json.Unmarshal(data, v)
	}
	d := decoder{scanner: scanner{b: data}, chunk: min(max(len(data)/2, 512), 4<<10)}
	switch {
	case len(data) >= 16<<10:
		d.strs = make([]string, 256)
	case len(data) >= 512:
		d.strs = make([]string, 64)
	}
	d.ws()
	if err := d.value(dec, rv.Elem()); err != nil {
		return err
	}
	d.ws()
	if d.i != len(data) {
		return d.errAt("data after the value")
	}
	return nil
}

// decoder is the state of one Decode.
type decoder struct {
	scanner
	depth int
	// strs maps a short string's hash to the last string made with that hash in this Decode:
	// a page repeats many values (location, user and status strings, every unknown member's
	// name), and so does a single contact (its DND settings, its custom fields' options).
	// Its length is a power of two, sized to the input; a tiny input goes without.
	strs []string
	// arena backs the raw values (json.RawMessage fields and Extra members) of this Decode,
	// copied out of the input in chunks of the given size rather than one allocation each.
	arena []byte
	chunk int
}

// text returns the string of validated bytes without escapes, reusing one made before in
// this Decode when it has the same bytes.
func (d *decoder) text(b []byte) string {
	if d.strs == nil || len(b) < 2 || len(b) > maxCachedString {
		return string(b)
	}
	slot := &d.strs[int(stringHash(b))&(len(d.strs)-1)]
	if *slot == string(b) {
		return *slot
	}
	s := string(b)
	*slot = s
	return s
}

// maxCachedString is the longest string the cache keeps: IDs, names, e-mail addresses, URLs.
const maxCachedString = 128

// stringHash mixes the length and the first and last eight bytes of b (at least two bytes)
// into a byte, whose low bits pick a slot of decoder.strs.
func stringHash(b []byte) uint8 {
	var x uint64
	if n := len(b); n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[n-8:]), 31)
	} else {
		for i, c := range b {
			x |= uint64(c) << (8 * i)
		}
	}
	x = (x ^ uint64(len(b))) * 0x9e3779b97f4a7c15
	return uint8(x >> 56)
}

// raw returns a copy of b, a raw value or member to keep. Small copies share chunks (of at
// most 4 KB, all of one response), so a page's thousands of custom field values cost a few
// allocations; each copy's capacity ends where it does, so appending to one never writes
// into another.
func (d *decoder) raw(b []byte) []byte {
	if len(b) > d.chunk/8 {
		return append([]byte(nil), b...)
	}
	if cap(d.arena)-len(d.arena) < len(b) {
		d.arena = make([]byte, 0, d.chunk)
	}
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

// stringOf decodes the validated string whose inner bytes are in, as scanString flagged them.
func (d *decoder) stringOf(in []byte, flags uint8) string {
	if flags == 0 || (flags == strNonASCII && utf8.Valid(in)) {
		return d.text(in)
	}
	return stringOf(in, flags)
}

// value decodes the value at d.i (not white space) into v, which is settable.
func (d *decoder) value(t *typeDec, v reflect.Value) error {
	if d.i >= len(d.b) {
		return d.errAt("unexpected end")
	}
	c := d.b[d.i]
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		return d.null(t, v)
	}
	switch t.kind {
	case dString:
		if c != '"' {
			return d.mismatch(t, v)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(s)
		return nil
	case dBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			v.SetBool(true)
			return nil
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			v.SetBool(false)
			return nil
		}
		return d.mismatch(t, v)
	case dInt, dUint, dFloat:
		if c != '-' && (c < '0' || c > '9') {
			return d.mismatch(t, v)
		}
		return d.numberInto(t, v)
	case dRaw:
		start := d.i
		if err := d.scanner.value(d.depth + 1); err != nil {
			return err
		}
		v.SetBytes(d.raw(d.b[start:d.i]))
		return nil
	case dPtr:
		if v.IsNil() {
			v.Set(reflect.New(t.typ.Elem()))
		}
		return d.value(t.elem, v.Elem())
	case dSlice:
		if c != '[' {
			return d.mismatch(t, v)
		}
		return d.array(t, v)
	case dMap:
		if c != '{' {
			return d.mismatch(t, v)
		}
		return d.object(t, v)
	case dStruct:
		if c != '{' {
			return d.mismatch(t, v)
		}
		if t.st.wrap != "" {
			return d.wrapped(t.st, v)
		}
		return d.structObject(t.st, v)
	case dUnmarshaler:
		start := d.i
		if err := d.scanner.value(d.depth + 1); err != nil {
			return err
		}
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(d.b[start:d.i])
	default:
		start := d.i
		if err := d.scanner.value(d.depth + 1); err != nil {
			return err
		}
		return json.Unmarshal(d.b[start:d.i], v.Addr().Interface())
	}
}

// null stores a JSON null as encoding/json does: nil for pointers, slices and maps, "null"
// for raw values, the type's own UnmarshalJSON, and no change for anything else (a struct's
// Extra excepted, which a decode of its own replaces).
func (d *decoder) null(t *typeDec, v reflect.Value) error {
	switch t.kind {
	case dPtr, dSlice, dMap:
		v.SetZero()
	case dRaw:
		v.SetBytes([]byte("null"))
	case dStruct:
		if t.st.extra != nil {
			v.FieldByIndex(t.st.extra).SetZero()
		}
	case dUnmarshaler:
		return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON([]byte("null"))
	case dStd:
		return json.Unmarshal([]byte("null"), v.Addr().Interface())
	}
	return nil
}

// str decodes the string at d.i.
func (d *decoder) str() (string, error) {
	start := d.i
	end, flags, err := scanString(d.b, start)
	if err != nil {
		return "", err
	}
	d.i = end
	return d.stringOf(d.b[start+1:end-1], flags), nil
}

// mismatch reports a value whose JSON type the Go type does not take, after checking that
// the value is valid JSON (a syntax error is reported first, as encoding/json does).
func (d *decoder) mismatch(t *typeDec, v reflect.Value) error {
	start := d.i
	if err := d.scanner.value(d.depth + 1); err != nil {
		return err
	}
	what := "number"
	switch d.b[start] {
	case '"':
		what = "string"
	case '{':
		what = "object"
	case '[':
		what = "array"
	case 't', 'f':
		what = "bool"
	}
	return &json.UnmarshalTypeError{Value: what, Type: v.Type(), Offset: int64(start)}
}

func (d *decoder) numberInto(t *typeDec, v reflect.Value) error {
	start := d.i
	if err := d.number(); err != nil {
		return err
	}
	num := d.b[start:d.i]
	switch t.kind {
	case dInt:
		n, ok := smallInt(num)
		if !ok {
			var err error
			if n, err = strconv.ParseInt(string(num), 10, 64); err != nil {
				return d.badNumber(num, v, start)
			}
		}
		if v.OverflowInt(n) {
			return d.badNumber(num, v, start)
		}
		v.SetInt(n)
	case dUint:
		n, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || v.OverflowUint(n) {
			return d.badNumber(num, v, start)
		}
		v.SetUint(n)
	default:
		f, err := strconv.ParseFloat(string(num), v.Type().Bits())
		if err != nil || v.OverflowFloat(f) {
			return d.badNumber(num, v, start)
		}
		v.SetFloat(f)
	}
	return nil
}

func (d *decoder) badNumber(num []byte, v reflect.Value, at int) error {
	return &json.UnmarshalTypeError{Value: "number " + string(num), Type: v.Type(), Offset: int64(at)}
}

// smallInt parses a number of at most 18 digits and no fraction or exponent.
func smallInt(num []byte) (int64, bool) {
	neg := num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errAt("nested too deeply")
	}
	return nil
}

// array decodes the array at d.i into v, a slice, growing it in place. Like encoding/json,
// an empty array gives an empty slice, not nil.
func (d *decoder) array(t *typeDec, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	d.ws()
	if d.eat(']') {
		v.Set(t.empty)
		d.depth--
		return nil
	}
	v.SetZero()
	v.Grow(t.firstCap)
	n := 0
	for {
		d.ws()
		if n == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		if err := d.value(t.elem, v.Index(n)); err != nil {
			return err
		}
		n++
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			break
		}
		return d.errAt("expected ',' or ']'")
	}
	d.depth--
	return nil
}

// object decodes the object at d.i into v, a map with string keys; an existing map is added
// to, as encoding/json does.
func (d *decoder) object(t *typeDec, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	if v.IsNil() {
		v.Set(reflect.MakeMap(t.typ))
	}
	kt := t.typ.Key()
	d.ws()
	if !d.eat('}') {
		elem := reflect.New(t.typ.Elem()).Elem()
		for {
			d.ws()
			k, flags, err := d.memberKey()
			if err != nil {
				return err
			}
			key := d.stringOf(k, flags)
			elem.SetZero()
			if err := d.value(t.elem, elem); err != nil {
				return err
			}
			v.SetMapIndex(reflect.ValueOf(key).Convert(kt), elem)
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return d.errAt("expected ',' or '}'")
		}
	}
	d.depth--
	return nil
}

// structObject decodes the object at d.i into v, a struct: each member into the field of its
// name (its exact name, else its name folded as encoding/json folds it), and, if the struct
// keeps unknown members, every member whose name no field has exactly into Extra.
func (d *decoder) structObject(sd *structDec, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	var extra map[string]json.RawMessage
	d.ws()
	if !d.eat('}') {
		for {
			d.ws()
			key, flags, err := d.memberKey()
			if err != nil {
				return err
			}
			if err := d.member(sd, v, key, flags, &extra); err != nil {
				return err
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return d.errAt("expected ',' or '}'")
		}
	}
	if sd.extra != nil {
		sd.storeExtra(v.FieldByIndex(sd.extra), extra)
	}
	d.depth--
	return nil
}

// memberKey reads a member's key and the colon after it, up to the value. It returns the
// key's bytes inside the quotes, as scanString flagged them.
func (d *decoder) memberKey() (key []byte, flags uint8, err error) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, 0, d.errAt("expected a string")
	}
	start := d.i
	end, flags, err := scanString(d.b, start)
	if err != nil {
		return nil, 0, err
	}
	d.i = end
	d.ws()
	if !d.eat(':') {
		return nil, 0, d.errAt("expected ':'")
	}
	d.ws()
	return d.b[start+1 : end-1], flags, nil
}

// member decodes the value at d.i, that of the member called key, into v's field of that
// name or, failing one, as an unknown member.
func (d *decoder) member(sd *structDec, v reflect.Value, key []byte, flags uint8, extra *map[string]json.RawMessage) error {
	var name string
	if flags != 0 {
		name = d.stringOf(key, flags)
		key = []byte(name)
	}
	if f := sd.lookup(key); f != nil {
		return d.value(f.dec, fieldOf(v, f))
	}
	return d.unknown(sd, v, key, name, extra)
}

// unknown handles a member no field has by its exact name: encoding/json still decodes it
// into a field whose name matches but for case, and the struct keeps it in Extra. key is
// unescaped; name is key as a string, if it was made one already.
func (d *decoder) unknown(sd *structDec, v reflect.Value, key []byte, name string, extra *map[string]json.RawMessage) error {
	start := d.i
	if f := sd.lookupFold(key); f != nil {
		if err := d.value(f.dec, fieldOf(v, f)); err != nil {
			return err
		}
	} else if err := d.scanner.value(d.depth + 1); err != nil {
		return err
	}
	if sd.extra == nil {
		return nil
	}
	if name == "" {
		name = d.text(key)
	}
	if *extra == nil {
		*extra = make(map[string]json.RawMessage)
	}
	(*extra)[name] = d.raw(d.b[start:d.i])
	return nil
}

func fieldOf(v reflect.Value, f *fieldDec) reflect.Value { return fieldAt(v, f.index) }

// fieldAt is v.FieldByIndex(index), quicker for a field of v itself.
func fieldAt(v reflect.Value, index []int) reflect.Value {
	if len(index) == 1 {
		return v.Field(index[0])
	}
	return v.FieldByIndex(index)
}

// storeExtra stores the unknown members of one decoded object (nil if there were none) in
// an Extra field, replacing what it held. Assigning the unnamed map type needs no conversion,
// which would cost a comparison of the types' names on every object.
func (sd *structDec) storeExtra(fv reflect.Value, extra map[string]json.RawMessage) {
	if extra == nil {
		if !fv.IsNil() {
			fv.SetZero()
		}
		return
	}
	fv.Set(reflect.ValueOf(extra))
}

// wrapped decodes an object whose members may sit inside the member sd.wrap: when that
// member holds an object, it is decoded as the struct and the members around it go to Extra
// (the inner ones win); otherwise the object is decoded as the struct. The members around the
// wrapper are kept as they are until the shape is known, so the wrapped object (or, in the
// flat shape, the wrapper's list), which holds the bulk of the bytes, is read once.
func (d *decoder) wrapped(sd *structDec, v reflect.Value) error {
	if err := d.enter(); err != nil {
		return err
	}
	d.i++
	var outer []Member
	inner, flat := false, false
	d.ws()
	if !d.eat('}') {
		for {
			d.ws()
			kStart := d.i
			key, flags, err := d.memberKey()
			if err != nil {
				return err
			}
			vStart := d.i
			switch {
			case inner || flat || stringOf(key, flags) != sd.wrap:
				if err := d.scanner.value(d.depth + 1); err != nil {
					return err
				}
				outer = append(outer, Member{Key: d.b[kStart : kStart+len(key)+2], Val: d.b[vStart:d.i]})
			case d.i < len(d.b) && d.b[d.i] == '{':
				if err := d.structObject(sd, v); err != nil {
					return err
				}
				inner = true
			default:
				f := sd.lookup([]byte(sd.wrap))
				if err := d.value(f.dec, fieldOf(v, f)); err != nil {
					return err
				}
				flat = true
			}
			d.ws()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return d.errAt("expected ',' or '}'")
		}
	}
	if inner {
		d.depth--
		return mergeOuter(sd, v, outer)
	}
	// The flat shape: the members kept aside are the struct's own. They were validated, so
	// decoding them is a second look at a few small values.
	var extra map[string]json.RawMessage
	for _, m := range outer {
		sub := decoder{scanner: scanner{b: m.Val}, depth: d.depth, strs: d.strs, chunk: d.chunk}
		_, flags, _ := scanString(m.Key, 0)
		if err := sub.member(sd, v, m.Key[1:len(m.Key)-1], flags, &extra); err != nil {
			return err
		}
	}
	if sd.extra != nil {
		sd.storeExtra(v.FieldByIndex(sd.extra), extra)
	}
	d.depth--
	return nil
}

// mergeOuter adds the members around a wrapped object to the Extra its decode left, except
// those the wrapped object has too.
func mergeOuter(sd *structDec, v reflect.Value, outer []Member) error {
	if sd.extra == nil || len(outer) == 0 {
		return nil
	}
	fv := v.FieldByIndex(sd.extra)
	extra := map[string]json.RawMessage{}
	if !fv.IsNil() {
		extra = fv.Convert(rawMapType).Interface().(map[string]json.RawMessage)
	}
	inner := len(extra)
	added := make(map[string]bool, len(outer))
	for _, m := range outer {
		key, err := Unquote(m.Key)
		if err != nil {
			return err
		}
		if _, taken := extra[key]; taken && !added[key] {
			continue
		}
		extra[key] = append(json.RawMessage(nil), m.Val...)
		added[key] = true
	}
	if inner == 0 {
		sd.storeExtra(fv, extra)
	}
	return nil
}
