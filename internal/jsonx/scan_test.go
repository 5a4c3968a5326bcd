package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanObject(t *testing.T) {
	members, err := ScanObject([]byte(` {"a" : 1, "b\u0063":[true,{"x":null}] ,"s":"q\"x"} `), nil)
	require.NoError(t, err)
	require.Len(t, members, 3)
	assert.Equal(t, `"a"`, string(members[0].Key))
	assert.Equal(t, `1`, string(members[0].Val))
	assert.Equal(t, `"b\u0063"`, string(members[1].Key))
	assert.Equal(t, `[true,{"x":null}]`, string(members[1].Val))
	assert.Equal(t, `"q\"x"`, string(members[2].Val))

	for _, in := range []string{
		``, `   `, `null`, `[]`, `"x"`, `12`, `{`, `{"a":1`, `{"a":1,}`, `{"a":1} {}`, `{"a":1}x`,
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":nul}`, `{"a":"\x"}`,
		`{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a" 1}`, `{a:1}`, `{"a":[1,]}`, `{"a":{"b":1,}}`,
		`{"a":'x'}`, `{"a":1}}`, `{"a":"unterminated}`, `{"a":"\`,
	} {
		_, err := ScanObject([]byte(in), nil)
		var se *SyntaxError
		assert.True(t, errors.As(err, &se), "%q: %v", in, err)
		assert.ErrorIs(t, err, errSyntax, in)
	}

	deep := append([]byte(`{"a":`), bytes.Repeat([]byte("["), maxDepth+2)...)
	_, err = ScanObject(deep, nil)
	assert.EqualError(t, err, "invalid JSON at offset 10005: nested too deeply")
}

func TestScanObjectDoesNotAllocate(t *testing.T) {
	data := []byte(`{"id":"x","name":"y","tags":["a","b"],"n":-1.5e3,"o":{"k":[null,true,false]}}`)
	var buf [8]Member
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ScanObject(data, buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestEachElementAndStringList(t *testing.T) {
	var got []string
	ok, err := EachElement([]byte(`[ 1 , "a", {"b":[2]} ,[]]`), func(e []byte) error {
		got = append(got, string(e))
		return nil
	})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []string{`1`, `"a"`, `{"b":[2]}`, `[]`}, got)
	ok, err = EachElement([]byte(`{}`), nil)
	assert.False(t, ok)
	assert.NoError(t, err)

	list, ok, err := StringList([]byte(`["a","\u00e9",""]`))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []string{"a", "\u00e9", ""}, list)
	for _, in := range []string{`["a",1]`, `"a"`, `{}`} {
		list, ok, err = StringList([]byte(in))
		assert.NoError(t, err, in)
		assert.False(t, ok, in)
		assert.Nil(t, list, in)
	}
}

func TestUnquoteIsNumberAppendQuoted(t *testing.T) {
	for in, want := range map[string]string{`"plain"`: "plain", `"a\"b\n"`: "a\"b\n", `"\u00e9"`: "\u00e9", "\"\xff\"": "\ufffd"} {
		got, err := Unquote([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := Unquote([]byte(`x`))
	assert.ErrorIs(t, err, errSyntax)

	for s, want := range map[string]bool{"0": true, "-12.5e+3": true, "1738074900000": true, "": false, "01": false, "1.": false, "+1": false, "1 ": false, "abc": false} {
		assert.Equal(t, want, IsNumber(s), s)
	}
	assert.Equal(t, `x:"a\u003cb\"\n"`, string(AppendQuoted([]byte("x:"), "a<b\"\n")))
}

// FuzzScanObject checks the validating scanner against encoding/json on any bytes: it
// accepts exactly the JSON objects, and finds their members (the last of a repeated name
// wins, as in encoding/json) byte for byte.
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"]"}]}`, `{"x\"y":"\\","a":{"b":{}}}`, `{"k":"\u00e9"}`,
		` {"n":-0.5e-3,"t":true,"f":false,"z":null} `, `{"a":1,"a":2}`, `[1]`, `{"a":"\ud800"}`, "{\"\xff\":1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := ScanObject(data, nil)
		var want map[string]json.RawMessage
		isObject := json.Unmarshal(data, &want) == nil && want != nil
		if (err == nil) != isObject {
			t.Fatalf("ScanObject(%q) error %v, but encoding/json says object=%v", data, err, isObject)
		}
		if err != nil {
			if !errors.Is(err, errSyntax) {
				t.Fatalf("not a syntax error: %v", err)
			}
			return
		}
		got := map[string]json.RawMessage{}
		for _, m := range members {
			k, err := Unquote(m.Key)
			if err != nil {
				t.Fatalf("Unquote(%s): %v", m.Key, err)
			}
			got[k] = json.RawMessage(m.Val)
		}
		if len(got) != len(want) {
			t.Fatalf("ScanObject(%q) = %v, want %v", data, got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("member %q = %s, want %s", k, got[k], v)
			}
		}
	})
}
