package ghl

import (
	"context"
	"testing"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Against the fake: a contact written with contact.last_call holds the value under the
// field's ID and reads back by key; an unknown key is an *UnknownCustomFieldError after one
// refresh of the field list, and the fake receives no write.
func TestFakeContactFieldsByKey(t *testing.T) {
	srv, client, loc := newFake(t)
	for _, f := range []ghltest.CustomField{{Name: "Last call", DataType: "DATE"}, {Name: "Call count", DataType: "NUMERICAL"}, {Name: "LinkedPhone ID"}} {
		_, err := srv.AddCustomField(loc, f)
		require.NoError(t, err)
	}
	id := func(key string) string {
		id, ok := srv.CustomFieldID(loc, key)
		require.True(t, ok, key)
		return id
	}
	listPath := "/locations/" + loc + "/customFields"
	ctx := context.Background()
	fields := client.Locations.ContactFields()

	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com", CustomFields: []CustomFieldInput{
		{Key: "contact.last_call", Value: "2026-03-09T13:00:00Z"}, {Key: "contact.call_count", Value: 1}, {Key: "contact.linkedphone_id", Value: "lp-7"}}})
	require.NoError(t, err)
	stored, _ := srv.Contact(loc, c.ID)
	assert.ElementsMatch(t, []ghltest.CustomFieldValue{
		{ID: id("contact.last_call"), Value: "2026-03-09T13:00:00Z"}, {ID: id("contact.call_count"), Value: float64(1)}, {ID: id("contact.linkedphone_id"), Value: "lp-7"},
	}, stored.CustomFields)

	// Update and upsert by key; the value reads back by key from a fresh GET.
	_, _, err = client.Contacts.Update(ctx, c.ID, &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.call_count", Value: 2}}})
	require.NoError(t, err)
	up, _, err := client.Contacts.Upsert(ctx, &ContactUpsertRequest{Email: "ada@example.com", CustomFields: []CustomFieldInput{{Key: "contact.last_call", Value: "2026-03-10T14:30:00Z"}}})
	require.NoError(t, err)
	assert.False(t, up.New)
	got, _, err := client.Contacts.Get(ctx, c.ID)
	require.NoError(t, err)
	for key, want := range map[string]string{"contact.last_call": "2026-03-10T14:30:00Z", "contact.call_count": "2", "contact.linkedphone_id": "lp-7"} {
		v, ok, err := fields.Value(ctx, got, key)
		require.NoError(t, err)
		require.True(t, ok, key)
		s, _ := v.String()
		assert.Equal(t, want, s, key)
	}
	assert.Equal(t, 1, srv.Requests("GET", listPath), "one field list for every write and read by key")

	// An unknown key: one refresh, a typed error, and no write reaches the fake.
	writes := srv.Requests("PUT", "/contacts/"+c.ID)
	_, _, err = client.Contacts.Update(ctx, c.ID, &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.last_call", Value: "x"}, {Key: "contact.no_such_field", Value: "x"}}})
	var unknown *UnknownCustomFieldError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, &UnknownCustomFieldError{LocationID: loc, Key: "contact.no_such_field"}, unknown)
	assert.Equal(t, 2, srv.Requests("GET", listPath))
	assert.Equal(t, writes, srv.Requests("PUT", "/contacts/"+c.ID))
	stored, _ = srv.Contact(loc, c.ID)
	assert.Contains(t, stored.CustomFields, ghltest.CustomFieldValue{ID: id("contact.last_call"), Value: "2026-03-10T14:30:00Z"}, "nothing was changed")

	// A field created in GHL after the list was loaded is found by that one refresh.
	_, err = srv.AddCustomField(loc, ghltest.CustomField{Name: "Next follow-up", DataType: "DATE"})
	require.NoError(t, err)
	_, _, err = client.Contacts.Update(ctx, c.ID, &ContactUpdateRequest{CustomFields: []CustomFieldInput{{Key: "contact.next_follow_up", Value: "2026-03-11"}}})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Requests("GET", listPath))
	stored, _ = srv.Contact(loc, c.ID)
	assert.Contains(t, stored.CustomFields, ghltest.CustomFieldValue{ID: id("contact.next_follow_up"), Value: "2026-03-11"})
}
