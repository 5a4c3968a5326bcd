package ghl

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Codec hooks for event values that GHL sends in more than one form. Each decodes the
// documented form and the loose one, and tells the codec which form came (alt), so the event
// re-encodes as it was sent. A value neither form fits goes to the event's Extra.

// decodeIntField reads a whole number sent as a number or as a numeric string (alt).
func decodeIntField(fv reflect.Value, val []byte) (fits, alt bool, err error) {
	text, alt, ok, err := numberText(val)
	if !ok || err != nil {
		return false, false, err
	}
	n, ok := wholeNumber(text)
	if !ok || n < math.MinInt || n > math.MaxInt {
		return false, false, nil
	}
	fv.SetInt(n)
	return true, alt, nil
}

func encodeIntField(fv reflect.Value, alt bool) ([]byte, error) {
	return numberJSON(strconv.FormatInt(fv.Int(), 10), alt), nil
}

// decodeSecondsField reads a call duration as Seconds.UnmarshalJSON does (a number or a
// numeric string, rounded to whole seconds), except that what does not fit goes to Extra
// instead of failing the event.
func decodeSecondsField(fv reflect.Value, val []byte) (fits, alt bool, err error) {
	text, alt, ok, err := numberText(val)
	if !ok || err != nil {
		return false, false, err
	}
	f, perr := strconv.ParseFloat(text, 64)
	if perr != nil || math.IsNaN(f) || f < 0 || f > math.MaxInt32 {
		return false, false, nil
	}
	s := Seconds(math.Round(f))
	fv.Set(reflect.ValueOf(&s))
	return true, alt, nil
}

func encodeSecondsField(fv reflect.Value, alt bool) ([]byte, error) {
	if fv.IsNil() {
		return []byte("null"), nil
	}
	return numberJSON(strconv.FormatInt(fv.Elem().Int(), 10), alt), nil
}

// decodeAddressesField reads a list of strings, or one string (alt).
func decodeAddressesField(fv reflect.Value, val []byte) (fits, alt bool, err error) {
	switch val[0] {
	case '"':
		s, err := jsonx.Unquote(val)
		if err != nil {
			return false, false, err
		}
		fv.Set(reflect.ValueOf(Addresses{s}))
		return true, true, nil
	case '[':
		list, ok, err := jsonx.StringList(val)
		if !ok || err != nil {
			return false, false, err
		}
		fv.Set(reflect.ValueOf(Addresses(list)))
		return true, false, nil
	}
	return false, false, nil
}

func encodeAddressesField(fv reflect.Value, alt bool) ([]byte, error) {
	a := fv.Interface().(Addresses)
	if alt && len(a) == 1 {
		return jsonx.AppendQuoted(nil, a[0]), nil
	}
	return json.Marshal([]string(a))
}

// numberText returns the text of a JSON number, or of a JSON string (alt) holding one; ok is
// false for any other value.
func numberText(val []byte) (text string, alt, ok bool, err error) {
	switch c := val[0]; {
	case c == '"':
		s, err := jsonx.Unquote(val)
		if err != nil {
			return "", false, false, err
		}
		s = strings.TrimSpace(s)
		return s, true, s != "", nil
	case c == '-' || (c >= '0' && c <= '9'):
		return string(val), false, true, nil
	}
	return "", false, false, nil
}

// maxExactFloat is the largest whole number a float64 holds exactly.
const maxExactFloat = 1 << 53

// wholeNumber parses text as a whole number: an integer, or a number with a fraction or an
// exponent whose value is whole and exact in a float64 (120.0, 1.2e2).
func wholeNumber(text string) (int64, bool) {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxExactFloat {
		return 0, false
	}
	return int64(f), true
}

func numberJSON(digits string, alt bool) []byte {
	if alt {
		return jsonx.AppendQuoted(nil, digits)
	}
	return []byte(digits)
}
