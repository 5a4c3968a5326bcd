package ghltest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Phones are stored in E.164, read by the location's country.
func TestPhonesStoredInE164ByCountry(t *testing.T) {
	srv := New(t, WithLocation(DefaultLocationID, DefaultToken), WithLocation("loc-gb", "tok-gb"), WithLocationCountry("loc-gb", "GB"))
	us := createContactAPI(t, srv, map[string]any{"phone": "(415) 555-0100"})
	c, _ := srv.Contact(DefaultLocationID, us)
	assert.Equal(t, "+14155550100", c.Phone)

	res := callAPIAs(t, srv, "tok-gb", http.MethodPost, "/contacts/", map[string]any{"locationId": "loc-gb", "phone": "020 7946 0958"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, "+442079460958", res.body["contact"].(map[string]any)["phone"], "the API answers with the stored form")

	for _, bad := range []string{"555-0100", "415-555-0100 x12", "1-800-FLOWERS", "(115) 555-0100"} {
		res := callAPI(t, srv, http.MethodPost, "/contacts/", map[string]any{"locationId": srv.LocationID(), "phone": bad})
		requireUnprocessable(t, res, "phone must be a valid phone number")
	}
	res = callAPI(t, srv, http.MethodPut, "/contacts/"+us, map[string]any{"phone": "415.555.0199"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	c, _ = srv.Contact(DefaultLocationID, us)
	assert.Equal(t, "+14155550199", c.Phone)
}

// An upsert of "(415) 555-0100" after "+14155550100" finds the same contact.
func TestUpsertMatchesPhoneInAnySpelling(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	res := callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "phone": "+14155550100", "firstName": "Ada"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	require.Equal(t, true, res.body["new"])
	id := res.body["contact"].(map[string]any)["id"]

	for _, spelling := range []string{"(415) 555-0100", "415-555-0100", "1 415 555 0100", "+1 415.555.0100"} {
		res = callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "phone": spelling, "lastName": "Lovelace"})
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		assert.Equal(t, false, res.body["new"], spelling)
		assert.Equal(t, id, res.body["contact"].(map[string]any)["id"], spelling)
	}
	assert.Equal(t, 1, srv.ContactCount(loc))

	// A create with the same number in another spelling is a duplicate.
	res = callAPI(t, srv, http.MethodPost, "/contacts/", map[string]any{"locationId": loc, "phone": "415 555 0100"})
	require.Equal(t, http.StatusBadRequest, res.status, "%s", res.raw)
	assert.Equal(t, "phone", res.body["meta"].(map[string]any)["matchingField"])
	assert.Equal(t, id, res.body["meta"].(map[string]any)["contactId"])
}

// FindDuplicate finds a contact under every common spelling of its number.
func TestFindDuplicateUnderEverySpelling(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"phone": "+14155550100"})
	for _, spelling := range []string{"+14155550100", "(415) 555-0100", "415-555-0100", "415.555.0100", "4155550100",
		"1-415-555-0100", "+1 (415) 555-0100", "001 415 555 0100", "011 1 415 555 0100"} {
		res := callAPI(t, srv, http.MethodGet, "/contacts/search/duplicate?"+url.Values{"locationId": {loc}, "number": {spelling}}.Encode(), nil)
		require.Equal(t, http.StatusOK, res.status, "%s: %s", spelling, res.raw)
		c, _ := res.body["contact"].(map[string]any)
		require.NotNil(t, c, spelling)
		assert.Equal(t, id, c["id"], spelling)
	}
	res := callAPI(t, srv, http.MethodGet, "/contacts/search/duplicate?"+url.Values{"locationId": {loc}, "number": {"415-555-0199"}}.Encode(), nil)
	assert.JSONEq(t, `{"contact":null}`, string(res.raw))
	res = callAPI(t, srv, http.MethodGet, "/contacts/search/duplicate?"+url.Values{"locationId": {loc}, "number": {"555-0100"}}.Encode(), nil)
	requireUnprocessable(t, res, "number must be a valid phone number")
}

// When the email belongs to one contact and the phone to another, the upsert updates the
// email's contact and leaves the phone out (ghl-api.md §6.6, highlevel-api-docs#37).
func TestUpsertEmailAndPhoneOfTwoContacts(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	byPhone := createContactAPI(t, srv, map[string]any{"phone": "+14155550100"})
	byEmail := createContactAPI(t, srv, map[string]any{"email": "ada@example.com"})
	res := callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "email": "ada@example.com",
		"phone": "(415) 555-0100", "city": "London"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, false, res.body["new"])
	assert.Equal(t, byEmail, res.body["contact"].(map[string]any)["id"])
	c, _ := srv.Contact(loc, byEmail)
	assert.Equal(t, "London", c.City)
	assert.Empty(t, c.Phone, "the phone stays with the contact that has it")
	other, _ := srv.Contact(loc, byPhone)
	assert.Equal(t, "+14155550100", other.Phone)

	// With only the phone known, the upsert updates the phone's contact and adds the email.
	res = callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "email": "bo@example.com", "phone": "+14155550100"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, byPhone, res.body["contact"].(map[string]any)["id"])
	other, _ = srv.Contact(loc, byPhone)
	assert.Equal(t, "bo@example.com", other.Email)
	assert.Equal(t, 2, srv.ContactCount(loc))
}

// Changing a contact's email or phone to another contact's is refused like a duplicate
// create, unless the location allows duplicates.
func TestUpdateToAnotherContactsPhoneIsADuplicate(t *testing.T) {
	srv := New(t)
	a := createContactAPI(t, srv, map[string]any{"phone": "+14155550100"})
	b := createContactAPI(t, srv, map[string]any{"email": "b@example.com"})
	res := callAPI(t, srv, http.MethodPut, "/contacts/"+b, map[string]any{"phone": "415-555-0100"})
	require.Equal(t, http.StatusBadRequest, res.status, "%s", res.raw)
	assert.Equal(t, "This location does not allow duplicated contacts.", res.body["message"])
	assert.Equal(t, a, res.body["meta"].(map[string]any)["contactId"])
	res = callAPI(t, srv, http.MethodPut, "/contacts/"+a, map[string]any{"phone": "(415) 555-0100", "city": "Paris"})
	require.Equal(t, http.StatusOK, res.status, "a contact may keep its own number: %s", res.raw)

	dups := New(t, WithAllowDuplicates())
	x := createContactAPI(t, dups, map[string]any{"phone": "+14155550100"})
	y := createContactAPI(t, dups, map[string]any{"phone": "415 555 0100"})
	assert.NotEqual(t, x, y)
}
