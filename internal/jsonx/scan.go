package jsonx

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// errSyntax is matched by every syntax error of this package.
var errSyntax = errors.New("jsonx: invalid JSON")

// SyntaxError reports where JSON stopped being valid. It matches errSyntax.
type SyntaxError struct {
	Offset int
	What   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.What)
}

// Is makes errors.Is(err, errSyntax) hold for every syntax error.
func (e *SyntaxError) Is(target error) bool { return target == errSyntax }

// maxDepth bounds nesting like encoding/json does, so hostile input cannot exhaust the stack.
const maxDepth = 10000

// scanner is the package's one JSON reader. It has two ways to pass over a value: value
// validates it (RFC 8259), for bytes nobody checked yet such as a webhook body; skip only
// finds where a value ends, for bytes that were validated before (by value, or by
// encoding/json), and is quicker over nested values. Both share the string and white-space
// scanning.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) errAt(what string) error { return &SyntaxError{Offset: s.i, What: what} }

func (s *scanner) ws() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return // compact JSON, as webhooks come, has none
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str passes over a string, checking its escapes and that it holds no control byte.
func (s *scanner) str() error {
	_, err := s.strFlags()
	return err
}

// strFlags is str that also returns what scanString found in the string, marked strScanned,
// for a Member: a decoder then need not look at the string again to know its value.
func (s *scanner) strFlags() (uint8, error) {
	b := s.b
	if s.i >= len(b) || b[s.i] != '"' {
		return 0, s.errAt("expected a string")
	}
	// Most strings are short and plain: when the first byte to look at is the closing
	// quote, the string is done without a call.
	j := s.i + 1
	for ; j+8 <= len(b); j += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			j += bits.TrailingZeros64(m) >> 3
			if b[j] == '"' {
				s.i = j + 1
				return strScanned, nil
			}
			break
		}
	}
	end, flags, err := scanRest(b, j)
	if err != nil {
		return 0, err
	}
	s.i = end
	return flags | strScanned, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// value validates one value; depth is its nesting level, which objects and arrays may not
// take past maxDepth (encoding/json's limit).
func (s *scanner) value(depth int) error {
	if s.i >= len(s.b) {
		return s.errAt("unexpected end")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		if depth > maxDepth {
			return s.errAt("nested too deeply")
		}
		s.i++
		s.ws()
		if s.eat('}') {
			return nil
		}
		for {
			s.ws()
			if err := s.str(); err != nil {
				return err
			}
			s.ws()
			if !s.eat(':') {
				return s.errAt("expected ':'")
			}
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				return nil
			}
			return s.errAt("expected ',' or '}'")
		}
	case c == '[':
		if depth > maxDepth {
			return s.errAt("nested too deeply")
		}
		s.i++
		s.ws()
		if s.eat(']') {
			return nil
		}
		for {
			s.ws()
			if err := s.value(depth + 1); err != nil {
				return err
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat(']') {
				return nil
			}
			return s.errAt("expected ',' or ']'")
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.errAt("unexpected character")
	}
}

func (s *scanner) literal(lit string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return s.errAt("bad literal")
	}
	s.i += len(lit)
	return nil
}

func (s *scanner) number() error {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return s.errAt("bad number")
	}
	if s.eat('.') {
		if s.digits() == 0 {
			return s.errAt("bad fraction")
		}
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if s.digits() == 0 {
			return s.errAt("bad exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// skip passes over one value of validated JSON. On bytes that are not valid JSON it stops
// with an error or at a wrong place, but never reads out of bounds.
func (s *scanner) skip() error {
	if s.i >= len(s.b) {
		return s.errAt("unexpected end")
	}
	switch s.b[s.i] {
	case '"':
		return s.str()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return s.errAt("unterminated value")
	default:
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if s.i == start {
					return s.errAt("expected a value")
				}
				return nil
			}
			s.i++
		}
		if s.i == start {
			return s.errAt("expected a value")
		}
		return nil
	}
}

// Member is one member of a JSON object: the key with its quotes, and the value.
type Member struct {
	Key, Val []byte
	// What the scan found in the key and, when it is a string, the value (strScanned and
	// scanString's flags); 0 when unknown, as in a Member made elsewhere.
	keyFlags, valFlags uint8
}

// PlainVal returns the bytes inside the quotes of m's value when the scan found it to be a
// string that holds its value as it is (no escapes, ASCII): a caller can look it up without
// making a string.
func (m Member) PlainVal() ([]byte, bool) {
	if m.valFlags != strScanned {
		return nil, false
	}
	return m.Val[1 : len(m.Val)-1], true
}

// appendMember scans one "key": value pair at s.i into a new last element of buf,
// validating the value (validate) or only finding its end. It fills the element in place:
// copying a Member out of a call and into buf costs as much as scanning a short string.
func (s *scanner) appendMember(buf []Member, validate bool) ([]Member, error) {
	buf = append(buf, Member{})
	m := &buf[len(buf)-1]
	kStart := s.i
	kf, err := s.strFlags()
	if err != nil {
		return nil, err
	}
	m.Key, m.keyFlags = s.b[kStart:s.i], kf
	s.ws()
	if !s.eat(':') {
		return nil, s.errAt("expected ':'")
	}
	s.ws()
	vStart := s.i
	switch {
	case s.i < len(s.b) && s.b[s.i] == '"':
		// Strings are most values: scan them here, keeping what the scan found.
		m.valFlags, err = s.strFlags()
	case validate:
		err = s.value(1)
	default:
		err = s.skip()
	}
	if err != nil {
		return nil, err
	}
	m.Val = s.b[vStart:s.i]
	return buf, nil
}

// ScanObject validates data as one JSON object (with nothing but white space around it) and
// appends its members to buf. It is the entry point for untrusted bytes: every value is
// validated, nesting is bounded, and nothing is allocated beyond buf's growth.
func ScanObject(data []byte, buf []Member) ([]Member, error) {
	s := scanner{b: data}
	s.ws()
	if !s.eat('{') {
		return nil, s.errAt("not a JSON object")
	}
	s.ws()
	if !s.eat('}') {
		for {
			s.ws()
			var err error
			if buf, err = s.appendMember(buf, true); err != nil {
				return nil, err
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			if s.eat('}') {
				break
			}
			return nil, s.errAt("expected ',' or '}'")
		}
	}
	s.ws()
	if s.i != len(data) {
		return nil, s.errAt("data after the object")
	}
	return buf, nil
}

// splitMembers appends the members of data, one JSON object that was validated before, to
// buf: a quicker ScanObject, which only finds where each member ends.
func splitMembers(data []byte, buf []Member) ([]Member, error) {
	s := scanner{b: data}
	s.ws()
	return s.members(buf)
}

// members appends the members of the validated object at s.i to buf and passes over it.
func (s *scanner) members(buf []Member) ([]Member, error) {
	if !s.eat('{') {
		return nil, s.errAt("not a JSON object")
	}
	s.ws()
	if s.eat('}') {
		return buf, nil
	}
	for {
		s.ws()
		var err error
		if buf, err = s.appendMember(buf, false); err != nil {
			return nil, err
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return buf, nil
		}
		return nil, s.errAt("expected ',' or '}'")
	}
}

// EachElement calls fn with each element of arr, a validated JSON array, in order. It
// returns fn's first error; ok is false when arr is not an array.
func EachElement(arr []byte, fn func(elem []byte) error) (ok bool, err error) {
	if len(arr) == 0 || arr[0] != '[' {
		return false, nil
	}
	s := scanner{b: arr, i: 1}
	s.ws()
	if s.eat(']') {
		return true, nil
	}
	for {
		s.ws()
		start := s.i
		if err := s.skip(); err != nil {
			return true, err
		}
		if err := fn(arr[start:s.i]); err != nil {
			return true, err
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return true, nil
		}
		return true, s.errAt("expected ',' or ']'")
	}
}

// An ArrayWalk goes through the elements of a validated JSON array one at a time. It takes
// no callback, so the members it hands out can live in the caller's frame.
type ArrayWalk struct {
	s       scanner
	started bool
}

// WalkArray starts a walk over arr; ok is false when arr is not an array.
func WalkArray(arr []byte) (w ArrayWalk, ok bool) {
	if len(arr) == 0 || arr[0] != '[' {
		return ArrayWalk{}, false
	}
	return ArrayWalk{s: scanner{b: arr, i: 1}}, true
}

// More moves to the next element; it reports false after the last one. The caller passes
// over each element (Members) before asking for the next.
func (w *ArrayWalk) More() (bool, error) {
	w.s.ws()
	if !w.started {
		w.started = true
		return !w.s.eat(']'), nil
	}
	if w.s.eat(']') {
		return false, nil
	}
	if !w.s.eat(',') {
		return false, w.s.errAt("expected ',' or ']'")
	}
	w.s.ws()
	return true, nil
}

// IsObject reports whether the element ahead is an object.
func (w *ArrayWalk) IsObject() bool { return w.s.i < len(w.s.b) && w.s.b[w.s.i] == '{' }

// Members appends the members of the element ahead, an object, to buf and passes over it.
func (w *ArrayWalk) Members(buf []Member) ([]Member, error) { return w.s.members(buf) }

// Unquote decodes a JSON string (with its quotes). Valid UTF-8 without escapes takes the
// fast path; anything else is decoded as encoding/json does (invalid bytes become U+FFFD).
func Unquote(q []byte) (string, error) {
	if len(q) < 2 || q[0] != '"' {
		return "", &SyntaxError{What: "not a string"}
	}
	end, flags, err := scanString(q, 0)
	if err != nil {
		return "", err
	}
	if end != len(q) {
		return "", &SyntaxError{Offset: end, What: "data after the string"}
	}
	return stringOf(q[1:end-1], flags), nil
}

// plainKey reports whether a quoted string's inner bytes are its value: no escapes and valid
// UTF-8 (encoding/json replaces invalid bytes with U+FFFD, and so must we).
func plainKey(inner []byte) bool {
	return bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner)
}

// IsNumber reports whether s is one JSON number.
func IsNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	sc := scanner{b: []byte(s)}
	return sc.number() == nil && sc.i == len(s)
}

// AppendQuoted appends s as a JSON string, escaped as encoding/json escapes it.
func AppendQuoted(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}
