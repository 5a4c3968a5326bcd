// Package e164 reads phone numbers as GHL stores them, in E.164. ghl.NormalizePhone is its
// public face; ghltest uses it to store and compare numbers, and cannot import the ghl
// package, whose own tests import ghltest.
package e164

import "strings"

// Error says why a number was refused. It does not hold the number.
type Error struct{ Reason string }

func (e *Error) Error() string { return "invalid phone number: " + e.Reason }

// Normalize returns number in E.164 or an *Error; ghl.NormalizePhone documents the rules.
func Normalize(number, defaultRegion string) (string, error) {
	s := strings.TrimSpace(number)
	if s == "" {
		return "", &Error{Reason: "empty"}
	}
	if hasExtension(s) {
		return "", &Error{Reason: "has an extension; E.164 numbers have none"}
	}
	if strings.HasPrefix(s, "(+") { // "(+44) 20 ...", "(+1) 415 ..."
		s = s[1:]
	}
	international := strings.HasPrefix(s, "+")
	if international {
		// "+44 (0)20 ...": the bracketed trunk prefix is not dialled from abroad.
		s = "+" + strings.Replace(s[1:], "(0)", "", 1)
	}
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case r == '+':
			return "", &Error{Reason: "a + may only lead the number"}
		case strings.ContainsRune(" \t-.()/\u00a0\u2010\u2011\u2012\u2013\u2014", r):
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return "", &Error{Reason: "has letters"}
		default:
			return "", &Error{Reason: "has a character that is not a digit or a separator"}
		}
	}
	d := digits.String()
	region, known := regionRules(strings.ToUpper(strings.TrimSpace(defaultRegion)))
	if !international {
		switch {
		case known && region.idd != "" && strings.HasPrefix(d, region.idd):
			d, international = d[len(region.idd):], true
		case strings.HasPrefix(d, "00"):
			d, international = d[2:], true
		}
	}
	if international {
		return internationalNumber(d)
	}
	if defaultRegion == "" {
		return "", &Error{Reason: "no country code (+CC) and no default region"}
	}
	if !known {
		return "", &Error{Reason: "unknown default region " + quoteRegion(defaultRegion)}
	}
	nsn, err := nationalNumber(region, d, strings.ToUpper(strings.TrimSpace(defaultRegion)))
	if err != nil {
		return "", err
	}
	return "+" + region.cc + nsn, nil
}

// phoneRegion is what Normalize knows of a country: its calling code, the trunk prefix
// dialled before national numbers (stripped), its international call prefix, and the lengths
// of its national significant numbers.
type phoneRegion struct {
	cc       string
	trunk    string // "" when national numbers keep every digit (Italy's leading 0, Spain)
	idd      string // the prefix for calls abroad, besides "00" which is accepted everywhere
	min, max int
}

// regionRules returns the rules of a region: the North American Numbering Plan and the
// countries LinkedPhone's customers call most. A region missing here cannot be a default
// region; numbers of any country are accepted in international form (+CC or 00CC).
func regionRules(code string) (phoneRegion, bool) {
	switch code {
	case "US", "CA", "PR", "VI", "GU", "AS", "MP", "AG", "AI", "BB", "BM", "BS", "DM", "DO",
		"GD", "JM", "KN", "KY", "LC", "MS", "SX", "TC", "TT", "VC", "VG":
		return phoneRegion{cc: "1", trunk: "1", idd: "011", min: 10, max: 10}, true
	case "GB":
		return phoneRegion{cc: "44", trunk: "0", min: 9, max: 10}, true
	case "IE":
		return phoneRegion{cc: "353", trunk: "0", min: 7, max: 9}, true
	case "FR":
		return phoneRegion{cc: "33", trunk: "0", min: 9, max: 9}, true
	case "DE":
		return phoneRegion{cc: "49", trunk: "0", min: 6, max: 13}, true
	case "NL":
		return phoneRegion{cc: "31", trunk: "0", min: 9, max: 9}, true
	case "BE":
		return phoneRegion{cc: "32", trunk: "0", min: 8, max: 9}, true
	case "CH":
		return phoneRegion{cc: "41", trunk: "0", min: 9, max: 9}, true
	case "AT":
		return phoneRegion{cc: "43", trunk: "0", min: 4, max: 13}, true
	case "SE":
		return phoneRegion{cc: "46", trunk: "0", min: 7, max: 10}, true
	case "FI":
		return phoneRegion{cc: "358", trunk: "0", min: 5, max: 12}, true
	case "ES":
		return phoneRegion{cc: "34", min: 9, max: 9}, true
	case "IT": // Italian numbers keep their leading 0
		return phoneRegion{cc: "39", min: 6, max: 11}, true
	case "PT":
		return phoneRegion{cc: "351", min: 9, max: 9}, true
	case "NO":
		return phoneRegion{cc: "47", min: 8, max: 8}, true
	case "DK":
		return phoneRegion{cc: "45", min: 8, max: 8}, true
	case "PL":
		return phoneRegion{cc: "48", min: 9, max: 9}, true
	case "AU":
		return phoneRegion{cc: "61", trunk: "0", idd: "0011", min: 9, max: 9}, true
	case "NZ":
		return phoneRegion{cc: "64", trunk: "0", min: 8, max: 10}, true
	case "IN":
		return phoneRegion{cc: "91", trunk: "0", min: 10, max: 10}, true
	case "PH":
		return phoneRegion{cc: "63", trunk: "0", min: 10, max: 10}, true
	case "SG":
		return phoneRegion{cc: "65", idd: "000", min: 8, max: 8}, true
	case "HK":
		return phoneRegion{cc: "852", idd: "001", min: 8, max: 8}, true
	case "JP":
		return phoneRegion{cc: "81", trunk: "0", idd: "010", min: 9, max: 10}, true
	case "KR":
		return phoneRegion{cc: "82", trunk: "0", idd: "001", min: 8, max: 10}, true
	case "CN":
		return phoneRegion{cc: "86", trunk: "0", min: 9, max: 11}, true
	case "AE":
		return phoneRegion{cc: "971", trunk: "0", min: 8, max: 9}, true
	case "IL":
		return phoneRegion{cc: "972", trunk: "0", min: 8, max: 9}, true
	case "TR":
		return phoneRegion{cc: "90", trunk: "0", min: 10, max: 10}, true
	case "ZA":
		return phoneRegion{cc: "27", trunk: "0", min: 9, max: 9}, true
	case "NG":
		return phoneRegion{cc: "234", trunk: "0", idd: "009", min: 8, max: 10}, true
	case "MX":
		return phoneRegion{cc: "52", min: 10, max: 10}, true
	case "BR":
		return phoneRegion{cc: "55", trunk: "0", min: 10, max: 11}, true
	case "AR":
		return phoneRegion{cc: "54", trunk: "0", min: 10, max: 11}, true
	case "CO":
		return phoneRegion{cc: "57", min: 10, max: 10}, true
	case "CL":
		return phoneRegion{cc: "56", min: 9, max: 9}, true
	case "RU":
		return phoneRegion{cc: "7", trunk: "8", idd: "810", min: 10, max: 10}, true
	}
	return phoneRegion{}, false
}

// regionOfCallingCode maps a calling code to a region with rules (regions that share a code
// share its rules).
func regionOfCallingCode(cc string) (phoneRegion, bool) {
	switch cc {
	case "1":
		return regionRules("US")
	case "7":
		return regionRules("RU")
	}
	for _, code := range [...]string{"GB", "IE", "FR", "DE", "NL", "BE", "CH", "AT", "SE", "FI", "ES", "IT", "PT",
		"NO", "DK", "PL", "AU", "NZ", "IN", "PH", "SG", "HK", "JP", "KR", "CN", "AE", "IL", "TR", "ZA", "NG",
		"MX", "BR", "AR", "CO", "CL"} {
		if r, _ := regionRules(code); r.cc == cc {
			return r, true
		}
	}
	return phoneRegion{}, false
}

// The one- and two-digit country calling codes (ITU-T E.164 assignments); every other code
// has three digits.
const (
	oneDigitCodes = "1 7"
	twoDigitCodes = "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
		"60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
)

func callingCodeLen(digits string) int {
	switch {
	case len(digits) >= 1 && strings.Contains(" "+oneDigitCodes+" ", " "+digits[:1]+" "):
		return 1
	case len(digits) >= 2 && strings.Contains(" "+twoDigitCodes+" ", " "+digits[:2]+" "):
		return 2
	}
	return 3
}

// hasExtension spots the usual ways of writing an extension after a number.
func hasExtension(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, ";ext=") || strings.Contains(l, "#") || strings.Contains(l, "ext") {
		return true
	}
	// "x" or "X" between digits and more digits: "415-555-0100 x12".
	i := strings.IndexByte(l, 'x')
	if i <= 0 {
		return false
	}
	before, after := strings.TrimSpace(l[:i]), strings.TrimSpace(strings.TrimPrefix(l[i+1:], "."))
	return before != "" && isDigit(before[len(before)-1]) && after != "" && isDigit(after[0])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// internationalNumber checks digits that follow a + or an international call prefix.
func internationalNumber(d string) (string, error) {
	if d == "" || d[0] == '0' {
		return "", &Error{Reason: "the country code must start with 1-9"}
	}
	n := callingCodeLen(d)
	if len(d) <= n {
		return "", &Error{Reason: "no number after the country code"}
	}
	cc, rest := d[:n], d[n:]
	if region, ok := regionOfCallingCode(cc); ok {
		nsn, err := nationalNumber(region, rest, "+"+cc)
		if err != nil {
			return "", err
		}
		return "+" + cc + nsn, nil
	}
	// A country this file has no rules for: E.164's own limits (at most 15 digits) and a
	// national number of at least four digits.
	switch {
	case len(rest) < 4:
		return "", &Error{Reason: "too few digits for +" + cc}
	case len(d) > 15:
		return "", &Error{Reason: "more than the 15 digits E.164 allows"}
	}
	return "+" + d, nil
}

// nationalNumber returns the national significant number of d in region: d without the
// trunk prefix, when the region has one and the number is longer than a national number.
// where names the region or calling code in messages.
func nationalNumber(region phoneRegion, d, where string) (string, error) {
	// A leading "0" in a country whose trunk prefix is "0" is always that prefix: national
	// numbers there never start with 0. Another trunk digit ("1" in North America, "8" in
	// Russia) can start a national number, so it is one only on a number too long without it.
	if region.trunk != "" && strings.HasPrefix(d, region.trunk) && (region.trunk == "0" || len(d) > region.max) {
		d = d[len(region.trunk):]
	}
	if region.trunk == "0" && strings.HasPrefix(d, "0") {
		// Left as it is, "+41 00..." would become "+41 0...", which reads back as a trunk
		// prefix and shrinks again.
		return "", &Error{Reason: "a national number in " + where + " does not start with 0"}
	}
	switch {
	case len(d) < region.min:
		return "", &Error{Reason: "too few digits for " + where}
	case len(d) > region.max:
		return "", &Error{Reason: "too many digits for " + where}
	}
	if region.cc == "1" {
		switch {
		case d[0] < '2':
			return "", &Error{Reason: "a North American area code starts with 2-9"}
		case d[1] == '1' && d[2] == '1':
			return "", &Error{Reason: "a North American area code is not N11"}
		case d[3] < '2':
			return "", &Error{Reason: "a North American exchange starts with 2-9"}
		}
	}
	return d, nil
}

// quoteRegion quotes a caller's region code for a message, cut short so a long input stays out.
func quoteRegion(r string) string {
	if len(r) > 8 {
		r = r[:8] + "..."
	}
	return `"` + strings.ToValidUTF8(r, "?") + `"`
}
