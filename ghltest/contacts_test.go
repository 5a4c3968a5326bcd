package ghltest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The DTO's field types are validated on create, upsert and update: 422 with a list of
// messages, and nothing stored.
func TestContactFieldTypesValidated(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "ok@example.com"})
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   []string
	}{
		{"number for a string", map[string]any{"firstName": 12345}, []string{"firstName must be a string"}},
		{"two wrong fields", map[string]any{"lastName": true, "dnd": "yes"}, []string{"lastName must be a string", "dnd must be a boolean value"}},
		{"tags not a list", map[string]any{"tags": "vip"}, []string{"tags must be an array"}},
		{"tags not strings", map[string]any{"tags": []any{"a", 1}}, []string{"each value in tags must be a string"}},
		{"bad email", map[string]any{"email": "not-an-email"}, []string{"email must be an email"}},
		{"custom field without id", map[string]any{"customFields": []any{map[string]any{"field_value": "x"}}},
			[]string{"each value in customFields must be an object with an id or a key"}},
		{"dnd status", map[string]any{"dndSettings": map[string]any{"SMS": map[string]any{"status": "off"}}},
			[]string{"dndSettings.SMS.status must be one of the following values: active, inactive, permanent"}},
		{"dnd channel", map[string]any{"dndSettings": map[string]any{"Fax": map[string]any{"status": "active"}}},
			[]string{"property dndSettings.Fax should not exist"}},
		{"null where not nullable", map[string]any{"country": nil}, []string{"country must be a string"}},
		{"country code", map[string]any{"country": "USA"}, []string{"country must be a valid ISO31661 Alpha2 code"}},
		{"birth date", map[string]any{"dateOfBirth": "25th May"}, []string{"dateOfBirth must be a date as YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD or MM_DD_YYYY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"locationId": loc}
			for k, v := range tc.fields {
				body[k] = v
			}
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/", body), tc.want...)
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/upsert", body), tc.want...)
			delete(body, "locationId")
			requireUnprocessable(t, callAPI(t, srv, http.MethodPut, "/contacts/"+id, body), tc.want...)
		})
	}
	assert.Equal(t, 1, srv.ContactCount(loc), "nothing was created")
	c, _ := srv.Contact(loc, id)
	assert.Equal(t, "ok@example.com", c.Email, "nothing was updated")

	// Values of the right types are stored, dates of birth as GHL returns them.
	res := callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{"dateOfBirth": "09/25/1990", "dnd": true,
		"dndSettings": map[string]any{"SMS": map[string]any{"status": "active", "message": "asked"}}, "firstName": nil})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	c, _ = srv.Contact(loc, id)
	assert.Equal(t, "1990-09-25", c.DateOfBirth)
	assert.Equal(t, map[string]DNDSetting{"SMS": {Status: "active", Message: "asked"}}, c.DNDSettings)
}

// The DTOs name their properties: update takes no locationId, gender or companyName, and a
// property no DTO declares is refused.
func TestContactUnknownPropertiesRefused(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "a@example.com"})
	for _, p := range []string{"locationId", "gender", "companyName", "phoneNumber"} {
		res := callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{p: "x"})
		requireUnprocessable(t, res, "property "+p+" should not exist")
	}
	res := callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "email": "a@example.com", "mobile": "x"})
	requireUnprocessable(t, res, "property mobile should not exist")
	c, _ := srv.Contact(loc, id)
	assert.Empty(t, c.CompanyName)
}

// A create with properties CreateContactDto does not declare answers 422, and the contact is
// created anyway, as GHL was seen doing (highlevel-api-docs#64): a client must not take a 422
// on a create as proof that nothing was stored.
func TestCreateWithUnknownPropertiesStillCreates(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	srv.RegisterWebhook("") // no deliveries
	res := callAPI(t, srv, http.MethodPost, "/contacts/", map[string]any{"locationId": loc, "firstName": "Ada",
		"email": "ada@example.com", "phoneNumber": "+14155550100", "notes": "x"})
	requireUnprocessable(t, res, "property notes should not exist", "property phoneNumber should not exist")
	require.Equal(t, 1, srv.ContactCount(loc), "the contact was created all the same")
	c := srv.Contacts(loc)[0]
	assert.Equal(t, "Ada", c.FirstName)
	assert.Empty(t, c.Phone, "the undeclared property was not stored")

	// Sending the create again, fixed, meets the contact the 422 created.
	res = callAPI(t, srv, http.MethodPost, "/contacts/", map[string]any{"locationId": loc, "firstName": "Ada", "email": "ada@example.com"})
	require.Equal(t, http.StatusBadRequest, res.status, "%s", res.raw)
	assert.Equal(t, "email", res.body["meta"].(map[string]any)["matchingField"])
}

// Update, delete, campaign, workflow and note deletes answer succeded (sic), as GHL's v2 does.
func TestSuccededSpelling(t *testing.T) {
	srv := New(t)
	id := createContactAPI(t, srv, map[string]any{"email": "s@example.com"})
	res := callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{"city": "Rome"})
	assert.Equal(t, true, res.body["succeded"])
	assert.NotContains(t, res.body, "succeeded")
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/campaigns/camp1", map[string]any{})
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	res = callAPI(t, srv, http.MethodDelete, "/contacts/"+id, nil)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
}

// A contact's custom field values name fields the location has: a value under an unknown ID
// or key (or an opportunity field) is refused on create, upsert and update, and nothing is
// stored; a key is stored under its field's ID, as GHL returns contacts ({id, value} only).
func TestContactCustomFieldsNameKnownFields(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	lastCall, err := srv.AddCustomField(loc, CustomField{Name: "Last call", DataType: "DATE"})
	require.NoError(t, err)
	deal, err := srv.AddCustomField(loc, CustomField{Name: "Deal", Model: "opportunity"})
	require.NoError(t, err)
	id := createContactAPI(t, srv, map[string]any{"email": "cf@example.com"})

	for _, tc := range []struct {
		name string
		item map[string]any
		want string
	}{
		{"unknown ID", map[string]any{"id": missingID, "field_value": "x"}, "customFields.0: no contact custom field with id " + missingID + " in this location"},
		{"unknown key", map[string]any{"key": "contact.nope", "field_value": "x"}, "customFields.0: no contact custom field with key contact.nope in this location"},
		{"opportunity field", map[string]any{"id": deal, "field_value": 1}, "customFields.0: no contact custom field with id " + deal + " in this location"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := []any{tc.item}
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/",
				map[string]any{"locationId": loc, "email": "new@example.com", "customFields": fields}), tc.want)
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/upsert",
				map[string]any{"locationId": loc, "email": "cf@example.com", "customFields": fields}), tc.want)
			requireUnprocessable(t, callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{"customFields": fields}), tc.want)
		})
	}
	assert.Equal(t, 1, srv.ContactCount(loc), "nothing was created")
	c, _ := srv.Contact(loc, id)
	assert.Empty(t, c.CustomFields, "nothing was stored")

	// By key or by ID, the value is stored under the field's ID.
	res := callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{"customFields": []any{
		map[string]any{"key": "contact.last_call", "field_value": "2026-03-09"}}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	c, _ = srv.Contact(loc, id)
	assert.Equal(t, []CustomFieldValue{{ID: lastCall, Value: "2026-03-09"}}, c.CustomFields)
	res = callAPI(t, srv, http.MethodPost, "/contacts/upsert", map[string]any{"locationId": loc, "email": "cf@example.com",
		"customFields": []any{map[string]any{"id": lastCall, "field_value": "2026-03-10"}}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	c, _ = srv.Contact(loc, id)
	assert.Equal(t, []CustomFieldValue{{ID: lastCall, Value: "2026-03-10"}}, c.CustomFields)

	// Deleting the field deletes its values.
	res = callAPI(t, srv, http.MethodDelete, "/locations/"+loc+"/customFields/"+lastCall, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	c, _ = srv.Contact(loc, id)
	assert.Empty(t, c.CustomFields)
}
