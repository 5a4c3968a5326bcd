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

// benchObject is a webhook event of about 1 KB, as GHL sends it.
var benchObject = []byte(`{"type":"ContactCreate","locationId":"ve9EPM428h8vShlRW1KT","id":"nmFmQEsNgz6AVpgLVUJ0","address1":"3535 1st St N","city":"ruDolomitebika","state":"AL","companyName":"Loram ipsum GmbH","country":"DE","source":"xyz web form","dateAdded":"2021-11-26T12:41:02.193Z","dateOfBirth":"2000-01-05T00:00:00.000Z","dnd":true,"email":"JohnDeo@gmail.comm","name":"John Deo","firstName":"John","lastName":"Deo","phone":"+919509597501","postalCode":"452001","tags":["id magna sed Lorem","Duis dolor commodo aliqua","customer","newsletter","vip","webinar-2025"],"website":"https://www.google.com/","attachments":[],"assignedTo":"nmFmQEsNgz6AVpgLVUJ0","customFields":[{"id":"BcdmQEsNgz6AVpgLVUJ0","value":"XYZ Corp"},{"id":"BcdmQEsNgz6AVpgLVUJ1","value":42},{"id":"BcdmQEsNgz6AVpgLVUJ2","value":["a","b"]},{"id":"BcdmQEsNgz6AVpgLVUJ3","value":"Follow up after the demo call next week about the annual plan and the two extra seats"}],"timestamp":"2025-06-01T12:00:00Z","webhookId":"7f2c1e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}`)

func BenchmarkScanObject(b *testing.B) {
	var buf [48]Member
	b.SetBytes(int64(len(benchObject)))
	for i := 0; i < b.N; i++ {
		if _, err := ScanObject(benchObject, buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestArrayWalk(t *testing.T) {
	_, ok := WalkArray([]byte(`{}`))
	assert.False(t, ok)
	w, ok := WalkArray([]byte(`[ {"a":1,"b":"x\u0079"} , {} ,7]`))
	require.True(t, ok)
	var got []int
	for {
		more, err := w.More()
		require.NoError(t, err)
		if !more {
			t.Fatal("the walk passed the element that is not an object")
		}
		if !w.IsObject() {
			break
		}
		members, err := w.Members(nil)
		require.NoError(t, err)
		got = append(got, len(members))
	}
	assert.Equal(t, []int{2, 0}, got)
}

func TestStringsShareOnlyTheirOwnBytes(t *testing.T) {
	data := []byte(`{"a":"plain","b":"esc\u0061ped","c":"caf\u00e9","d":"` + "caf\xc3\xa9" + `","e":"` + "\xff\xfe" + `"}`)
	members, err := ScanObject(data, nil)
	require.NoError(t, err)
	strs := newStrings(members)
	for _, m := range members {
		want, err := Unquote(m.Val)
		require.NoError(t, err)
		got, err := strs.Value(m)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%s", m.Key)
	}
	// The same bytes in another array are made on their own, never read from the block.
	other := append([]byte(nil), data...)
	copy(other[6:11], "OTHER")
	got, err := strs.Unquote(other[5:12])
	require.NoError(t, err)
	assert.Equal(t, "OTHER", got)
	plain, ok := members[0].PlainVal()
	assert.True(t, ok)
	assert.Equal(t, "plain", string(plain))
	_, ok = members[1].PlainVal()
	assert.False(t, ok)
	_, ok = Member{Key: []byte(`"a"`), Val: []byte(`"x"`)}.PlainVal()
	assert.False(t, ok, "flags of a Member made elsewhere are unknown")
}
