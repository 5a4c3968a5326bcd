package ghltest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagsAddRemove(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "t@example.com", "tags": []string{"old"}})
	path := "/contacts/" + id + "/tags"
	tags := func() []string { c, _ := srv.Contact(loc, id); return c.Tags }

	res := callAPI(t, srv, http.MethodPost, path, map[string]any{"tags": []string{" VIP ", "lead", "old"}})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"tags":["old","vip","lead"]}`, string(res.raw))
	assert.Equal(t, []string{"old", "vip", "lead"}, tags())

	res = callAPI(t, srv, http.MethodDelete, path, map[string]any{"tags": []string{"OLD", "missing"}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"tags":["vip","lead"]}`, string(res.raw))
	assert.Equal(t, []string{"vip", "lead"}, tags())

	for _, tc := range []struct {
		name, method string
		body         any
		want         string
	}{
		{"empty list", http.MethodPost, map[string]any{"tags": []string{}}, "tags should not be empty"},
		{"missing", http.MethodPost, map[string]any{}, "tags should not be empty"},
		{"not a list", http.MethodPost, map[string]any{"tags": "vip"}, "tags must be an array"},
		{"delete without body", http.MethodDelete, nil, "request body should not be empty"},
		{"delete empty list", http.MethodDelete, map[string]any{"tags": []string{}}, "tags should not be empty"},
		{"extra property", http.MethodPost, map[string]any{"tags": []string{"x"}, "locationId": loc}, "property locationId should not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, callAPI(t, srv, tc.method, path, tc.body), tc.want)
		})
	}
	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/tags", map[string]any{"tags": []string{"x"}}))
	requireContactNotFound(t, callAPI(t, srv, http.MethodDelete, "/contacts/"+missingID+"/tags", map[string]any{"tags": []string{"x"}}))
	assert.Equal(t, []string{"vip", "lead"}, tags())

	// tags on the contact update replace the whole list.
	res = callAPI(t, srv, http.MethodPut, "/contacts/"+id, map[string]any{"tags": []string{"only"}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, []string{"only"}, tags())
}

func TestBulkTags(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	a := createContactAPI(t, srv, map[string]any{"email": "a@example.com", "tags": []string{"x"}})
	b := createContactAPI(t, srv, map[string]any{"email": "b@example.com", "tags": []string{"y"}})
	tags := func(id string) []string { c, _ := srv.Contact(loc, id); return c.Tags }

	res := callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/add",
		map[string]any{"locationId": loc, "contacts": []string{a, b, "ghost"}, "tags": []string{"New", "x"}})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true,"errorCount":1,"responses":[
		{"contactId":"`+a+`","message":"Tags updated","type":"success","oldTags":["x"],"tagsAdded":["new"],"tagsRemoved":[]},
		{"contactId":"`+b+`","message":"Tags updated","type":"success","oldTags":["y"],"tagsAdded":["new","x"],"tagsRemoved":[]},
		{"contactId":"ghost","message":"contact not found","type":"error"}]}`, string(res.raw))
	assert.Equal(t, []string{"x", "new"}, tags(a))
	assert.Equal(t, []string{"y", "new", "x"}, tags(b))

	res = callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/remove",
		map[string]any{"locationId": loc, "contacts": []string{a, b}, "tags": []string{"x"}})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.EqualValues(t, 0, res.body["errorCount"])
	assert.Equal(t, []string{"new"}, tags(a))
	assert.Equal(t, []string{"y", "new"}, tags(b))

	// removeAllTags (sent as the string the spec's example uses) clears every tag.
	res = callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/remove",
		map[string]any{"locationId": loc, "contacts": []string{b}, "tags": []string{}, "removeAllTags": "true"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true,"errorCount":0,"responses":[
		{"contactId":"`+b+`","message":"Tags updated","type":"success","oldTags":["y","new"],"tagsAdded":[],"tagsRemoved":["y","new"]}]}`, string(res.raw))
	assert.Equal(t, []string{}, tags(b))
	assert.Equal(t, []string{"new"}, tags(a))

	for _, tc := range []struct {
		name, typ string
		body      map[string]any
		want      string
	}{
		{"unknown type", "toggle", map[string]any{"locationId": loc, "contacts": []string{a}, "tags": []string{"t"}},
			"type must be one of the following values: add, remove"},
		{"no contacts", "add", map[string]any{"locationId": loc, "contacts": []string{}, "tags": []string{"t"}}, "contacts should not be empty"},
		{"contacts missing", "add", map[string]any{"locationId": loc, "tags": []string{"t"}}, "contacts should not be empty"},
		{"no tags", "add", map[string]any{"locationId": loc, "contacts": []string{a}, "tags": []string{}}, "tags should not be empty"},
		{"tags missing", "remove", map[string]any{"locationId": loc, "contacts": []string{a}, "removeAllTags": true}, "tags should not be empty"},
		{"removeAllTags with add", "add", map[string]any{"locationId": loc, "contacts": []string{a}, "tags": []string{"t"}, "removeAllTags": true},
			"removeAllTags can only be used with remove type"},
		{"removeAllTags not boolean", "remove", map[string]any{"locationId": loc, "contacts": []string{a}, "tags": []string{}, "removeAllTags": "yes"},
			"removeAllTags must be a boolean value"},
		{"locationId missing", "add", map[string]any{"contacts": []string{a}, "tags": []string{"t"}}, "locationId should not be empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/"+tc.typ, tc.body), tc.want)
		})
	}
	requireForbidden(t, callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/add",
		map[string]any{"locationId": "elsewhere", "contacts": []string{a}, "tags": []string{"t"}}))
	assert.Equal(t, []string{"new"}, tags(a), "rejected requests changed nothing")
}
