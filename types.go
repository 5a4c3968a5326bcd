package ghl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Extra holds the members of a JSON object that a model does not name. Models keep them so
// that what the API sends survives a decode and re-encode, and so fields GHL adds later are
// reachable before this SDK names them.
type Extra map[string]json.RawMessage

// decodeWithExtra decodes data into v (a pointer to a type without custom UnmarshalJSON) and
// collects the unknown members into *extra.
func decodeWithExtra(data []byte, v any, known jsonx.Fields, extra *Extra) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	m, err := jsonx.Unknown(data, known)
	if err != nil {
		return err
	}
	*extra = m
	return nil
}

// encodeWithExtra encodes v (a type without custom MarshalJSON) and appends the extra
// members, then sends each name in null as an explicit JSON null.
func encodeWithExtra(v any, known jsonx.Fields, extra Extra, null []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(null) > 0 {
		nulls := make(map[string]json.RawMessage, len(null))
		for _, name := range null {
			if _, ok := known[name]; !ok {
				return nil, &InvalidParamError{Param: "Null", Reason: fmt.Sprintf("%q is not a field of this request", name)}
			}
			if hasMember(b, name) {
				return nil, &InvalidParamError{Param: "Null", Reason: fmt.Sprintf("%q is both set and listed as null", name)}
			}
			nulls[name] = json.RawMessage("null")
		}
		if b, err = jsonx.AppendMembers(b, nulls, nil); err != nil {
			return nil, err
		}
	}
	return jsonx.AppendMembers(b, map[string]json.RawMessage(extra), known)
}

func hasMember(obj []byte, name string) bool {
	m, _ := jsonx.Unknown(obj, nil)
	_, ok := m[name]
	return ok
}

// CustomFieldValue is a custom field as GHL returns it: {id, value}. The value's JSON type
// depends on the field's type (text, number, list, file map), so it is kept raw; the methods
// read it as the type you expect.
type CustomFieldValue struct {
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value,omitempty"`
}

// String returns the value as text: a JSON string as is, a number in its JSON form. ok is
// false for lists, objects and null.
func (f CustomFieldValue) String() (s string, ok bool) {
	v := bytes.TrimSpace(f.Value)
	if len(v) == 0 || string(v) == "null" {
		return "", false
	}
	switch v[0] {
	case '"':
		return s, json.Unmarshal(v, &s) == nil
	case '{', '[':
		return "", false
	default:
		return string(v), v[0] != 't' && v[0] != 'f'
	}
}

// Float returns a numeric value, also when GHL sends it as a numeric string.
func (f CustomFieldValue) Float() (float64, bool) {
	var n json.Number
	if err := json.Unmarshal(f.Value, &n); err == nil {
		x, err := n.Float64()
		return x, err == nil
	}
	var s string
	if json.Unmarshal(f.Value, &s) == nil {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return x, err == nil
	}
	return 0, false
}

// Strings returns a list value (checkbox, multi-select); a single string becomes a
// one-element list.
func (f CustomFieldValue) Strings() ([]string, bool) {
	var list []string
	if json.Unmarshal(f.Value, &list) == nil {
		return list, true
	}
	if s, ok := f.String(); ok {
		return []string{s}, true
	}
	return nil, false
}

// Decode unmarshals the value into v, for file maps and other object values.
func (f CustomFieldValue) Decode(v any) error { return json.Unmarshal(f.Value, v) }

// CustomFieldInput sets a custom field in a create, update or upsert: by ID or by key
// ("contact.my_field"), with a value of the JSON type the field expects.
type CustomFieldInput struct {
	ID    string `json:"id,omitempty"`
	Key   string `json:"key,omitempty"`
	Value any    `json:"field_value"`
}

// Time is a timestamp as GHL sends it: RFC 3339 in most places, "2006-01-02 15:04:05" (no
// zone, read as UTC) on contact appointments, or epoch milliseconds. It keeps the original
// text, which it encodes back unchanged.
type Time struct {
	time.Time
	// Raw is the text as received, without quotes; empty for a Time built in Go.
	Raw string
}

var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02",
}

// parseTime parses any of the forms GHL sends.
func parseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{Time: t, Raw: s}, nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Time{Time: time.UnixMilli(ms).UTC(), Raw: s}, nil
	}
	return Time{}, fmt.Errorf("ghl: unrecognised time %q", s)
}

// UnmarshalJSON accepts a string in any supported form, a number of epoch milliseconds, or
// null (the zero Time).
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" || string(b) == `""` {
		*t = Time{}
		return nil
	}
	var s string
	if b[0] == '"' {
		var err error
		if s, err = jsonx.Unquote(b); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	pt, err := parseTime(s)
	if err != nil {
		return err
	}
	*t = pt
	return nil
}

// MarshalJSON writes the original text if there is one, else RFC 3339; the zero Time is null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.Raw != "" {
		if _, err := strconv.ParseInt(t.Raw, 10, 64); err == nil {
			return []byte(t.Raw), nil
		}
		return json.Marshal(t.Raw)
	}
	if t.Time.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Time.Format(time.RFC3339Nano))
}

// Ptr returns a pointer to v, for the optional fields of request types.
func Ptr[T any](v T) *T { return &v }
