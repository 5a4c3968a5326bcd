package jsonx

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type testExtra map[string]json.RawMessage

type upper string // decoded by a hook: upper-cased, "alt" when it came as a number

type testNested struct {
	K     string    `json:"k,omitempty"`
	Extra testExtra `json:"-"`
	state Presence
}

type testBase struct {
	ID string `json:"id,omitempty"`
}

type testObj struct {
	testBase
	Name   string          `json:"name,omitempty"`
	OK     bool            `json:"ok,omitempty"`
	Tags   []string        `json:"tags,omitempty"`
	Raw    json.RawMessage `json:"raw,omitempty"`
	Up     upper           `json:"up,omitempty"`
	N      int             `json:"n,omitempty"`
	Nested *testNested     `json:"nested,omitempty"`
	Skip   string          `json:"-"`
	Extra  testExtra       `json:"-"`
	state  Presence
}

var testConfig = &Config{
	Extra: reflect.TypeOf(testExtra(nil)),
	State: func(v reflect.Value) *Presence {
		switch p := v.Addr().Interface().(type) {
		case *testObj:
			return &p.state
		case *testNested:
			return &p.state
		}
		return nil
	},
	Hooks: map[reflect.Type]Hook{reflect.TypeOf(upper("")): {
		Decode: func(fv reflect.Value, val []byte) (bool, bool, error) {
			if val[0] == '"' {
				s, err := Unquote(val)
				fv.SetString(strings.ToUpper(s))
				return true, false, err
			}
			if IsNumber(string(val)) {
				fv.SetString(string(val))
				return true, true, nil
			}
			return false, false, nil
		},
		Encode: func(fv reflect.Value, alt bool) ([]byte, error) {
			if alt {
				return []byte(fv.String()), nil
			}
			return AppendQuoted(nil, strings.ToLower(fv.String())), nil
		},
	}},
}

func TestCodecRoundTrip(t *testing.T) {
	c, err := NewCodec(reflect.TypeOf(testObj{}), testConfig)
	require.NoError(t, err)
	in := `{"id":"1","name":"","ok":false,"tags":["a"],"raw":{"x":[1]},"up":"abc","n":7,"nested":{"k":"v","more":1},"zz":null,"Skip":"s"}`
	var o testObj
	require.NoError(t, c.Decode([]byte(in), reflect.ValueOf(&o).Elem()))
	assert.Equal(t, "1", o.ID)
	assert.Equal(t, upper("ABC"), o.Up)
	assert.Equal(t, 7, o.N)
	assert.Equal(t, []string{"a"}, o.Tags)
	assert.Equal(t, "v", o.Nested.K)
	assert.Equal(t, testExtra{"more": json.RawMessage(`1`)}, o.Nested.Extra)
	assert.Equal(t, testExtra{"zz": json.RawMessage(`null`), "Skip": json.RawMessage(`"s"`)}, o.Extra)
	out, err := c.Encode(reflect.ValueOf(&o).Elem())
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out), "present zero values, nulls and unknown members survive")

	// Misfits go to Extra under their own name; a hook's alternate form is written back.
	in = `{"name":5,"ok":"yes","tags":[1],"up":12,"n":"x","nested":[1]}`
	o = testObj{}
	require.NoError(t, c.Decode([]byte(in), reflect.ValueOf(&o).Elem()))
	assert.Equal(t, upper("12"), o.Up)
	assert.Equal(t, testExtra{"name": json.RawMessage(`5`), "ok": json.RawMessage(`"yes"`), "tags": json.RawMessage(`[1]`),
		"n": json.RawMessage(`"x"`), "nested": json.RawMessage(`[1]`)}, o.Extra)
	out, err = c.Encode(reflect.ValueOf(&o).Elem())
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))

	o.Extra["bad"] = json.RawMessage(`{`)
	_, err = c.Encode(reflect.ValueOf(&o).Elem())
	assert.EqualError(t, err, `jsonx: invalid JSON in Extra member "bad"`)
}

func TestNewCodecRefusesWhatItCannotKeep(t *testing.T) {
	_, err := NewCodec(reflect.TypeOf(1), testConfig)
	assert.EqualError(t, err, "jsonx: int is not a struct")
	_, err = NewCodec(reflect.TypeOf(testObj{}), nil)
	assert.EqualError(t, err, "jsonx: Config needs State and an Extra map type")
	_, err = NewCodec(reflect.TypeOf(testObj{}), &Config{Extra: reflect.TypeOf(""), State: testConfig.State})
	assert.EqualError(t, err, "jsonx: Config needs State and an Extra map type")
	_, err = NewCodec(reflect.TypeOf(testBase{}), testConfig)
	assert.EqualError(t, err, "jsonx: jsonx.testBase has no jsonx.testExtra field")
	type noState struct{ Extra testExtra }
	_, err = NewCodec(reflect.TypeOf(noState{}), testConfig)
	assert.EqualError(t, err, "jsonx: jsonx.noState keeps no Presence")

	fields := make([]reflect.StructField, 0, 66)
	for i := range 65 {
		fields = append(fields, reflect.StructField{Name: "F" + strings.Repeat("x", i), Type: reflect.TypeOf("")})
	}
	fields = append(fields, reflect.StructField{Name: "Extra", Type: reflect.TypeOf(testExtra(nil))})
	_, err = NewCodec(reflect.StructOf(fields), testConfig)
	assert.ErrorContains(t, err, "has more than 64 fields")
}
