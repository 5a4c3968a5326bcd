package ghl

import (
	"errors"

	"github.com/linkedphone/ghl-go/internal/e164"
)

// PhoneError reports why NormalizePhone refused a number. It does not hold the number: errors
// end up in logs, and a phone number is personal data.
type PhoneError struct {
	// Reason says what is wrong, e.g. "has an extension" or "too few digits for GB".
	Reason string
}

func (e *PhoneError) Error() string { return "ghl: invalid phone number: " + e.Reason }

// NormalizePhone returns number in E.164 ("+14155550100"), the form GHL stores phone numbers
// in and compares them by, or a *PhoneError.
//
// A number with a leading "+", or with an international call prefix ("00" anywhere, and the
// region's own: "011" in North America, "0011" in Australia, ...), is read as international
// and needs no region. Any other number is read as a national number of defaultRegion, an
// ISO 3166-1 alpha-2 code such as "US" or "GB" (the country a GHL location is set to); the
// region's trunk prefix is dropped ("1 415 555 0100" in the US, "020 7946 0958" in GB). The
// national number must have the region's length, and a North American number the plan's
// shape (area code and exchange starting with 2-9, no N11 area code). "+44 (0)20 ..." is
// read without the "(0)", "(+44) 20 ..." as "+44 20 ...". Spaces, dashes, dots, slashes and
// parentheses are ignored.
//
// GHL documents no parsing rules, so two choices are stricter than what it may accept:
// a number with an extension ("x123", "ext. 123", "#123", ";ext=123") is refused, since
// E.164 has no extension and a stored number without it would ring the wrong phone; and a
// number with letters ("1-800-FLOWERS") is refused rather than spelled out.
func NormalizePhone(number, defaultRegion string) (string, error) {
	n, err := e164.Normalize(number, defaultRegion)
	var e *e164.Error
	if errors.As(err, &e) {
		return "", &PhoneError{Reason: e.Reason}
	}
	return n, err
}
