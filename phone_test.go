package ghl_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizePhone(t *testing.T) {
	ok := []struct{ in, region, want string }{
		// The spellings of one US number.
		{"+14155550100", "US", "+14155550100"},
		{"(415) 555-0100", "US", "+14155550100"},
		{"415-555-0100", "US", "+14155550100"},
		{"415.555.0100", "US", "+14155550100"},
		{"415 555 0100", "US", "+14155550100"},
		{"4155550100", "US", "+14155550100"},
		{"1 415 555 0100", "US", "+14155550100"},
		{"1-415-555-0100", "US", "+14155550100"},
		{"+1 (415) 555-0100", "US", "+14155550100"},
		{"+1 415 555 0100", "", "+14155550100"},
		{"+1 888-888-8888", "", "+18888888888"}, // the spec's request example
		{"011 1 415 555 0100", "US", "+14155550100"},
		{"0014155550100", "GB", "+14155550100"},
		{"  +1\u00a0415\u2013555\u20130100 ", "us", "+14155550100"},
		{"(415) 555-0100", "CA", "+14155550100"},
		// International forms.
		{"+44 20 7946 0958", "US", "+442079460958"},
		{"+44 (0)20 7946 0958", "US", "+442079460958"},
		{"(+44) 20 7946 0958", "US", "+442079460958"},
		{"(+1) 415 555 0100", "", "+14155550100"},
		{"+44 020 7946 0958", "", "+442079460958"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"07700 900123", "GB", "+447700900123"},
		{"011 44 20 7946 0958", "US", "+442079460958"},
		{"0044 20 7946 0958", "DE", "+442079460958"},
		{"01 23 45 67 89", "FR", "+33123456789"},
		{"030 1234567", "DE", "+49301234567"},
		{"06 1234 5678", "IT", "+390612345678"}, // Italy keeps its leading 0
		{"(02) 9876 5432", "AU", "+61298765432"},
		{"0011 1 415 555 0100", "AU", "+14155550100"},
		{"098765 43210", "IN", "+919876543210"},
		{"8 495 123 45 67", "RU", "+74951234567"},
		{"+919509597501", "", "+919509597501"}, // a webhook example
		{"+290 1234", "", "+2901234"},          // a country without rules here: E.164 limits only
		{"+18832327657", "", "+18832327657"},   // a response example
	}
	for _, c := range ok {
		got, err := ghl.NormalizePhone(c.in, c.region)
		if assert.NoError(t, err, "%q in %s", c.in, c.region) {
			assert.Equal(t, c.want, got, "%q in %s", c.in, c.region)
		}
	}

	bad := []struct{ in, region, reason string }{
		{"", "US", "empty"},
		{"   ", "US", "empty"},
		{"415-555-0100 x12", "US", "has an extension; E.164 numbers have none"},
		{"415-555-0100 ext. 12", "US", "has an extension; E.164 numbers have none"},
		{"+14155550100;ext=12", "US", "has an extension; E.164 numbers have none"},
		{"415-555-0100#12", "US", "has an extension; E.164 numbers have none"},
		{"1-800-FLOWERS", "US", "has letters"},
		{"tel:+14155550100", "", "has letters"},
		{"415*555*0100", "US", "has a character that is not a digit or a separator"},
		{"1+4155550100", "US", "a + may only lead the number"},
		{"4155550100", "", "no country code (+CC) and no default region"},
		{"4155550100", "XX", `unknown default region "XX"`},
		{"555-0100", "US", "too few digits for US"},
		{"415555010099", "US", "too many digits for US"},
		{"(115) 555-0100", "US", "a North American area code starts with 2-9"},
		{"(411) 555-0100", "US", "a North American area code is not N11"},
		{"(415) 155-0100", "US", "a North American exchange starts with 2-9"},
		{"+1 415 555 010", "", "too few digits for +1"},
		{"+0 415 555 0100", "", "the country code must start with 1-9"},
		{"+44", "", "no number after the country code"},
		{"+290 12", "", "too few digits for +290"},
		{"+290 1234567890123", "", "more than the 15 digits E.164 allows"},
		{"020 7946 09", "GB", "too few digits for GB"},
		{"+41 0 044 668 18 00", "", "a national number in +41 does not start with 0"},
		{"00 44 00 7946 0958", "US", "a national number in +44 does not start with 0"},
	}
	for _, c := range bad {
		got, err := ghl.NormalizePhone(c.in, c.region)
		var pe *ghl.PhoneError
		if assert.True(t, errors.As(err, &pe), "%q in %s gave %q, %v", c.in, c.region, got, err) {
			assert.Equal(t, c.reason, pe.Reason, "%q in %s", c.in, c.region)
			assert.Equal(t, "ghl: invalid phone number: "+c.reason, err.Error())
		}
		assert.Empty(t, got)
	}
}

// The error never carries the number: errors are logged, and numbers are personal data.
func TestNormalizePhoneErrorHoldsNoNumber(t *testing.T) {
	for _, in := range []string{"415-555-0199 x12", "(115) 555-0199", "555-0199", "1-800-555-01AB"} {
		_, err := ghl.NormalizePhone(in, "US")
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "0199", in)
		assert.NotContains(t, fmt.Sprintf("%+v", err), "0199", in)
	}
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)

// NormalizePhone parses numbers that callers and webhooks send, so it must never panic, and
// what it returns must be E.164 that normalizes to itself from any region.
func FuzzNormalizePhone(f *testing.F) {
	for _, seed := range []string{"+14155550100", "(415) 555-0100", "+44 (0)20 7946 0958", "011 44 20 7946 0958",
		"0011 1 415 555 0100", "415-555-0100 x12", "1-800-FLOWERS", "+", "00", "(0)", "+(0)", "8 495 123 45 67", "\xff"} {
		for _, region := range []string{"US", "GB", "AU", "RU", "IT", ""} {
			f.Add(seed, region)
		}
	}
	f.Fuzz(func(t *testing.T, number, region string) {
		got, err := ghl.NormalizePhone(number, region)
		if err != nil {
			var pe *ghl.PhoneError
			if !errors.As(err, &pe) || got != "" {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v: want a *PhoneError and no number", number, region, got, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", number, region, got)
		}
		for _, r := range []string{"", "US", "GB", region} {
			again, err := ghl.NormalizePhone(got, r)
			if err != nil || again != got {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v: not stable (from %q)", got, r, again, err, number)
			}
		}
	})
}

func ExampleNormalizePhone() {
	for _, n := range []string{"(415) 555-0100", "+1 415-555-0100", "+44 (0)20 7946 0958", "415-555-0100 x12"} {
		e164, err := ghl.NormalizePhone(n, "US")
		fmt.Println(e164, err)
	}
	// Output:
	// +14155550100 <nil>
	// +14155550100 <nil>
	// +442079460958 <nil>
	//  ghl: invalid phone number: has an extension; E.164 numbers have none
}
