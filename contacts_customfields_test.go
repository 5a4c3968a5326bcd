package ghl

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Contact writes take custom fields by key: Create, Update and Upsert send each key as its
// field's ID, from the client's ContactFields, and never change the caller's request.

const versionContacts = "2021-07-28"

func TestContactWritesSendFieldKeysAsIDs(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lists := fieldServer(t, mux, fieldLastCall+","+fieldCallCount+","+fieldLPID)
	created := expect(t, mux, wire{method: http.MethodPost, path: "/contacts/", version: versionContacts,
		body: `{"locationId":"loc-test-1","firstName":"Ada","customFields":[
			{"id":"cf1","field_value":"2026-03-09T13:00:00Z"},{"id":"cf2","field_value":3},{"id":"cf3","field_value":"lp-7"}]}`,
		status: http.StatusCreated, resp: `{"contact":{"id":"c1","customFields":[{"id":"cf2","value":3}]}}`})
	updated := expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1", version: versionContacts,
		body: `{"customFields":[{"id":"cf2","field_value":4},{"id":"cf3","field_value":"lp-7"}]}`,
		resp: `{"succeded":true,"contact":{"id":"c1"}}`})
	upserted := expect(t, mux, wire{method: http.MethodPost, path: "/contacts/upsert", version: versionContacts,
		body: `{"locationId":"loc-test-1","email":"ada@example.com","customFields":[{"id":"cf1","field_value":null}]}`,
		resp: `{"new":false,"contact":{"id":"c1"}}`})
	ctx := context.Background()

	create := &ContactCreateRequest{FirstName: "Ada", CustomFields: []CustomFieldInput{
		{Key: "contact.last_call", Value: "2026-03-09T13:00:00Z"}, {Key: "contact.call_count", Value: 3}, {ID: "cf3", Value: "lp-7"}}}
	want := *create
	want.CustomFields = append([]CustomFieldInput(nil), create.CustomFields...)
	c, _, err := client.Contacts.Create(ctx, create)
	require.NoError(t, err)
	assert.Equal(t, "c1", c.ID)
	assert.Equal(t, &want, create, "the caller's request is not changed")

	// The list is loaded: further keys cost no request. An input may name both key and ID.
	update := &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.call_count", Value: 4}, {Key: "contact.linkedphone_id", ID: "cf3", Value: "lp-7"}}}
	_, _, err = client.Contacts.Update(ctx, "c1", update)
	require.NoError(t, err)
	assert.Equal(t, "contact.call_count", update.CustomFields[0].Key)
	assert.Empty(t, update.CustomFields[0].ID)
	res, _, err := client.Contacts.Upsert(ctx, &ContactUpsertRequest{Email: "ada@example.com", CustomFields: []CustomFieldInput{{Key: "contact.last_call"}}})
	require.NoError(t, err)
	assert.False(t, res.New)

	assert.Equal(t, int32(1), lists.Load(), "one field list for the client's life")
	assert.Equal(t, [3]int32{1, 1, 1}, [3]int32{created.Load(), updated.Load(), upserted.Load()})
}

// A write that names fields by ID only is sent as it is, with no field list fetched.
func TestContactWritesWithFieldIDsOnlyCostNoLookup(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux) // a customFields request would fail the test
	created := expect(t, mux, wire{method: http.MethodPost, path: "/contacts/", version: versionContacts,
		body:   `{"locationId":"loc-test-1","customFields":[{"id":"cf404","field_value":"x"}]}`,
		status: http.StatusCreated, resp: `{"contact":{"id":"c1"}}`})
	updated := expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1", version: versionContacts,
		body: `{"firstName":"Ada"}`, resp: `{"contact":{"id":"c1"}}`})
	upserted := expect(t, mux, wire{method: http.MethodPost, path: "/contacts/upsert", version: versionContacts,
		body: `{"locationId":"loc-test-1","email":"a@b.co","customFields":[{"id":"cf1","field_value":1}]}`,
		resp: `{"new":true,"contact":{"id":"c1"}}`})
	ctx := context.Background()

	_, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{CustomFields: []CustomFieldInput{{ID: "cf404", Value: "x"}}})
	require.NoError(t, err)
	_, _, err = client.Contacts.Update(ctx, "c1", &ContactUpdateRequest{FirstName: Ptr("Ada")})
	require.NoError(t, err)
	_, _, err = client.Contacts.Upsert(ctx, &ContactUpsertRequest{Email: "a@b.co", CustomFields: []CustomFieldInput{{ID: "cf1", Value: 1}}})
	require.NoError(t, err)
	assert.Equal(t, [3]int32{1, 1, 1}, [3]int32{created.Load(), updated.Load(), upserted.Load()})
}

// A key the location does not have is an *UnknownCustomFieldError after one refresh of the
// field list, and nothing is sent; a field created since the list was loaded is found by that
// refresh.
func TestContactWritesUnknownFieldKey(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux) // no contact write is expected until the field exists
	lists := fieldServer(t, mux, fieldLastCall, fieldLastCall, fieldLastCall+","+fieldCallCount)
	ctx := context.Background()

	// The first use loads the list, which is the one refresh.
	_, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Ada", CustomFields: []CustomFieldInput{
		{Key: "contact.last_call", Value: "x"}, {Key: "contact.call_count", Value: 1}}})
	var unknown *UnknownCustomFieldError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, &UnknownCustomFieldError{LocationID: "loc-test-1", Key: "contact.call_count"}, unknown)
	assert.ErrorIs(t, err, ErrUnknownCustomField)
	assert.Equal(t, int32(1), lists.Load())

	// With the list loaded, an unknown key refreshes it once more.
	_, _, err = client.Contacts.Upsert(ctx, &ContactUpsertRequest{Email: "a@b.co", CustomFields: []CustomFieldInput{{Key: "contact.call_count", Value: 1}}})
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, int32(2), lists.Load())

	// Someone creates the field in GHL; the next refresh finds it and the update is sent.
	updated := expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1", version: versionContacts,
		body: `{"customFields":[{"id":"cf2","field_value":1}]}`, resp: `{"contact":{"id":"c1"}}`})
	_, _, err = client.Contacts.Update(ctx, "c1", &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.call_count", Value: 1}}})
	require.NoError(t, err)
	assert.Equal(t, int32(3), lists.Load())
	assert.Equal(t, int32(1), updated.Load())
}

// Inputs that cannot be resolved are refused before anything is sent.
func TestContactWritesRejectBadFieldInputs(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lists := fieldServer(t, mux, fieldLastCall+","+fieldCallCount)
	ctx := context.Background()

	// Keys name fields of the client's location; another location's write must give IDs.
	_, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{LocationID: "loc-other", CustomFields: []CustomFieldInput{{Key: "contact.last_call"}}})
	assertInvalidParam(t, err, "req.CustomFields")
	assert.EqualError(t, err, "ghl: invalid req.CustomFields: keys name fields of the client's location, not of loc-other: give field IDs")
	_, _, err = client.Contacts.Upsert(ctx, &ContactUpsertRequest{LocationID: "loc-other", CustomFields: []CustomFieldInput{{Key: "contact.last_call"}}})
	assertInvalidParam(t, err, "req.CustomFields")
	assert.Equal(t, int32(0), lists.Load())

	// In a list with keys, every input must name a field, and key and ID must agree.
	_, _, err = client.Contacts.Update(ctx, "c1", &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.last_call"}, {Value: 1}}})
	assertInvalidParam(t, err, "customFields[1]")
	_, _, err = client.Contacts.Update(ctx, "c1", &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.last_call", ID: "cf2"}}})
	assertInvalidParam(t, err, "customFields[0]")
	assert.EqualError(t, err, `ghl: invalid customFields[0]: key "contact.last_call" is field cf1, not cf2`)
	assert.Equal(t, int32(1), lists.Load())

	// A client without a location cannot resolve keys.
	bare, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithAccessToken(testToken))
	require.NoError(t, err)
	_, _, err = bare.Contacts.Update(ctx, "c1", &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.last_call"}}})
	assertInvalidParam(t, err, "client")
}
