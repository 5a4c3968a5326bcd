package jsonx

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The model types of these tests decode two ways: through Models (which decodes them member
// by member, as they are among its Types) and through encoding/json, which calls their
// UnmarshalJSON: encoding/json into a copy of the type without methods, then Unknown for
// Extra. The second is what the SDK did before Models and is the reference Models must match.

type mExtra map[string]json.RawMessage

type mPage struct {
	Items []*mItem  `json:"items"`
	Total int       `json:"total"`
	Next  *string   `json:"next,omitempty"`
	Meta  *mMeta    `json:"meta,omitempty"`
	Subs  []mMeta   `json:"subs,omitempty"`
	Stamp *mStamp   `json:"stamp,omitempty"`
	Pairs []mPlain  `json:"pairs,omitempty"`
	Embed mEmbedder `json:"embed"`
	Extra mExtra    `json:"-"`
}

type mItem struct {
	ID     string            `json:"id,omitempty"`
	Name   string            `json:"name,omitempty"`
	On     bool              `json:"on,omitempty"`
	Opt    *bool             `json:"opt,omitempty"`
	N      int               `json:"n,omitempty"`
	I8     int8              `json:"i8,omitempty"`
	U      uint16            `json:"u,omitempty"`
	F      float64           `json:"f,omitempty"`
	F32    float32           `json:"f32,omitempty"`
	Count  *int              `json:"count,omitempty"`
	Tags   []string          `json:"tags,omitempty"`
	Raw    json.RawMessage   `json:"raw,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	Any    any               `json:"any,omitempty"`
	Bytes  []byte            `json:"bytes,omitempty"`
	Kind   mKind             `json:"kind,omitempty"`
	Num    json.Number       `json:"num,omitempty"`
	When   mStamp            `json:"when"`
	Meta   *mMeta            `json:"meta,omitempty"`
	NoTag  string
	Skip   string `json:"-"`
	//lint:ignore U1000 an unexported field is no JSON field
	hidden string
	Extra  mExtra `json:"-"`
}

type mMeta struct {
	Cursor string  `json:"cursor,omitempty"`
	Deep   *mLeaf  `json:"deep,omitempty"`
	Leaves []mLeaf `json:"leaves,omitempty"`
	Extra  mExtra  `json:"-"`
}

type mLeaf struct {
	V     string `json:"v"`
	Extra mExtra `json:"-"`
}

// mPlain keeps no unknown members and has no methods.
type mPlain struct {
	A string `json:"a"`
	B []int  `json:"b"`
}

type mBase struct {
	Base   string `json:"base"`
	Shadow string `json:"shadow"`
}

type mEmbedder struct {
	mBase
	Shadow string `json:"shadow"`
	Own    int    `json:"own"`
}

type mKind string

// mStamp has a decoder of its own, which Models calls: a string or a number, kept as text.
type mStamp struct{ S string }

func (s *mStamp) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		s.S = "<null>"
	case b[0] == '"':
		return json.Unmarshal(b, &s.S)
	case IsNumber(string(b)):
		s.S = "#" + string(b)
	default:
		return errors.New("mStamp: neither a string nor a number")
	}
	return nil
}

func refDecode[T any](b []byte, v *T, known Fields, extra *mExtra) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	m, err := Unknown(b, known)
	*extra = m
	return err
}

type (
	mPagePlain mPage
	mItemPlain mItem
	mMetaPlain mMeta
	mLeafPlain mLeaf
)

var (
	mPageFields = FieldsOf[mPage]()
	mItemFields = FieldsOf[mItem]()
	mMetaFields = FieldsOf[mMeta]()
	mLeafFields = FieldsOf[mLeaf]()
)

func (p *mPage) UnmarshalJSON(b []byte) error {
	return refDecode(b, (*mPagePlain)(p), mPageFields, &p.Extra)
}

func (it *mItem) UnmarshalJSON(b []byte) error {
	return refDecode(b, (*mItemPlain)(it), mItemFields, &it.Extra)
}

func (m *mMeta) UnmarshalJSON(b []byte) error {
	return refDecode(b, (*mMetaPlain)(m), mMetaFields, &m.Extra)
}

func (l *mLeaf) UnmarshalJSON(b []byte) error {
	return refDecode(b, (*mLeafPlain)(l), mLeafFields, &l.Extra)
}

// mWrapped is a page that GHL may send flat or inside {"page": {...}}.
type mWrapped struct {
	Page  []*mLeaf `json:"page"`
	More  bool     `json:"more"`
	Extra mExtra   `json:"-"`
}

var testModels = func() *Models {
	m, err := NewModels(ModelsConfig{
		Extra:   reflect.TypeOf(mExtra(nil)),
		Types:   []reflect.Type{reflect.TypeOf(mPage{}), reflect.TypeOf(mItem{}), reflect.TypeOf(mMeta{}), reflect.TypeOf(mLeaf{}), reflect.TypeOf(mWrapped{})},
		Wrapped: map[reflect.Type]string{reflect.TypeOf(mWrapped{}): "page"},
	})
	if err != nil {
		panic(err)
	}
	return m
}()

const fullPage = ` {
  "items": [
    {"id":"a1","name":"Ann \u00e9\n","on":true,"opt":false,"n":-42,"i8":7,"u":65535,"f":1.5e3,"f32":0.25,"count":3,
     "tags":["x","y\"z",""],"raw":{"k":[1, "two",null]},"labels":{"a":"b","c":null},"any":{"deep":[1,2.5,"s"]},
     "bytes":"aGVsbG8=","kind":"lead","num":-1.5e3,"when":"2024-01-02","meta":{"cursor":"c1","deep":{"v":"d","extraLeaf":1},
     "leaves":[{"v":"l1"},{"v":"l2","x":[]}],"metaMore":{"a":"b"}},"NoTag":"nt","Skip":"kept","hidden":"h",
     "brandNew":{"nested":[true]},"ID":"folded-too","zz":null},
    null,
    {"id":"a2","when":12345,"meta":null,"tags":[],"raw":"str","labels":{}}
  ],
  "total": 2,
  "next": "cur\/sor",
  "meta": {"cursor":"m","leaves":null},
  "subs": [{"cursor":"s1","subMore":2}, null],
  "stamp": null,
  "pairs": [{"a":"p","b":[1,2],"ignored":true}],
  "embed": {"base":"b","shadow":"outer","own":3},
  "traceId": "t-1",
  "tot\u0061l": 2
} `

func TestModelsDecodeLikeEncodingJSON(t *testing.T) {
	var got, want mPage
	require.NoError(t, testModels.Decode([]byte(fullPage), &got))
	require.NoError(t, json.Unmarshal([]byte(fullPage), &want))
	assert.Equal(t, want, got)

	// Spot checks, so that a change in both decoders does not go unseen.
	it := got.Items[0]
	assert.Equal(t, "folded-too", it.ID, "a name that differs but for case still fills the field (the later member wins)")
	assert.Equal(t, mExtra{"Skip": json.RawMessage(`"kept"`), "hidden": json.RawMessage(`"h"`), "brandNew": json.RawMessage(`{"nested":[true]}`),
		"ID": json.RawMessage(`"folded-too"`), "zz": json.RawMessage(`null`)}, it.Extra)
	assert.Equal(t, "Ann é\n", it.Name)
	assert.Equal(t, mStamp{S: "2024-01-02"}, it.When)
	assert.Equal(t, mExtra{"extraLeaf": json.RawMessage(`1`)}, it.Meta.Deep.Extra)
	assert.Equal(t, mExtra{"x": json.RawMessage(`[]`)}, it.Meta.Leaves[1].Extra)
	assert.Nil(t, got.Items[1])
	assert.Equal(t, mStamp{S: "#12345"}, got.Items[2].When)
	assert.Equal(t, json.RawMessage(`"str"`), got.Items[2].Raw)
	assert.NotNil(t, got.Items[2].Tags, "an empty array is an empty slice")
	assert.Equal(t, mExtra{"traceId": json.RawMessage(`"t-1"`)}, got.Extra, "an escaped name that is a field's is not unknown")
	assert.Equal(t, mEmbedder{mBase: mBase{Base: "b"}, Shadow: "outer", Own: 3}, got.Embed)
	assert.Equal(t, []mPlain{{A: "p", B: []int{1, 2}}}, got.Pairs)
}

func TestModelsDecodeErrorsWhereEncodingJSONDoes(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `{"total":1`, `{"total":1,}`, `{"total":1}x`, `{"total":"1"}`, `{"total":1.5}`, `{"total":1e2}`,
		`{"total":99999999999999999999}`, `{"items":{}}`, `{"items":[1]}`, `{"items":[{"n":"x"}]}`, `{"items":[{"i8":300}]}`,
		`{"items":[{"u":-1}]}`, `{"items":[{"f32":1e40}]}`, `{"items":[{"f":1e400}]}`, `{"items":[{"on":"true"}]}`,
		`{"items":[{"tags":"x"}]}`, `{"items":[{"tags":[1]}]}`, `{"items":[{"labels":[]}]}`, `{"items":[{"labels":{"a":1}}]}`,
		`{"items":[{"when":true}]}`, `{"items":[{"bytes":"!"}]}`, `{"items":[{"name":"\x"}]}`, "{\"items\":[{\"name\":\"\x01\"}]}",
		`{"items":[{"raw":tru}]}`, `{"items":[{"zz":[1,]}]}`, `{"meta":"m"}`, `{"subs":[1]}`, `{"embed":[]}`, `[]`, `"x"`, `1`,
		`{"total":-}`, `{"total":01}`, `{"items":[{"n":1}`, `{"a" 1}`, `{a:1}`, "\ufeff{}",
	} {
		var got, want mPage
		gotErr := testModels.Decode([]byte(in), &got)
		wantErr := json.Unmarshal([]byte(in), &want)
		require.Error(t, wantErr, in)
		assert.Error(t, gotErr, in)
	}
	var ute *json.UnmarshalTypeError
	var p mPage
	require.ErrorAs(t, testModels.Decode([]byte(`{"total":"1"}`), &p), &ute)
	assert.Equal(t, "string", ute.Value)
	var se *SyntaxError
	require.ErrorAs(t, testModels.Decode([]byte(`{"total":1,}`), &p), &se)
	assert.Equal(t, 11, se.Offset)
	assert.Error(t, testModels.Decode([]byte(`{}`), p), "not a pointer")
}

func TestModelsDecodeWrappedShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want mWrapped
	}{
		"flat": {`{"more":true,"page":[{"v":"a"}],"traceId":"t"}`,
			mWrapped{Page: []*mLeaf{{V: "a"}}, More: true, Extra: mExtra{"traceId": json.RawMessage(`"t"`)}}},
		"flat, list last": {`{"traceId":"t","more":true,"page":[{"v":"a"}]}`,
			mWrapped{Page: []*mLeaf{{V: "a"}}, More: true, Extra: mExtra{"traceId": json.RawMessage(`"t"`)}}},
		"wrapped": {`{"traceId":"t","page":{"page":[{"v":"a","x":1}],"more":true,"inner":2}}`,
			mWrapped{Page: []*mLeaf{{V: "a", Extra: mExtra{"x": json.RawMessage(`1`)}}}, More: true,
				Extra: mExtra{"traceId": json.RawMessage(`"t"`), "inner": json.RawMessage(`2`)}}},
		"wrapped, outer fields kept as unknown, inner wins": {`{"more":true,"inner":"outer","page":{"inner":"in"}}`,
			mWrapped{Extra: mExtra{"more": json.RawMessage(`true`), "inner": json.RawMessage(`"in"`)}}},
		"wrapped, nothing around": {`{"page":{"more":true}}`, mWrapped{More: true}},
		"null list":               {`{"page":null,"x":1}`, mWrapped{Extra: mExtra{"x": json.RawMessage(`1`)}}},
		"empty":                   {`{}`, mWrapped{}},
	} {
		var got mWrapped
		require.NoError(t, testModels.Decode([]byte(tc.in), &got), name)
		assert.Equal(t, tc.want, got, name)
	}
	for _, in := range []string{`{"page":{"more":"x"}}`, `{"page":[1]}`, `{"page":{}`, `{"page":`} {
		var got mWrapped
		assert.Error(t, testModels.Decode([]byte(in), &got), in)
	}
}

func TestModelsDecodeTypesNotBuiltUpFront(t *testing.T) {
	// An envelope nobody listed goes to encoding/json, which calls the listed types'
	// UnmarshalJSON.
	var env struct {
		Page *mPage `json:"page"`
		List []mKind
	}
	require.NoError(t, testModels.Decode([]byte(`{"page":{"total":3,"x":1},"list":["a"]}`), &env))
	assert.Equal(t, 3, env.Page.Total)
	assert.Equal(t, mExtra{"x": json.RawMessage(`1`)}, env.Page.Extra)
	assert.Equal(t, []mKind{"a"}, env.List)
	assert.True(t, testModels.Has(reflect.TypeOf(mPage{})))
	assert.False(t, testModels.Has(reflect.TypeOf(env)))

	// A shape Models leaves to encoding/json cannot be listed.
	type withString struct {
		N int `json:"n,string"`
	}
	_, err := NewModels(ModelsConfig{Extra: reflect.TypeOf(mExtra(nil)), Types: []reflect.Type{reflect.TypeOf(withString{})}})
	assert.ErrorContains(t, err, "the string option is not supported")
}

func TestNewModelsRefuses(t *testing.T) {
	_, err := NewModels(ModelsConfig{})
	assert.EqualError(t, err, "jsonx: ModelsConfig needs an Extra map type")
	_, err = NewModels(ModelsConfig{Extra: reflect.TypeOf(mExtra(nil)), Wrapped: map[reflect.Type]string{reflect.TypeOf(mLeaf{}): "v"}})
	assert.EqualError(t, err, "jsonx: wrapped type jsonx.mLeaf is not one of the struct types")
	_, err = NewModels(ModelsConfig{Extra: reflect.TypeOf(mExtra(nil)), Types: []reflect.Type{reflect.TypeOf(mLeaf{})},
		Wrapped: map[reflect.Type]string{reflect.TypeOf(mLeaf{}): "nope"}})
	assert.EqualError(t, err, `jsonx: wrapped type jsonx.mLeaf has no field "nope"`)
	type embedsPointer struct{ *mBase }
	_, err = NewModels(ModelsConfig{Extra: reflect.TypeOf(mExtra(nil)), Types: []reflect.Type{reflect.TypeOf(embedsPointer{})}})
	assert.ErrorContains(t, err, "embeds a pointer to a struct")
}

func TestModelsDecodeDepthLimit(t *testing.T) {
	var p mPage
	deep := `{"items":[{"raw":` + strings.Repeat("[", maxDepth-3) + strings.Repeat("]", maxDepth-3) + `}]}`
	require.NoError(t, testModels.Decode([]byte(deep), &p), "10,000 levels, as encoding/json allows")
	require.NoError(t, json.Unmarshal([]byte(deep), &p))
	deeper := `{"items":[{"raw":` + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-2) + `}]}`
	assert.ErrorContains(t, testModels.Decode([]byte(deeper), &p), "nested too deeply")
	assert.Error(t, json.Unmarshal([]byte(deeper), &p))
}

func TestScanStringAndUnquote(t *testing.T) {
	for in, want := range map[string]string{
		`"0123456789abcdefghij"`:                       "0123456789abcdefghij",
		`"long ascii text with a \"quote\" in it"`:     `long ascii text with a "quote" in it`,
		`"\ud83d\ude00 \ud83d x \ude00 \u00e9\/\b"`:    "\U0001F600 \ufffd x \ufffd é/\b",
		"\"caf\xc3\xa9 \xff\xfe end of a longer one\"": "café \ufffd\ufffd end of a longer one",
		`"\ud800\u0041"`:                               "\ufffdA",
		`""`:                                           "",
	} {
		got, err := Unquote([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		var ref string
		require.NoError(t, json.Unmarshal([]byte(in), &ref), in)
		assert.Equal(t, ref, got, "as encoding/json: %s", in)
	}
	for _, in := range []string{`"abc`, `"abcdefghijklmnop`, `"\q"`, `"\u12x4"`, "\"tab\there\"", `"x" `, `x`} {
		_, err := Unquote([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestModelsDecodeAllocations(t *testing.T) {
	// Known members cost only what their values need: the strings and the slices.
	data := []byte(`{"id":"x","name":"a name","on":true,"n":12,"f":1.5,"tags":["a","b"],"when":"w"}`)
	allocs := testing.AllocsPerRun(100, func() {
		var it mItem
		if err := testModels.Decode(data, &it); err != nil {
			t.Fatal(err)
		}
	})
	// the item, two strings, the tags slice and its two strings, mStamp's string
	assert.LessOrEqual(t, allocs, 8.0)
}

// FuzzModelsMatchEncodingJSON checks Models against encoding/json followed by Unknown, on any
// input: the same error or success, and on success the same values and unknown members.
// Objects with a repeated name are left out of the comparison: encoding/json merges a
// repeated object or array into what the earlier one left, Models decodes it afresh.
func FuzzModelsMatchEncodingJSON(f *testing.F) {
	f.Add([]byte(fullPage))
	for _, s := range []string{
		`{}`, `null`, `{"items":[null,{}]}`, `{"items":[{"ID":"x","Id":"y"}]}`, `{"total":1.5}`, `{"next":null}`,
		`{"items":[{"when":null,"raw":null,"tags":null,"labels":null,"any":null,"bytes":null,"opt":null}]}`,
		`{"items":[{"name":"\ud800\udc00\u0000"}]}`, `{"embed":{"shadow":1}}`, `{"subs":[{"deep":{"v":"\u00e9"}}]}`,
		`{"items":[{"i8":-128,"u":0,"f32":-0,"count":-0}]}`, `{"items":[{"n":123456789012345678901}]}`,
		"{\"items\":[{\"name\":\"\xed\xa0\x80\"}]}", `{"tot\u0041L":5,"ITEMS":[{"ſ":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want mPage
		gotErr := testModels.Decode(data, &got)
		wantErr := json.Unmarshal(data, &want)
		if hasRepeatedName(data) {
			return
		}
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("Decode(%q): error %v; encoding/json: %v", data, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q):\n got %#v\nwant %#v", data, got, want)
		}
		var gw, ww mWrapped
		if gotErr, wantErr := testModels.Decode(data, &gw), json.Unmarshal(data, &ww); wantErr != nil && gotErr == nil {
			t.Fatalf("Decode(%q) into the wrapped type: no error; encoding/json: %v", data, wantErr)
		}
	})
}

// hasRepeatedName reports whether some object in data (valid JSON or not) has two members of
// the same name, or of names that are the same but for case.
func hasRepeatedName(data []byte) bool {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if dec.Decode(&v) != nil {
		return false
	}
	var walk func(b []byte) bool
	walk = func(b []byte) bool {
		members, err := ScanObject(b, nil)
		if err == nil {
			seen := map[string]bool{}
			for _, m := range members {
				k, _ := Unquote(m.Key)
				k = string(foldName(nil, []byte(k)))
				if seen[k] {
					return true
				}
				seen[k] = true
				if walk(m.Val) {
					return true
				}
			}
			return false
		}
		found := false
		_, _ = EachElement(b, func(e []byte) error {
			if walk(e) {
				found = true
			}
			return nil
		})
		return found
	}
	return walk([]byte(strings.TrimSpace(string(data))))
}
