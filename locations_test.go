package ghl

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocationsGet(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/ve9EPM428h8vShlRW1KT", version: versionLocations,
		resp: `{"location":` + locationJSON + `,"traceId":"t"}`})
	loc, resp, err := client.Locations.Get(context.Background(), "ve9EPM428h8vShlRW1KT")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "5DP4iH6HLkQsiKESj6rh", loc.CompanyID)
	assert.Equal(t, "America/Chicago", loc.Timezone)
	assert.Equal(t, "MIG 14, Delhi", loc.Business.Address)
	assert.Equal(t, &LocationSettings{}, loc.Settings)
	assert.JSONEq(t, `{"facebookUrl":"https://www.facebook.com/"}`, string(loc.Extra["social"]))
	tz, err := loc.LoadTimezone()
	require.NoError(t, err)
	assert.Equal(t, "America/Chicago", tz.String())
	out, err := json.Marshal(loc)
	require.NoError(t, err)
	assert.JSONEq(t, locationJSON, string(out))

	// The business timezone stands in for a missing one; none at all is an error.
	tz, err = (&Location{Business: &LocationBusiness{Timezone: "Europe/Berlin"}}).LoadTimezone()
	require.NoError(t, err)
	assert.Equal(t, "Europe/Berlin", tz.String())
	_, err = (&Location{ID: "l1"}).LoadTimezone()
	assert.EqualError(t, err, "ghl: location l1 has no timezone")

	_, _, err = client.Locations.Get(context.Background(), "")
	assertInvalidParam(t, err, "locationID")
}

func TestLocationsTags(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-test-1/tags", version: versionLocations,
		resp: `{"tags":[{"name":"minim aliquip anim","locationId":"ve9EPM428h8vShlRW1KT","id":"flGwEuzsfJOia1i1ikRN"}]}`})
	tags, _, err := client.Locations.Tags(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []*LocationTag{{ID: "flGwEuzsfJOia1i1ikRN", Name: "minim aliquip anim", LocationID: "ve9EPM428h8vShlRW1KT"}}, tags)

	expect(t, mux, wire{method: http.MethodPost, path: "/locations/loc-test-1/tags", version: versionLocations,
		body: `{"name":"missed-call"}`, resp: `{"tag":{"name":"missed-call","locationId":"loc-test-1","id":"t2"}}`})
	tag, _, err := client.Locations.CreateTag(context.Background(), "missed-call")
	require.NoError(t, err)
	assert.Equal(t, "t2", tag.ID)

	_, _, err = client.Locations.CreateTag(context.Background(), " ")
	assertInvalidParam(t, err, "name")
	noLoc, _ := setup(t)
	noLoc.locationID = ""
	_, _, err = noLoc.Locations.Tags(context.Background())
	assertInvalidParam(t, err, "client")
	_, _, err = noLoc.Locations.CreateTag(context.Background(), "x")
	assertInvalidParam(t, err, "client")
}

// The spec's CustomFieldSchema example.
const customFieldJSON = `{"id":"3sv6UEo51C9Bmpo1cKTq","name":"pincode","fieldKey":"contact.pincode","placeholder":"Pin code",
	"dataType":"TEXT","position":1,"picklistOptions":["first option"],"picklistImageOptions":[],"isAllowedCustomOption":true,
	"isMultiFileAllowed":true,"maxFileLimit":4,"locationId":"3sv6UEo51C9Bmpo1cKTq","model":"contact"}`

func TestLocationsCustomFields(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ctx := context.Background()
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-test-1/customFields", version: versionLocations,
		query: "model=contact", resp: `{"customFields":[` + customFieldJSON + `]}`})
	fields, _, err := client.Locations.CustomFields(ctx, nil)
	require.NoError(t, err)
	require.Len(t, fields, 1)
	f := fields[0]
	assert.Equal(t, "contact.pincode", f.FieldKey)
	assert.Equal(t, []string{"first option"}, f.PicklistOptions)
	assert.Equal(t, 4, f.MaxFileLimit)
	out, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, customFieldJSON, string(out))

	_, _, err = client.Locations.CustomFields(ctx, &CustomFieldListOptions{Model: "deal"})
	assertInvalidParam(t, err, "opts.Model")

	// GHL takes a field key where the ID goes.
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-test-1/customFields/contact.pincode", version: versionLocations,
		resp: `{"customField":` + customFieldJSON + `}`})
	f, _, err = client.Locations.GetCustomField(ctx, "contact.pincode")
	require.NoError(t, err)
	assert.Equal(t, "3sv6UEo51C9Bmpo1cKTq", f.ID)
	_, _, err = client.Locations.GetCustomField(ctx, "")
	assertInvalidParam(t, err, "idOrKey")
}

func TestLocationsCustomFieldsAllModels(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-test-1/customFields", version: versionLocations,
		query: "model=all", resp: `{"customFields":[]}`})
	fields, _, err := client.Locations.CustomFields(context.Background(), &CustomFieldListOptions{Model: CustomFieldModelAll})
	require.NoError(t, err)
	assert.Empty(t, fields)
}

func TestLocationsCustomFieldWrites(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ctx := context.Background()
	expect(t, mux, wire{method: http.MethodPost, path: "/locations/loc-test-1/customFields", version: versionLocations,
		body: `{"name":"Last call","dataType":"DATE","placeholder":"When","fieldKey":"last_call","parentId":"folder1",
			"description":"Set by LinkedPhone","acceptedFormat":[".pdf"],"isMultipleFile":false,"maxNumberOfFiles":2,
			"textBoxListOptions":[{"label":"First"}],"position":3,"model":"contact","options":["a"]}`,
		status: http.StatusCreated,
		resp:   `{"customField":{"id":"cf9","name":"Last call","fieldKey":"contact.last_call","dataType":"DATE","model":"contact"}}`})
	f, resp, err := client.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{
		Name: "Last call", DataType: "DATE", Placeholder: "When", FieldKey: "last_call", ParentID: "folder1",
		Description: "Set by LinkedPhone", AcceptedFormat: []string{".pdf"}, IsMultipleFile: Ptr(false), MaxNumberOfFiles: 2,
		TextBoxListOptions: []TextBoxListOption{{Label: "First"}}, Position: 3, Extra: Extra{"options": json.RawMessage(`["a"]`)},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "contact.last_call", f.FieldKey)

	expect(t, mux, wire{method: http.MethodPut, path: "/locations/loc-test-1/customFields/cf%2F9", version: versionLocations,
		body: `{"name":"Last call (UTC)","position":0,"placeholder":null}`,
		resp: `{"customField":{"id":"cf/9","name":"Last call (UTC)","fieldKey":"contact.last_call","model":"contact"}}`})
	f, _, err = client.Locations.UpdateCustomField(ctx, "cf/9", &CustomFieldUpdateRequest{Name: "Last call (UTC)", Position: Ptr(0), Null: []string{"placeholder"}})
	require.NoError(t, err)
	assert.Equal(t, "Last call (UTC)", f.Name)

	expect(t, mux, wire{method: http.MethodDelete, path: "/locations/loc-test-1/customFields/cf9", version: versionLocations, resp: `{"succeded":true}`})
	_, err = client.Locations.DeleteCustomField(ctx, "cf9")
	require.NoError(t, err)

	for _, tc := range []struct {
		err   error
		param string
	}{
		{second(client.Locations.CreateCustomField(ctx, nil)), "req"},
		{second(client.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{DataType: "TEXT"})), "req.Name"},
		{second(client.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{Name: "n"})), "req.DataType"},
		{second(client.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{Name: "n", DataType: "TEXT", Model: "all"})), "req.Model"},
		{second(client.Locations.UpdateCustomField(ctx, "cf1", nil)), "req"},
		{second(client.Locations.UpdateCustomField(ctx, "cf1", &CustomFieldUpdateRequest{})), "req.Name"},
		{second(client.Locations.UpdateCustomField(ctx, "", &CustomFieldUpdateRequest{Name: "n"})), "id"},
		{func() error { _, err := client.Locations.DeleteCustomField(ctx, "."); return err }(), "id"},
	} {
		assertInvalidParam(t, tc.err, tc.param)
	}
}

// Every Calendars, Users and Locations operation sends its API's Version from the table, and
// WithAPIVersion moves all of them, as moving to GHL's v3 would.
func TestFamiliesVersionOverride(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		cal, us string
	}{
		{"table", nil, versionCalendars, versionUsers},
		{"override", []Option{WithAPIVersion("v3")}, "v3", "v3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, mux := setup(t, tc.opts...)
			refuseAll(t, mux)
			expect(t, mux, wire{method: http.MethodGet, path: "/calendars/", version: tc.cal, query: "locationId=loc-test-1", resp: `{"calendars":[]}`})
			expect(t, mux, wire{method: http.MethodGet, path: "/users/u1", version: tc.us, resp: `{"id":"u1"}`})
			expect(t, mux, wire{method: http.MethodGet, path: "/locations/l1", version: tc.us, resp: `{"location":{"id":"l1"}}`})
			_, _, err := client.Calendars.List(context.Background(), nil)
			require.NoError(t, err)
			_, _, err = client.Users.Get(context.Background(), "u1")
			require.NoError(t, err)
			_, _, err = client.Locations.Get(context.Background(), "l1")
			require.NoError(t, err)
		})
	}
}
