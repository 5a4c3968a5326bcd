package jsonx

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Models decodes API responses into Go values in one validating pass over the bytes. It
// follows encoding/json's rules for everything a type names (exact names first, then names
// that match but for case; the same JSON types accepted, the same values for null, escapes
// and invalid UTF-8; a type's own UnmarshalJSON is called), and keeps the members a struct
// does not name in its Extra field, if it has one: what encoding/json followed by Unknown
// gives, read once instead of several times. Decoders are built by NewModels for the types
// it is given; Models never changes after that and is safe for concurrent use.
//
// Where it differs from encoding/json: a member repeated in one object is decoded afresh
// each time (encoding/json merges a repeated object or array into what the earlier one
// left), and decoding stops at the first error instead of filling in the rest.
type Models struct {
	extra reflect.Type
	decs  map[reflect.Type]*typeDec
}

// ModelsConfig says what NewModels builds decoders for.
type ModelsConfig struct {
	// Extra is the type of the field that receives a struct's unknown members; its
	// underlying type is map[string]json.RawMessage (so such a map is assigned to it).
	Extra reflect.Type
	// Types are the types whose decoders are built up front. A struct type among them is
	// decoded member by member even if it has an UnmarshalJSON method (which is expected to
	// call Decode); any other type with one is decoded by calling it.
	Types []reflect.Type
	// Wrapped names, for some of Types, a member that may hold the struct's own members:
	// when it holds an object, that object is decoded as the struct, and the members around
	// it go to Extra (where those of the inner object win).
	Wrapped map[reflect.Type]string
}

type decKind uint8

const (
	dString decKind = iota
	dBool
	dInt
	dUint
	dFloat
	dRaw // json.RawMessage: the value's bytes, copied
	dPtr
	dSlice
	dMap // keys of a string kind
	dStruct
	dUnmarshaler // the type's own UnmarshalJSON, through a pointer
	dStd         // anything else: encoding/json, on the validated bytes of the value
)

type typeDec struct {
	kind decKind
	typ  reflect.Type
	elem *typeDec // of a pointer, slice or map
	st   *structDec
	// empty is an empty, non-nil slice of a slice type (shared: it has no room to write to).
	empty reflect.Value
	// firstCap is the room a slice gets for its first elements: about 128 bytes' worth
	// (8 strings, 16 pointers), so a contact's tags or a list's first items take one
	// allocation; it doubles from there.
	firstCap int
}

type structDec struct {
	fields []fieldDec
	names  nameTable // of fields
	// fold maps each name, case-folded as encoding/json folds it, to the first field that has
	// it: encoding/json matches a member to a field by its exact name, else by its folded one.
	fold  map[string]int
	extra []int  // index of the Extra field; nil if the struct keeps no unknown members
	wrap  string // see ModelsConfig.Wrapped
}

type fieldDec struct {
	name  string
	index []int
	dec   *typeDec
}

var (
	numberType          = reflect.TypeOf(json.Number(""))
	unmarshalerType     = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// NewModels builds the decoders of cfg.Types.
func NewModels(cfg ModelsConfig) (*Models, error) {
	if cfg.Extra == nil || cfg.Extra.Kind() != reflect.Map || !rawMapType.AssignableTo(cfg.Extra) {
		return nil, errors.New("jsonx: ModelsConfig needs an Extra map type")
	}
	native := make(map[reflect.Type]bool, len(cfg.Types))
	for _, t := range cfg.Types {
		native[t] = true
	}
	for t := range cfg.Wrapped {
		if !native[t] || t.Kind() != reflect.Struct {
			return nil, fmt.Errorf("jsonx: wrapped type %v is not one of the struct types", t)
		}
	}
	b := &builder{extra: cfg.Extra, native: native, wrap: cfg.Wrapped, memo: map[reflect.Type]*typeDec{}}
	m := &Models{extra: cfg.Extra, decs: make(map[reflect.Type]*typeDec, len(cfg.Types))}
	for _, t := range cfg.Types {
		d, err := b.build(t)
		if err != nil {
			return nil, err
		}
		m.decs[t] = d
		if w := cfg.Wrapped[t]; w != "" && d.st.lookup([]byte(w)) == nil {
			return nil, fmt.Errorf("jsonx: wrapped type %v has no field %q", t, w)
		}
	}
	return m, nil
}

// Has reports whether the decoder of t was built up front.
func (m *Models) Has(t reflect.Type) bool { return m.decs[t] != nil }

// builder builds decoders; memo holds those of this build (recursive types end there).
type builder struct {
	extra  reflect.Type
	native map[reflect.Type]bool
	wrap   map[reflect.Type]string
	memo   map[reflect.Type]*typeDec
}

func (b *builder) build(t reflect.Type) (*typeDec, error) {
	if d := b.memo[t]; d != nil {
		return d, nil
	}
	d := &typeDec{typ: t}
	b.memo[t] = d
	pt := reflect.PointerTo(t)
	switch {
	case t == rawType:
		d.kind = dRaw
	case t == numberType:
		d.kind = dStd // a JSON number (or a numeric string) kept as text
	case t.Kind() == reflect.Struct && b.native[t]:
		return d, b.buildStruct(d, t)
	case pt.Implements(unmarshalerType):
		d.kind = dUnmarshaler
	case pt.Implements(textUnmarshalerType):
		d.kind = dStd
	default:
		switch t.Kind() {
		case reflect.String:
			d.kind = dString
		case reflect.Bool:
			d.kind = dBool
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			d.kind = dInt
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			d.kind = dUint
		case reflect.Float32, reflect.Float64:
			d.kind = dFloat
		case reflect.Pointer:
			if t.Elem().Kind() == reflect.Pointer {
				d.kind = dStd
				break
			}
			d.kind = dPtr
			elem, err := b.build(t.Elem())
			if err != nil {
				return nil, err
			}
			d.elem = elem
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) &&
				!reflect.PointerTo(t.Elem()).Implements(textUnmarshalerType) {
				d.kind = dStd // base64
				break
			}
			d.kind = dSlice
			d.empty = reflect.MakeSlice(t, 0, 0)
			d.firstCap = min(max(128/max(int(t.Elem().Size()), 1), 4), 16)
			elem, err := b.build(t.Elem())
			if err != nil {
				return nil, err
			}
			d.elem = elem
		case reflect.Map:
			if t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) {
				d.kind = dStd
				break
			}
			d.kind = dMap
			elem, err := b.build(t.Elem())
			if err != nil {
				return nil, err
			}
			d.elem = elem
		case reflect.Struct:
			return d, b.buildStruct(d, t)
		default: // interfaces, arrays and what encoding/json refuses
			d.kind = dStd
		}
	}
	return d, nil
}

// field is a candidate JSON field of a struct, before encoding/json's rules for embedded
// structs pick one per name.
type field struct {
	name   string
	index  []int
	typ    reflect.Type
	tagged bool
}

func (b *builder) buildStruct(d *typeDec, t reflect.Type) error {
	d.kind = dStruct
	sd := &structDec{wrap: b.wrap[t]}
	d.st = sd
	var cands []field
	if err := b.collect(t, nil, &cands, sd); err != nil {
		return err
	}
	for _, f := range dominantFields(cands) {
		fd, err := b.build(f.typ)
		if err != nil {
			return err
		}
		sd.fields = append(sd.fields, fieldDec{name: f.name, index: f.index, dec: fd})
	}
	if len(sd.fields) >= 1<<16-1 {
		return fmt.Errorf("jsonx: %v has too many fields", t)
	}
	names := make([]string, len(sd.fields))
	sd.fold = make(map[string]int, len(sd.fields))
	for i, f := range sd.fields {
		names[i] = f.name
		k := string(foldName(nil, []byte(f.name)))
		if _, taken := sd.fold[k]; !taken {
			sd.fold[k] = i
		}
	}
	sd.names = newNameTable(names)
	return nil
}

// collect lists the JSON fields of t as encoding/json sees them: exported fields by their tag
// or Go name, the fields of embedded structs as if they were t's own. The Extra field (the
// shallowest, if embedded structs have one too) is noted in sd instead.
func (b *builder) collect(t reflect.Type, prefix []int, out *[]field, sd *structDec) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Type == b.extra && sf.IsExported() {
			if sd.extra == nil || len(index) < len(sd.extra) {
				sd.extra = index
			}
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				if name == "" && ft.Elem().Kind() == reflect.Struct {
					return fmt.Errorf("jsonx: %v embeds a pointer to a struct", t)
				}
			} else if name == "" && ft.Kind() == reflect.Struct {
				if err := b.collect(ft, index, out, sd); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		for _, o := range strings.Split(opts, ",") {
			if o == "string" {
				return fmt.Errorf("jsonx: %v.%s: the string option is not supported", t, sf.Name)
			}
		}
		tagged := name != ""
		if !tagged {
			name = sf.Name
		}
		*out = append(*out, field{name: name, index: index, typ: sf.Type, tagged: tagged})
	}
	return nil
}

// dominantFields applies encoding/json's rule to fields that share a name: the shallowest
// wins, a tagged one among several equally shallow, and none if that leaves a tie. The
// result is in the order of the fields' indexes.
func dominantFields(cands []field) []field {
	byName := map[string][]field{}
	for _, f := range cands {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, fs := range byName {
		depth := len(fs[0].index)
		for _, f := range fs {
			depth = min(depth, len(f.index))
		}
		var top []field
		tagged := 0
		for _, f := range fs {
			if len(f.index) == depth {
				top = append(top, f)
				if f.tagged {
					tagged++
				}
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case tagged == 1:
			for _, f := range top {
				if f.tagged {
					out = append(out, f)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].index, out[j].index
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return out
}

// nameTable finds the index of a name among a fixed set, without allocating: a
// collision-free hash table probed with keyHash, or a map when no multiplier was found.
type nameTable struct {
	names  []string
	slots  []uint16 // index + 1; 0 is empty
	mult   uint64
	shift  uint8
	byName map[string]int
}

// keyHash mixes a name's length with five of its bytes; newNameTable looks for a multiplier
// that gives every name of a set its own slot.
func keyHash(k []byte, mult uint64, shift uint8) uint64 {
	n := len(k)
	h := uint64(n)
	if n > 0 {
		h |= uint64(k[0])<<8 | uint64(k[n-1])<<16 | uint64(k[n/2])<<24 | uint64(k[(n+1)/3])<<32 | uint64(k[n-1-n/4])<<40
	}
	return (h * mult) >> shift
}

func newNameTable(names []string) nameTable {
	t := nameTable{names: names}
	n := len(names)
	if n == 0 {
		return t
	}
	start := bits.Len(uint(n)) + 1 // at least twice as many slots as names
	mult := uint64(0x9e3779b97f4a7c15)
	for size := start; size <= start+3; size++ {
		shift := uint8(64 - size)
		for try := 0; try < 200; try++ {
			mult = mult*6364136223846793005 + 1442695040888963407 | 1
			slots := make([]uint16, 1<<size)
			ok := true
			for i, name := range names {
				h := keyHash([]byte(name), mult, shift)
				if slots[h] != 0 {
					ok = false
					break
				}
				slots[h] = uint16(i + 1)
			}
			if ok {
				t.slots, t.mult, t.shift = slots, mult, shift
				return t
			}
		}
	}
	t.byName = make(map[string]int, n)
	for i, name := range names {
		if _, taken := t.byName[name]; !taken {
			t.byName[name] = i
		}
	}
	return t
}

// index returns the index of the name equal to key.
func (t *nameTable) index(key []byte) (int, bool) {
	if t.slots != nil {
		if i := t.slots[keyHash(key, t.mult, t.shift)]; i != 0 && t.names[i-1] == string(key) {
			return int(i - 1), true
		}
		return 0, false
	}
	i, ok := t.byName[string(key)]
	return i, ok
}

// lookup finds the field named exactly key (unescaped bytes).
func (sd *structDec) lookup(key []byte) *fieldDec {
	if i, ok := sd.names.index(key); ok {
		return &sd.fields[i]
	}
	return nil
}

// lookupFold finds the field encoding/json matches to key when no name is equal to it.
func (sd *structDec) lookupFold(key []byte) *fieldDec {
	var buf [64]byte
	if i, ok := sd.fold[string(foldName(buf[:0], key))]; ok {
		return &sd.fields[i]
	}
	return nil
}

// foldName appends the case-folded form of in: two names have the same form exactly when
// bytes.EqualFold holds, which is how encoding/json matches names that differ but for case.
func foldName(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return out
}
