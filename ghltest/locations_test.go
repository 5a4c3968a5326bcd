package ghltest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsersWithExtensions(t *testing.T) {
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	srv2 := srv.LocationID()
	alice, err := srv.AddUser(User{FirstName: "Alice", LastName: "Agent", Email: "alice@acme.test", Extension: "201",
		LCPhone: map[string]string{srv2: "+15555550201"}, Role: "admin"})
	require.NoError(t, err)
	bob, _ := srv.AddUser(User{FirstName: "Bob", LastName: "Builder", Extension: "202"})
	_, _ = srv.AddUser(User{FirstName: "Carol", LastName: "Gone", Extension: "203", Deleted: true})
	_, err = srv.AddUser(User{FirstName: "Eve", LocationIDs: []string{"nowhere"}})
	assert.EqualError(t, err, `ghltest: unknown location "nowhere"`)

	u, _, err := c.Users.ByExtension(ctx, "201")
	require.NoError(t, err)
	assert.Equal(t, alice, u.ID)
	assert.Equal(t, "Alice Agent", u.Name)
	assert.Equal(t, map[string]string{srv2: "+15555550201"}, u.LCPhone)
	assert.Equal(t, &ghl.UserRoles{Type: "account", Role: "admin", LocationIDs: []string{srv2}}, u.Roles)
	u, _, err = c.Users.ByExtension(ctx, "203")
	require.NoError(t, err)
	assert.Nil(t, u, "deleted users are not found")
	// The company ID came from the location, fetched once for both lookups.
	assert.Equal(t, 1, srv.Requests("GET", "/locations/"+srv2))

	var names []string
	for u, err := range c.Users.SearchAll(ctx, &ghl.UserSearchOptions{Limit: 1}) {
		require.NoError(t, err)
		names = append(names, u.Name)
	}
	assert.Equal(t, []string{"Alice Agent", "Bob Builder"}, names)
	res, _, err := c.Users.Search(ctx, &ghl.UserSearchOptions{Query: "BUILD"})
	require.NoError(t, err)
	require.Len(t, res.Users, 1)
	assert.Equal(t, bob, res.Users[0].ID)
	res, _, err = c.Users.Search(ctx, &ghl.UserSearchOptions{Sort: "dateAdded", SortDirection: "desc", IDs: []string{alice, bob}})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Count)
	assert.Equal(t, bob, res.Users[0].ID)

	got, _, err := c.Users.Get(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, "202", got.Extension)
	_, _, err = c.Users.Get(ctx, "nobody")
	assert.ErrorIs(t, err, ghl.ErrValidation)

	_, _, err = c.Users.Search(ctx, &ghl.UserSearchOptions{CompanyID: "other-company"})
	assert.ErrorIs(t, err, ghl.ErrForbidden)
	_, _, err = c.Users.Search(ctx, &ghl.UserSearchOptions{Limit: 101})
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []string{"limit must not be greater than 100"}, apiErr.Messages)
}

func TestLocationDetailsAndTags(t *testing.T) {
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	assert.EqualError(t, srv.SetLocationDetails(srv.LocationID(), LocationDetails{Timezone: "Mars/Base"}), `ghltest: "Mars/Base" is not an IANA timezone`)
	require.NoError(t, srv.SetLocationDetails(srv.LocationID(), LocationDetails{Name: "Acme", Phone: "+15555550100", City: "Boston"}))
	loc, _, err := c.Locations.Get(ctx, srv.LocationID())
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", loc.Timezone, "an empty timezone keeps the one set before")
	assert.Equal(t, "Acme", loc.Business.Name)
	assert.Equal(t, "Boston", loc.City)
	assert.Equal(t, DefaultCompanyID, loc.CompanyID)
	assert.Equal(t, &ghl.LocationSettings{}, loc.Settings)
	_, _, err = c.Locations.Get(ctx, "another-location")
	assert.ErrorIs(t, err, ghl.ErrForbidden)

	// The catalogue holds created tags and every tag put on a contact.
	ct, _, err := c.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com", Tags: []string{"VIP"}})
	require.NoError(t, err)
	_, _, err = c.Locations.CreateTag(ctx, "Missed-Call ")
	require.NoError(t, err)
	_, _, err = c.Tags.Add(ctx, ct.ID, []string{"callback"})
	require.NoError(t, err)
	tags, _, err := c.Locations.Tags(ctx)
	require.NoError(t, err)
	var names []string
	for _, tg := range tags {
		names = append(names, tg.Name)
		assert.Equal(t, srv.LocationID(), tg.LocationID)
		assert.NotEmpty(t, tg.ID)
	}
	assert.ElementsMatch(t, []string{"vip", "missed-call", "callback"}, names)
	again, _, err := c.Locations.Tags(ctx)
	require.NoError(t, err)
	assert.Equal(t, tags, again, "tag IDs are stable")
	_, _, err = c.Locations.CreateTag(ctx, "VIP")
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Tag with this name already exists", apiErr.Message)
}

func TestCustomFieldsState(t *testing.T) {
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	_, err := srv.AddCustomField(srv.LocationID(), CustomField{Name: "Deal size", Model: "opportunity", DataType: "MONETORY"})
	require.NoError(t, err)
	f, resp, err := c.Locations.CreateCustomField(ctx, &ghl.CustomFieldCreateRequest{Name: "Last call", DataType: "DATE", ParentID: "folder-1"})
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "contact.last_call", f.FieldKey)
	assert.Equal(t, "folder-1", f.ParentID)
	id, ok := srv.CustomFieldID(srv.LocationID(), "contact.last_call")
	require.True(t, ok)
	assert.Equal(t, f.ID, id)

	f2, _, err := c.Locations.CreateCustomField(ctx, &ghl.CustomFieldCreateRequest{Name: "LinkedPhone ID", DataType: "TEXT", FieldKey: "lp_id"})
	require.NoError(t, err)
	assert.Equal(t, "contact.lp_id", f2.FieldKey)
	_, _, err = c.Locations.CreateCustomField(ctx, &ghl.CustomFieldCreateRequest{Name: "Last call!", DataType: "DATE"})
	assert.ErrorIs(t, err, ghl.ErrValidation, "the same derived key twice")
	_, _, err = c.Locations.CreateCustomField(ctx, &ghl.CustomFieldCreateRequest{Name: "Mood", DataType: "EMOJI"})
	assert.ErrorIs(t, err, ghl.ErrValidation)

	contactFields, _, err := c.Locations.CustomFields(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, contactFields, 2)
	all, _, err := c.Locations.CustomFields(ctx, &ghl.CustomFieldListOptions{Model: "all"})
	require.NoError(t, err)
	assert.Len(t, all, 3)
	byKey, _, err := c.Locations.GetCustomField(ctx, "contact.lp_id")
	require.NoError(t, err)
	assert.Equal(t, f2.ID, byKey.ID)

	renamed, _, err := c.Locations.UpdateCustomField(ctx, f.ID, &ghl.CustomFieldUpdateRequest{Name: "Last call at"})
	require.NoError(t, err)
	assert.Equal(t, "Last call at", renamed.Name)
	assert.Equal(t, "contact.last_call", renamed.FieldKey, "a rename keeps the key")

	_, err = c.Locations.DeleteCustomField(ctx, f2.ID)
	require.NoError(t, err)
	_, _, err = c.Locations.GetCustomField(ctx, f2.ID)
	assert.ErrorIs(t, err, ghl.ErrValidation)
	_, err = c.Locations.DeleteCustomField(ctx, f2.ID)
	assert.ErrorIs(t, err, ghl.ErrValidation)
}

// The Done-when of custom fields by key, against the fake: a contact written with
// contact.last_call reads back by key; an unknown key is a typed error after one refresh.
func TestCustomFieldsByKeyThroughTheSDK(t *testing.T) {
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for _, f := range []CustomField{{Name: "Last call", DataType: "DATE"}, {Name: "Call count", DataType: "NUMERICAL"}} {
		_, err := srv.AddCustomField(srv.LocationID(), f)
		require.NoError(t, err)
	}
	keys := c.Locations.ContactFields()
	in, err := keys.Resolve(ctx, []ghl.CustomFieldInput{
		{Key: "contact.last_call", Value: "2026-03-05T12:00:00Z"},
		{Key: "contact.call_count", Value: 3},
	})
	require.NoError(t, err)
	ct, _, err := c.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com", CustomFields: in})
	require.NoError(t, err)
	got, _, err := c.Contacts.Get(ctx, ct.ID)
	require.NoError(t, err)
	v, ok, err := keys.Value(ctx, got, "contact.last_call")
	require.NoError(t, err)
	require.True(t, ok)
	s, _ := v.String()
	assert.Equal(t, "2026-03-05T12:00:00Z", s)
	v, ok, err = keys.Value(ctx, got, "contact.call_count")
	require.NoError(t, err)
	require.True(t, ok)
	n, _ := v.Float()
	assert.InDelta(t, 3, n, 0)
	path := "/locations/" + srv.LocationID() + "/customFields"
	assert.Equal(t, 1, srv.Requests("GET", path), "one fetch of the field list")

	_, err = keys.Input(ctx, "contact.linkedphone_id", "lp-1")
	assert.ErrorIs(t, err, ghl.ErrUnknownCustomField)
	assert.Equal(t, 2, srv.Requests("GET", path), "one refresh, then the typed error")

	// Created meanwhile by someone else: the refresh finds it.
	_, err = srv.AddCustomField(srv.LocationID(), CustomField{Name: "LinkedPhone ID"})
	require.NoError(t, err)
	in2, err := keys.Input(ctx, "contact.linkedphone_id", "lp-1")
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Requests("GET", path))
	_, _, err = c.Contacts.Update(ctx, ct.ID, &ghl.ContactUpdateRequest{CustomFields: []ghl.CustomFieldInput{in2}})
	require.NoError(t, err)
	got, _, err = c.Contacts.Get(ctx, ct.ID)
	require.NoError(t, err)
	v, ok, err = keys.Value(ctx, got, "contact.linkedphone_id")
	require.NoError(t, err)
	require.True(t, ok)
	s, _ = v.String()
	assert.Equal(t, "lp-1", s)
}

// contactCustomFieldsLocked is the check the contacts write path calls: values go by ID, and a
// field the location lacks is refused.
func TestContactCustomFieldCheck(t *testing.T) {
	srv, _ := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC))
	lastCall, _ := srv.AddCustomField(srv.LocationID(), CustomField{Name: "Last call", DataType: "DATE"})
	deal, _ := srv.AddCustomField(srv.LocationID(), CustomField{Name: "Deal", Model: "opportunity"})
	srv.mu.Lock()
	defer srv.mu.Unlock()
	l := srv.locations[srv.LocationID()]
	var in []any
	require.NoError(t, json.Unmarshal([]byte(`[{"key":"contact.last_call","field_value":"2026-03-05"},{"id":"`+lastCall+`","value":"x"}]`), &in))
	out, msgs := srv.contactCustomFieldsLocked(l, in)
	assert.Empty(t, msgs)
	assert.Equal(t, []any{
		map[string]any{"id": lastCall, "field_value": "2026-03-05"},
		map[string]any{"id": lastCall, "field_value": "x"},
	}, out)

	require.NoError(t, json.Unmarshal([]byte(`[{"id":"cf-unknown","field_value":1},{"key":"contact.nope","field_value":1},{"id":"`+deal+`","field_value":1},{"field_value":1},"x"]`), &in))
	_, msgs = srv.contactCustomFieldsLocked(l, in)
	assert.Equal(t, []string{
		"customFields.0: no contact custom field with id cf-unknown in this location",
		"customFields.1: no contact custom field with key contact.nope in this location",
		"customFields.2: no contact custom field with id " + deal + " in this location",
		"customFields.3 must name a field by id or key",
		"customFields.4 must be an object",
	}, msgs)
	_, msgs = srv.contactCustomFieldsLocked(l, "x")
	assert.Equal(t, []string{"customFields must be an array"}, msgs)
	out, msgs = srv.contactCustomFieldsLocked(l, nil)
	assert.Empty(t, msgs)
	assert.Equal(t, []any{}, out)
}

// The users operations take agency and location tokens: a location token sees its own
// location's users only (and another locationId is 403), an agency token the company's.
// The location operations take location tokens only.
func TestUsersByTokenKind(t *testing.T) {
	srv := New(t, WithLocation(DefaultLocationID, DefaultToken), WithLocation("ghltest-location-2", "ghltest-pit-2"))
	here, err := srv.AddUser(User{FirstName: "Here"})
	require.NoError(t, err)
	there, err := srv.AddUser(User{FirstName: "There", LocationIDs: []string{"ghltest-location-2"}})
	require.NoError(t, err)
	code := srv.AuthorizationCode(srv.LocationID())
	_, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Company"), nil)
	agency := body["access_token"].(string)
	get := func(token, path string) apiResult {
		return send(t, srv, http.MethodGet, path, nil, http.Header{"Authorization": {"Bearer " + token}, "Version": {"2021-07-28"}}, false)
	}
	users := func(res apiResult) []string {
		t.Helper()
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		var ids []string
		for _, u := range res.body["users"].([]any) {
			ids = append(ids, u.(map[string]any)["id"].(string))
		}
		return ids
	}
	search := "/users/search?companyId=" + DefaultCompanyID
	assert.Equal(t, []string{here}, users(get(srv.Token(), search)))
	assert.ElementsMatch(t, []string{here, there}, users(get(agency, search)))
	assert.Equal(t, []string{there}, users(get(agency, search+"&locationId=ghltest-location-2")))
	res := get(srv.Token(), search+"&locationId=ghltest-location-2")
	assert.Equal(t, http.StatusForbidden, res.status, "%s", res.raw)
	assert.Equal(t, http.StatusBadRequest, get(srv.Token(), "/users/"+there).status, "another location's user is not found")
	assert.Equal(t, http.StatusOK, get(agency, "/users/"+there).status)
	res = get(agency, "/locations/"+srv.LocationID())
	assert.Equal(t, http.StatusUnauthorized, res.status, "%s", res.raw)
	assert.Contains(t, res.body["message"], "authClass")
}

// A location has one country: GET /locations/{id} reports the one its phone numbers are read
// by, and SetLocationDetails changes both.
func TestLocationCountryIsOne(t *testing.T) {
	srv := New(t, WithLocationCountry(DefaultLocationID, "GB"))
	country := func() any {
		res := callAPI(t, srv, http.MethodGet, "/locations/"+srv.LocationID(), nil)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		return res.body["location"].(map[string]any)["country"]
	}
	assert.Equal(t, "GB", country())
	require.NoError(t, srv.SetLocationDetails(srv.LocationID(), LocationDetails{Name: "Acme", Country: "US"}))
	assert.Equal(t, "US", country())
	id := createContactAPI(t, srv, map[string]any{"phone": "(415) 555-0100"})
	c, _ := srv.Contact(srv.LocationID(), id)
	assert.Equal(t, "+14155550100", c.Phone)
	assert.EqualError(t, srv.SetLocationDetails(srv.LocationID(), LocationDetails{Country: "USA"}), `ghltest: "USA" is not an ISO 3166-1 alpha-2 code`)
}
