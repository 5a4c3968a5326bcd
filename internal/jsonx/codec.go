package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"
)

// A Codec decodes a JSON object into a struct in one validating pass, without
// encoding/json's reflection walk, and encodes it back. It keeps the members the struct does
// not name in its Extra field, records which named members were present (with zero values or
// null) so they are written back, and sends a member whose JSON type does not fit its field
// to Extra instead of failing. Values it has no fast path or Hook for go through
// encoding/json. A Codec is built once per type and is safe for concurrent use.
type Codec struct {
	fields []codecField
	byName map[string]int
	names  nameTable // of fields, for decoding
	extra  []int     // index of the Extra field
	cfg    *Config
	// The decoding plan: the embedded structs, each as a field of its parent, so a decode
	// reaches each once instead of walking every field's index path with reflection; the
	// fields and Extra are then one Field call from their parent.
	embeds    []step
	extraStep step
}

// step is field index of a struct: parent 0 is the decoded struct, k+1 is embeds[k].
type step struct{ parent, index int }

// Config says how a Codec finds what the struct types keep beside their named fields.
type Config struct {
	// Extra is the type of the field that receives unknown members; its underlying type is
	// map[string]json.RawMessage.
	Extra reflect.Type
	// State returns the Presence that v (an addressable struct) keeps, or nil when its type
	// keeps none. Every type a Codec is built for keeps one.
	State func(v reflect.Value) *Presence
	// Hooks decode and encode the fields of the given types.
	Hooks map[reflect.Type]Hook
}

// Hook decodes and encodes the fields of one type. Decode gets a validated value that is not
// null; it reports fits=false when the value's JSON type does not fit (the member then goes
// to Extra) and alt=true when the value came in the type's alternate form, which Encode is
// given back (a time sent as a number rather than a string). A nil Encode means
// encoding/json.
type Hook struct {
	Decode func(fv reflect.Value, val []byte) (fits, alt bool, err error)
	// DecodeMember, when set, is used instead of Decode. It gets the member as the scan found
	// it and the strings of the object being decoded, so the strings it makes share their
	// allocation and validated strings are not scanned again.
	DecodeMember func(fv reflect.Value, m Member, strs Strings) (fits, alt bool, err error)
	Encode       func(fv reflect.Value, alt bool) ([]byte, error)
}

// Presence records, per named field (by codec index), whether its member was present,
// whether it was null, and whether a Hook decoded it in its alternate form. The struct types
// keep it in an unexported field and hand it to the Codec through Config.State.
type Presence struct{ present, null, alt uint64 }

type fieldKind uint8

const (
	kString fieldKind = iota
	kBool
	kStrings
	kRaw
	kHook
	kObject // pointer to a struct with a codec of its own
	kOther  // anything else: encoding/json
)

type codecField struct {
	name  string
	index []int
	step  step
	kind  fieldKind
	typ   reflect.Type
	hook  *Hook
	sub   *Codec
}

var (
	rawType     = reflect.TypeOf(json.RawMessage(nil))
	stringsType = reflect.TypeOf([]string(nil))
	rawMapType  = reflect.TypeOf(map[string]json.RawMessage(nil))
)

// maxFields is how many named fields a Presence can track.
const maxFields = 64

// NewCodec builds the codec of struct type t. It follows embedded structs; a named field that
// points to a struct keeping a Presence gets a codec of its own.
func NewCodec(t reflect.Type, cfg *Config) (*Codec, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("jsonx: %v is not a struct", t)
	}
	if cfg == nil || cfg.State == nil || cfg.Extra == nil || cfg.Extra.Kind() != reflect.Map || !rawMapType.AssignableTo(cfg.Extra) {
		return nil, errors.New("jsonx: Config needs State and an Extra map type")
	}
	c := &Codec{byName: map[string]int{}, cfg: cfg}
	if err := c.collect(t, nil, 0); err != nil {
		return nil, err
	}
	names := make([]string, len(c.fields))
	for i, f := range c.fields {
		names[i] = f.name
	}
	c.names = newNameTable(names)
	switch {
	case len(c.fields) > maxFields:
		return nil, fmt.Errorf("jsonx: %v has more than %d fields", t, maxFields)
	case c.extra == nil:
		return nil, fmt.Errorf("jsonx: %v has no %v field", t, cfg.Extra)
	case cfg.State(reflect.New(t).Elem()) == nil:
		return nil, fmt.Errorf("jsonx: %v keeps no Presence", t)
	}
	return c, nil
}

func (c *Codec) collect(t reflect.Type, prefix []int, parent int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			c.embeds = append(c.embeds, step{parent, i})
			if err := c.collect(sf.Type, index, len(c.embeds)); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if sf.Type == c.cfg.Extra {
			if c.extra == nil || len(index) < len(c.extra) {
				c.extra, c.extraStep = index, step{parent, i}
			}
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := codecField{name: name, index: index, step: step{parent, i}, typ: sf.Type, kind: kOther}
		if h, ok := c.cfg.Hooks[sf.Type]; ok {
			f.kind, f.hook = kHook, &h
		} else {
			switch {
			case sf.Type.Kind() == reflect.String:
				f.kind = kString
			case sf.Type.Kind() == reflect.Bool:
				f.kind = kBool
			case sf.Type == rawType:
				f.kind = kRaw
			case sf.Type == stringsType:
				f.kind = kStrings
			case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct &&
				c.cfg.State(reflect.New(sf.Type.Elem()).Elem()) != nil:
				sub, err := NewCodec(sf.Type.Elem(), c.cfg)
				if err != nil {
					return err
				}
				f.kind, f.sub = kObject, sub
			}
		}
		c.byName[name] = len(c.fields)
		c.fields = append(c.fields, f)
	}
	return nil
}

// Decode validates data as one JSON object and sets v (an addressable struct of the codec's
// type) from it. Values and Extra alias data.
func (c *Codec) Decode(data []byte, v reflect.Value) error {
	var buf [32]Member
	members, err := ScanObject(data, buf[:0])
	if err != nil {
		return err
	}
	return c.DecodeMembers(members, v)
}

// decodeValidated is Decode for an object that ScanObject already validated (a member's
// value): its members are only split, not checked again.
func (c *Codec) decodeValidated(data []byte, v reflect.Value, strs *Strings) error {
	var buf [32]Member
	members, err := splitMembers(data, buf[:0])
	if err != nil {
		return err
	}
	return c.decodeMembers(members, v, strs)
}

// DecodeMembers sets v (an addressable struct of the codec's type) from members, which
// ScanObject validated. A repeated member replaces the earlier one, as in encoding/json.
func (c *Codec) DecodeMembers(members []Member, v reflect.Value) error {
	strs := newStrings(members)
	return c.decodeMembers(members, v, &strs)
}

func (c *Codec) decodeMembers(members []Member, v reflect.Value, strs *Strings) error {
	st := c.cfg.State(v)
	*st = Presence{}
	// Reach the embedded structs once; each field is then one Field call away.
	var pbuf [4]reflect.Value
	parents := append(pbuf[:0], v)
	for _, e := range c.embeds {
		parents = append(parents, parents[e.parent].Field(e.index))
	}
	var extra map[string]json.RawMessage
	for k := range members {
		m := &members[k] // a Member is too big to copy for each look at it
		i, ok, err := c.lookup(m)
		if err != nil {
			return err
		}
		if !ok {
			key, err := strs.Key(m)
			if err != nil {
				return err
			}
			if extra == nil {
				extra = make(map[string]json.RawMessage)
			}
			extra[key] = json.RawMessage(m.Val)
			continue
		}
		f := &c.fields[i]
		fv := parents[f.step.parent].Field(f.step.index)
		bit := uint64(1) << i
		st.present &^= bit
		st.null &^= bit
		st.alt &^= bit
		if extra != nil {
			delete(extra, f.name)
		}
		if string(m.Val) == "null" {
			fv.SetZero()
			st.present |= bit
			st.null |= bit
			continue
		}
		fits, alt, err := c.set(f, fv, m, strs)
		if err != nil || !fits {
			fv.SetZero() // set may have left anything: a repeated member, or a part
		}
		if err != nil {
			return err
		}
		if !fits {
			if extra == nil {
				extra = make(map[string]json.RawMessage)
			}
			extra[f.name] = json.RawMessage(m.Val)
			continue
		}
		st.present |= bit
		if alt {
			st.alt |= bit
		}
	}
	// Assigning the unnamed map type to the Extra type needs no conversion, which would cost
	// a comparison of the types' names on every object.
	parents[c.extraStep.parent].Field(c.extraStep.index).Set(reflect.ValueOf(extra))
	return nil
}

// lookup finds the field of m's key without allocating; only an escaped name is unquoted.
func (c *Codec) lookup(m *Member) (int, bool, error) {
	inner := m.Key[1 : len(m.Key)-1]
	escaped := m.keyFlags&strEscaped != 0
	if m.keyFlags&strScanned == 0 {
		escaped = bytes.IndexByte(inner, '\\') >= 0
	}
	if !escaped {
		i, ok := c.names.index(inner)
		return i, ok, nil
	}
	key, err := Unquote(m.Key)
	if err != nil {
		return 0, false, err
	}
	i, ok := c.byName[key]
	return i, ok, nil
}

// set decodes m's value into fv, overwriting what it held. It reports false when the value's
// JSON type does not fit the field; the caller then zeroes the field.
func (c *Codec) set(f *codecField, fv reflect.Value, m *Member, strs *Strings) (fits, alt bool, err error) {
	val := m.Val
	switch f.kind {
	case kString:
		if val[0] != '"' {
			return false, false, nil
		}
		s, err := strs.scanned(val, m.valFlags)
		if err != nil {
			return false, false, err
		}
		fv.SetString(s)
	case kBool:
		switch string(val) {
		case "true":
			fv.SetBool(true)
		case "false":
			fv.SetBool(false)
		default:
			return false, false, nil
		}
	case kRaw:
		fv.SetBytes(val)
	case kStrings:
		list, ok, err := stringList(val, strs)
		if err != nil || !ok {
			return false, false, err
		}
		*fv.Addr().Interface().(*[]string) = list
	case kHook:
		fv.SetZero() // a hook starts from the zero value
		if f.hook.DecodeMember != nil {
			return f.hook.DecodeMember(fv, *m, *strs) // copies: a pointer would escape
		}
		return f.hook.Decode(fv, val)
	case kObject:
		if val[0] != '{' {
			return false, false, nil
		}
		p := reflect.New(f.typ.Elem())
		if err := f.sub.decodeValidated(val, p.Elem(), strs); err != nil {
			return false, false, err
		}
		fv.Set(p)
	default:
		fits, err := DecodeStd(fv, val)
		return fits, false, err
	}
	return true, false, nil
}

// DecodeStd decodes val into fv (addressable) with encoding/json. It reports false when val's
// JSON type does not fit fv's type.
func DecodeStd(fv reflect.Value, val []byte) (bool, error) {
	p := reflect.New(fv.Type())
	if err := json.Unmarshal(val, p.Interface()); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return false, nil
		}
		return false, err
	}
	fv.Set(p.Elem())
	return true, nil
}

// StringList decodes a validated JSON array of strings; ok is false for anything else.
func StringList(val []byte) (list []string, ok bool, err error) {
	return stringList(val, &Strings{})
}

// stringList walks the array itself, so each string is scanned once and its flags say how
// to make its value.
func stringList(val []byte, strs *Strings) (list []string, ok bool, err error) {
	if len(val) == 0 || val[0] != '[' {
		return nil, false, nil
	}
	list = make([]string, 0, 8)
	s := scanner{b: val, i: 1}
	s.ws()
	if s.eat(']') {
		return list, true, nil
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, false, nil
		}
		start := s.i
		flags, err := s.strFlags()
		if err != nil {
			return nil, false, err
		}
		str, err := strs.scanned(val[start:s.i], flags)
		if err != nil {
			return nil, false, err
		}
		list = append(list, str)
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return list, true, nil
		}
		return nil, false, s.errAt("expected ',' or ']'")
	}
}

// Encode writes v's named fields that hold a value or were present, then Extra's members in
// sorted order (a named field that was written wins over an Extra member of the same name).
func (c *Codec) Encode(v reflect.Value) ([]byte, error) {
	st := c.cfg.State(v)
	out := []byte{'{'}
	var written uint64
	for i := range c.fields {
		f := &c.fields[i]
		fv := fieldAt(v, f.index)
		bit := uint64(1) << i
		var val []byte
		if fv.IsZero() {
			switch {
			case st.null&bit != 0:
				val = []byte("null")
			case st.present&bit == 0:
				continue
			}
		}
		if val == nil {
			var err error
			if val, err = c.encodeValue(f, fv, st.alt&bit != 0); err != nil {
				return nil, fmt.Errorf("jsonx: encoding %s: %w", f.name, err)
			}
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = AppendQuoted(out, f.name)
		out = append(out, ':')
		out = append(out, val...)
		written |= bit
	}
	extra := v.FieldByIndex(c.extra).Convert(rawMapType).Interface().(map[string]json.RawMessage)
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if i, ok := c.byName[k]; ok && written&(uint64(1)<<i) != 0 {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := []byte(extra[k])
		if len(val) == 0 {
			val = []byte("null")
		}
		if !json.Valid(val) {
			return nil, fmt.Errorf("jsonx: invalid JSON in Extra member %q", k)
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = AppendQuoted(out, k)
		out = append(out, ':')
		out = append(out, val...)
	}
	return append(out, '}'), nil
}

func (c *Codec) encodeValue(f *codecField, fv reflect.Value, alt bool) ([]byte, error) {
	switch f.kind {
	case kString:
		return AppendQuoted(nil, fv.String()), nil
	case kHook:
		if f.hook.Encode != nil {
			return f.hook.Encode(fv, alt)
		}
	case kObject:
		if fv.IsNil() {
			return []byte("null"), nil // present when decoded, set to nil since
		}
		return f.sub.Encode(fv.Elem())
	}
	return json.Marshal(fv.Interface())
}

// Strings makes the strings of one decoded object out of one string: a copy of the input
// from the first member's key to the last member's value. An event's strings live as long as
// the event, so they may as well share one allocation instead of one each. It is made once
// and then only read, so it is passed by value. The zero Strings makes each string on its own.
type Strings struct {
	base []byte // the input from the first member's key to the end of the last value
	s    string // base as a string
}

// newStrings makes the Strings of members, which ScanObject found in one input.
func newStrings(members []Member) Strings {
	if len(members) == 0 {
		return Strings{}
	}
	first, last := members[0].Key, members[len(members)-1].Val
	base := first[:cap(first)]
	// Stop at the end of the last value when it lies in the same array (the offset comes
	// from capacities, and the addresses confirm it), so nothing after it is copied.
	if off := cap(base) - cap(last); len(last) > 0 && off >= 0 && off+len(last) <= cap(base) && &base[off] == &last[0] {
		base = base[:off+len(last)]
	}
	return Strings{base: base, s: string(base)}
}

// Unquote decodes q, a JSON string that ScanObject validated. Without escapes and in valid
// UTF-8 its value is a slice of the block; anything else, or bytes from elsewhere, is made on
// its own.
func (b *Strings) Unquote(q []byte) (string, error) {
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", &SyntaxError{What: "not a string"}
	}
	inner := q[1 : len(q)-1]
	if !plainKey(inner) {
		return Unquote(q)
	}
	return b.share(inner), nil
}

// Value decodes m's value, a string, as Unquote does, without looking at a string the scan
// already looked at.
func (b *Strings) Value(m Member) (string, error) { return b.scanned(m.Val, m.valFlags) }

// Key decodes m's key as Value decodes its value.
func (b *Strings) Key(m *Member) (string, error) { return b.scanned(m.Key, m.keyFlags) }

// scanned decodes the string q given what the scan found in it (flags; 0 if unknown).
func (b *Strings) scanned(q []byte, flags uint8) (string, error) {
	if flags&strScanned == 0 {
		return b.Unquote(q)
	}
	inner := q[1 : len(q)-1]
	if flags&strEscaped != 0 || (flags&strNonASCII != 0 && !utf8.Valid(inner)) {
		return stringOf(inner, flags&^strScanned), nil
	}
	return b.share(inner), nil
}

// share returns inner, the value of a plain string, as a slice of the block when inner lies
// in it.
func (b *Strings) share(inner []byte) string {
	if len(inner) < 2 || b.base == nil {
		return string(inner) // a string of one byte needs no allocation
	}
	// Both slices end where the input's array ends, so the offset comes from capacities;
	// comparing the addresses makes sure inner is in this array and not in another one.
	off := cap(b.base) - cap(inner)
	if off < 0 || off+len(inner) > len(b.base) || &b.base[off] != &inner[0] {
		return string(inner)
	}
	return b.s[off : off+len(inner)]
}
