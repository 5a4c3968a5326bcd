package jsonx

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct {
	B string `json:"b"`
}

type sample struct {
	A     string `json:"a,omitempty"`
	Skip  string `json:"-"`
	NoTag int
	//lint:ignore U1000 an unexported field must not count as a JSON field
	hidden int
	inner
}

func TestFieldsOf(t *testing.T) {
	f := FieldsOf[sample]()
	assert.Equal(t, Fields{"a": {}, "NoTag": {}, "b": {}}, f)
}

func TestUnknown(t *testing.T) {
	known := Fields{"a": {}, "b": {}}
	tests := []struct {
		in   string
		want map[string]json.RawMessage
	}{
		{`{}`, nil},
		{` { "a" : 1 , "b":"x" } `, nil},
		{`{"a":1,"c":{"d":[1,{"e":"}"}]},"b":2}`, map[string]json.RawMessage{"c": json.RawMessage(`{"d":[1,{"e":"}"}]}`)}},
		{`{"q\"uote":"v\"x","a\u0062":true}`, map[string]json.RawMessage{`q"uote`: json.RawMessage(`"v\"x"`), "ab": json.RawMessage(`true`)}},
		{`{"\u0061":null,"n":-1.5e3,"t":true,"z":null}`, map[string]json.RawMessage{"n": json.RawMessage(`-1.5e3`), "t": json.RawMessage(`true`), "z": json.RawMessage(`null`)}},
		{`[1,2]`, nil},
		{`"str"`, nil},
	}
	for _, tt := range tests {
		got, err := Unknown([]byte(tt.in), known)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestUnknownDoesNotAllocateForKnownFields(t *testing.T) {
	known := Fields{"id": {}, "name": {}, "tags": {}}
	data := []byte(`{"id":"x","name":"y","tags":["a","b"]}`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Unknown(data, known); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestAppendMembers(t *testing.T) {
	out, err := AppendMembers([]byte(`{"a":1}`), map[string]json.RawMessage{"z": json.RawMessage(`[1]`), "c": nil, "a": json.RawMessage(`2`)}, Fields{"a": {}})
	require.NoError(t, err)
	assert.Equal(t, `{"a":1,"c":null,"z":[1]}`, string(out), "sorted, named fields win, empty raw becomes null")

	out, err = AppendMembers([]byte(`{}`), map[string]json.RawMessage{"k": json.RawMessage(`"v"`)}, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"k":"v"}`, string(out))

	_, err = AppendMembers([]byte(`{}`), map[string]json.RawMessage{"k": json.RawMessage(`{bad`)}, nil)
	require.EqualError(t, err, "jsonx: invalid JSON in member k")
	_, err = AppendMembers([]byte(`[]`), map[string]json.RawMessage{"k": json.RawMessage(`1`)}, nil)
	require.EqualError(t, err, "jsonx: not an object")
}

// FuzzUnknown checks, for any valid JSON object, that the unknown members Unknown finds are
// exactly the object's members minus the known ones, byte for byte.
func FuzzUnknown(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"]"}]}`, `{"x\"y":"\\","a":{"b":{}}}`, `{"k":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	known := Fields{"a": {}, "id": {}}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any bytes at all: an error or a result, never a panic or a read out of bounds.
		_, _ = Unknown(data, known)
		_, _ = MemberStart(data, "a")

		var want map[string]json.RawMessage
		if json.Unmarshal(data, &want) != nil || want == nil {
			return
		}
		got, err := Unknown(data, known)
		if err != nil {
			t.Fatalf("Unknown(%q): %v", data, err)
		}
		if v, ok := want["a"]; ok && countMembers(t, data, "a") == 1 {
			rest, err := MemberStart(data, "a")
			if err != nil || !bytes.HasPrefix(rest, v) {
				t.Fatalf("MemberStart(%q, a) = %q, %v; want a start of %s", data, rest, err, v)
			}
		}
		for k := range known {
			delete(want, k)
		}
		if len(want) == 0 {
			want = nil
		}
		// encoding/json keeps the last of duplicate keys; so does Unknown.
		if len(got) != len(want) {
			t.Fatalf("Unknown(%q) = %v, want %v", data, got, want)
		}
		for k, v := range want {
			if string(got[k]) != string(v) {
				t.Fatalf("member %q = %s, want %s", k, got[k], v)
			}
		}
	})
}

func TestMemberStart(t *testing.T) {
	tests := []struct {
		in, name, want string
	}{
		{`{"a":1,"contact":{"id":"x"}}`, "contact", `{"id":"x"}}`},
		{` { "contact" : [1] } `, "contact", `[1] } `},
		{`{"a":{"contact":1},"b":2}`, "contact", ``},
		{`{"con\u0074act":true}`, "contact", `true}`},
		{`{}`, "contact", ``},
		{`[{"contact":1}]`, "contact", ``},
	}
	for _, tt := range tests {
		got, err := MemberStart([]byte(tt.in), tt.name)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, string(got), tt.in)
	}
	_, err := MemberStart([]byte(`{"a" 1}`), "contact")
	assert.ErrorIs(t, err, errSyntax)
	_, err = Unknown([]byte(`{"a":1 "b":2}`), nil)
	assert.ErrorIs(t, err, errSyntax)
}

// countMembers counts the members of the valid object data called name.
func countMembers(t *testing.T, data []byte, name string) int {
	t.Helper()
	members, err := ScanObject(data, nil)
	if err != nil {
		t.Fatalf("ScanObject(%q): %v", data, err)
	}
	n := 0
	for _, m := range members {
		if k, err := Unquote(m.Key); err == nil && k == name {
			n++
		}
	}
	return n
}
