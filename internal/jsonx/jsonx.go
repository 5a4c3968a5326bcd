// Package jsonx is the SDK's one JSON scanner. It reads three kinds of bytes:
//
//   - API responses: Models decodes them into the SDK's types in one validating pass, by
//     encoding/json's rules for the fields a type names, keeping the members it does not name
//     in the type's Extra field at every level;
//   - bytes nobody has checked (a webhook body): ScanObject validates them in one pass and a
//     Codec decodes the members into a struct, keeping unknown members and which members were
//     present, so an event re-encodes to what was sent;
//   - bytes encoding/json has already validated: Unknown and MemberStart pick out the members
//     a model does not name, without a second full decode, and AppendMembers writes them back.
//
// All go through one scanner type (scan.go, strings.go): a validating pass for unchecked
// bytes, a quicker skip for validated ones.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
)

// Fields is the set of JSON names a struct type declares.
type Fields map[string]struct{}

// FieldsOf returns the JSON field names of struct type T, following embedded structs.
func FieldsOf[T any]() Fields {
	f := Fields{}
	collect(reflect.TypeOf((*T)(nil)).Elem(), f)
	return f
}

func collect(t reflect.Type, f Fields) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collect(ft, f)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f[name] = struct{}{}
	}
}

// Unknown returns the members of the JSON object data whose names are not in known, or nil
// when there are none. data must be valid JSON (decode it first); anything but an object
// yields nil. It allocates only for unknown members.
func Unknown(data []byte, known Fields) (map[string]json.RawMessage, error) {
	s := scanner{b: data}
	s.ws()
	if !s.eat('{') {
		return nil, nil
	}
	var extra map[string]json.RawMessage
	s.ws()
	if s.eat('}') {
		return nil, nil
	}
	for {
		s.ws()
		kStart := s.i
		if err := s.str(); err != nil {
			return nil, err
		}
		rawKey := data[kStart:s.i]
		s.ws()
		if !s.eat(':') {
			return nil, s.errAt("expected ':'")
		}
		s.ws()
		vStart := s.i
		if err := s.skip(); err != nil {
			return nil, err
		}
		val := data[vStart:s.i]
		inner := rawKey[1 : len(rawKey)-1]
		// Indexing with string(inner) does not allocate; only escaped or unknown keys do.
		if _, ok := known[string(inner)]; !ok || !plainKey(inner) {
			key, err := Unquote(rawKey)
			if err != nil {
				return nil, err
			}
			if _, ok := known[key]; !ok {
				if extra == nil {
					extra = make(map[string]json.RawMessage)
				}
				extra[key] = append(json.RawMessage(nil), val...)
			}
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return extra, nil
		}
		return nil, s.errAt("expected ',' or '}'")
	}
}

// MemberStart returns data from the start of the value of the member called name in the JSON
// object data (valid JSON), or nil when there is no such member. It scans only the members
// before it: a caller that goes on to scan the value (Unknown stops at the end of an object)
// reads each byte once.
func MemberStart(data []byte, name string) ([]byte, error) {
	s := scanner{b: data}
	s.ws()
	if !s.eat('{') {
		return nil, nil
	}
	s.ws()
	if s.eat('}') {
		return nil, nil
	}
	for {
		s.ws()
		kStart := s.i
		if err := s.str(); err != nil {
			return nil, err
		}
		rawKey := data[kStart:s.i]
		s.ws()
		if !s.eat(':') {
			return nil, s.errAt("expected ':'")
		}
		s.ws()
		inner := rawKey[1 : len(rawKey)-1]
		if string(inner) == name && plainKey(inner) {
			return data[s.i:], nil
		}
		if !plainKey(inner) {
			if key, err := Unquote(rawKey); err == nil && key == name {
				return data[s.i:], nil
			}
		}
		if err := s.skip(); err != nil {
			return nil, err
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return nil, nil
		}
		return nil, s.errAt("expected ',' or '}'")
	}
}

// AppendMembers adds members to the JSON object obj (as encoded by encoding/json), in
// sorted key order so output is deterministic. Members whose names obj already has are
// skipped: a named field always wins over an extra one of the same name.
func AppendMembers(obj []byte, members map[string]json.RawMessage, known Fields) ([]byte, error) {
	if len(members) == 0 {
		return obj, nil
	}
	obj = bytes.TrimRight(obj, " \n\t\r")
	if len(obj) < 2 || obj[len(obj)-1] != '}' {
		return nil, errors.New("jsonx: not an object")
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		if _, ok := known[k]; ok {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return obj, nil
	}
	sort.Strings(keys)
	out := make([]byte, 0, len(obj)+64*len(keys))
	out = append(out, obj[:len(obj)-1]...)
	empty := len(bytes.TrimSpace(obj[1:len(obj)-1])) == 0
	for _, k := range keys {
		v := members[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		if !json.Valid(v) {
			return nil, errors.New("jsonx: invalid JSON in member " + k)
		}
		if !empty {
			out = append(out, ',')
		}
		empty = false
		kb, _ := json.Marshal(k)
		out = append(out, kb...)
		out = append(out, ':')
		out = append(out, v...)
	}
	return append(out, '}'), nil
}
