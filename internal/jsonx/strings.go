package jsonx

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// String scanning for the decoders: the bytes of a string are checked eight at a time, since
// strings are most of what an API response holds.

const (
	strEscaped  = 1 << iota // the string holds a backslash escape
	strNonASCII             // the string holds a byte >= 0x80
	strScanned              // set in a Member's flags: the other two are known
)

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specialBytes returns a word with the high bit set in the byte of w holding a quote, a
// backslash, a control byte or a non-ASCII byte (the bytes a string scan must look at), and
// possibly in bytes after it: its lowest set bit marks the first such byte exactly.
func specialBytes(w uint64) uint64 {
	quote := w ^ (lsb * '"')
	bslash := w ^ (lsb * '\\')
	return ((quote-lsb)&^quote | (bslash-lsb)&^bslash | (w-lsb*0x20)&^w | w) & msb
}

// special marks the bytes specialBytes finds; it is built once and only read.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// scanString passes over the string that starts at b[i] (a quote). It returns the index just
// past the closing quote, and which of strEscaped and strNonASCII the string holds. It checks
// what RFC 8259 requires: valid escapes and no control bytes.
func scanString(b []byte, i int) (end int, flags uint8, err error) {
	return scanRest(b, i+1)
}

// scanRest is scanString from b[j] on, in a string whose bytes before j are plain.
func scanRest(b []byte, j int) (end int, flags uint8, err error) {
	for {
		j = nextSpecial(b, j)
		if j >= len(b) {
			return j, flags, &SyntaxError{Offset: j, What: "unterminated string"}
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, flags, nil
		case c == '\\':
			flags |= strEscaped
			if j+1 >= len(b) {
				return j, flags, &SyntaxError{Offset: j, What: "unterminated escape"}
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return j, flags, &SyntaxError{Offset: j, What: "short \\u escape"}
				}
				for _, h := range b[j+2 : j+6] {
					if !isHex(h) {
						return j, flags, &SyntaxError{Offset: j, What: "bad \\u escape"}
					}
				}
				j += 6
			default:
				return j, flags, &SyntaxError{Offset: j, What: "bad escape"}
			}
		case c < 0x20:
			return j, flags, &SyntaxError{Offset: j, What: "control character in string"}
		default: // non-ASCII
			flags |= strNonASCII
			j++
		}
	}
}

// nextSpecial returns the index of the first byte from b[j] on that a string scan must look
// at, or len(b): eight bytes at a time, then one at a time. A word that holds one is not
// looked at again byte by byte.
func nextSpecial(b []byte, j int) int {
	for ; j+8 <= len(b); j += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for ; j < len(b); j++ {
		if special[b[j]] {
			break
		}
	}
	return j
}

// stringOf returns the value of the string whose inner bytes (without quotes) are in, as
// scanString flagged them. Valid UTF-8 without escapes is copied as it is; anything else is
// decoded as encoding/json decodes it.
func stringOf(in []byte, flags uint8) string {
	if flags == 0 || (flags == strNonASCII && utf8.Valid(in)) {
		return string(in)
	}
	return string(appendUnquoted(make([]byte, 0, len(in)+8), in))
}

// appendUnquoted appends the value of a string's validated inner bytes to dst, as
// encoding/json does: escapes are decoded, a \u escape of a lone surrogate and every byte of
// invalid UTF-8 become U+FFFD.
func appendUnquoted(dst, in []byte) []byte {
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '\\':
			switch in[i+1] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hex4(in[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(in) && in[i] == '\\' && in[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(in[i+2:i+6])); dec != utf8.RuneError {
							dst = utf8.AppendRune(dst, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, in[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, in[i:i+n]...)
			}
			i += n
		}
	}
	return dst
}

// hex4 decodes four validated hex digits.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
