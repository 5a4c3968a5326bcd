package ghl

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagsAdd(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/c1/tags",
		body:   `{"tags":["minim","velit magna"]}`,
		status: http.StatusCreated,
		resp:   `{"tags":["old","minim","velit magna"]}`,
	})
	tags, resp, err := client.Tags.Add(context.Background(), "c1", []string{"minim", "velit magna"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, []string{"old", "minim", "velit magna"}, tags)
}

func TestTagsRemove(t *testing.T) {
	client, mux := setup(t)
	// DELETE with a JSON body.
	expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/tags", body: `{"tags":["minim"]}`, resp: `{"tags":["velit magna"]}`})
	tags, _, err := client.Tags.Remove(context.Background(), "c1", []string{"minim"})
	require.NoError(t, err)
	assert.Equal(t, []string{"velit magna"}, tags)
}

func TestTagsRejectBadInput(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	cases := []struct {
		tags  []string
		param string
	}{{nil, "tags"}, {[]string{}, "tags"}, {[]string{"a", " "}, "tags[1]"}}
	for _, tc := range cases {
		_, _, err := client.Tags.Add(context.Background(), "c1", tc.tags)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, "%q", tc.tags)
		assert.Equal(t, tc.param, pe.Param)
		_, _, err = client.Tags.Remove(context.Background(), "c1", tc.tags)
		require.ErrorAs(t, err, &pe, "%q", tc.tags)
		assert.Equal(t, tc.param, pe.Param)
	}
}

// UpdateTagsResponseDTO's example from the spec: responses are objects although the schema
// declares strings.
const bulkTagsResponseJSON = `{"succeded":true,"errorCount":3,"responses":[
	{"contactId":"qFSqySFkVvNzOSqgGqFi","message":"Tags updated","type":"success","oldTags":["tag-1","tag-2"],"tagsAdded":[],"tagsRemoved":[]},
	{"contactId":"abcdef","message":"contact id is not a valid firebase id","type":"error"},
	{"contactId":"qFSqySFkVvNzOSqgGqFi","message":"contact is deleted","type":"error"},
	{"contactId":"3ualbhnV7j3n3a9r2moD","message":"contact does not belong to location","type":"error"}]}`

func TestTagsBulkUpdate(t *testing.T) {
	client, mux := setup(t)
	// The operation is the path segment the spec leaves undeclared; locationId goes in the body.
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/bulk/tags/update/add",
		body:   `{"contacts":["qFSqySFkVvNzOSqgGqFi","abcdef","qFSqySFkVvNzOSqgGqFi","3ualbhnV7j3n3a9r2moD"],"tags":["tag-1","tag-2"],"locationId":"loc-test-1"}`,
		status: http.StatusCreated,
		resp:   bulkTagsResponseJSON,
	})
	res, resp, err := client.Tags.BulkUpdate(context.Background(), &BulkTagsRequest{
		Operation:  TagsAdd,
		ContactIDs: []string{"qFSqySFkVvNzOSqgGqFi", "abcdef", "qFSqySFkVvNzOSqgGqFi", "3ualbhnV7j3n3a9r2moD"},
		Tags:       []string{"tag-1", "tag-2"},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.True(t, res.Succeeded)
	assert.Equal(t, 3, res.ErrorCount)
	require.Len(t, res.Responses, 4)
	assert.Equal(t, BulkTagsItem{
		ContactID: "qFSqySFkVvNzOSqgGqFi", Message: "Tags updated", Type: "success",
		OldTags: []string{"tag-1", "tag-2"}, TagsAdded: []string{}, TagsRemoved: []string{},
	}, res.Responses[0])
	assert.NotEqual(t, "error", res.Responses[0].Type)
	assert.Equal(t, "error", res.Responses[1].Type)
	assert.Equal(t, "contact id is not a valid firebase id", res.Responses[1].Message)
}

func TestTagsBulkUpdateRemoveAll(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/bulk/tags/update/remove",
		body: `{"contacts":["c1"],"tags":[],"locationId":"L9","removeAllTags":true}`,
		resp: `{"succeeded":true,"errorCount":0,"responses":["done"]}`,
	})
	res, _, err := client.Tags.BulkUpdate(context.Background(), &BulkTagsRequest{Operation: TagsRemove, LocationID: "L9", ContactIDs: []string{"c1"}, RemoveAllTags: true})
	require.NoError(t, err)
	// The corrected spelling is accepted too, and a string entry (as the spec declares) is kept.
	assert.True(t, res.Succeeded)
	assert.Equal(t, []BulkTagsItem{{Message: "done"}}, res.Responses)
}

func TestTagsBulkUpdateRejectsBadRequests(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	cases := []struct {
		req   *BulkTagsRequest
		param string
	}{
		{nil, "req"},
		{&BulkTagsRequest{ContactIDs: []string{"a"}, Tags: []string{"t"}}, "req.Operation"},
		{&BulkTagsRequest{Operation: "replace", ContactIDs: []string{"a"}, Tags: []string{"t"}}, "req.Operation"},
		{&BulkTagsRequest{Operation: "{type}", ContactIDs: []string{"a"}, Tags: []string{"t"}}, "req.Operation"},
		{&BulkTagsRequest{Operation: TagsAdd, Tags: []string{"t"}}, "req.ContactIDs"},
		{&BulkTagsRequest{Operation: TagsAdd, ContactIDs: []string{"a", ""}, Tags: []string{"t"}}, "req.ContactIDs[1]"},
		{&BulkTagsRequest{Operation: TagsAdd, ContactIDs: []string{"a"}}, "req.Tags"},
		{&BulkTagsRequest{Operation: TagsRemove, ContactIDs: []string{"a"}, Tags: []string{""}}, "req.Tags[0]"},
		{&BulkTagsRequest{Operation: TagsAdd, ContactIDs: []string{"a"}, RemoveAllTags: true}, "req.RemoveAllTags"},
		{&BulkTagsRequest{Operation: TagsAdd, LocationID: "..", ContactIDs: []string{"a"}, Tags: []string{"t"}}, "req.LocationID"},
	}
	for _, tc := range cases {
		_, _, err := client.Tags.BulkUpdate(context.Background(), tc.req)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, "%+v", tc.req)
		assert.Equal(t, tc.param, pe.Param, "%+v", tc.req)
	}
}

func TestBulkTagsResultRoundTrip(t *testing.T) {
	// Empty lists are not re-encoded (omitempty), so this sample has none.
	in := `{"succeded":false,"errorCount":1,"futureField":{"a":1},"responses":[
		{"contactId":"c1","message":"Tags updated","type":"success","oldTags":["a"],"tagsAdded":["b"],"traceId":"t"},
		{"contactId":"c2","message":"contact is deleted","type":"error"}]}`
	var res BulkTagsResult
	require.NoError(t, json.Unmarshal([]byte(in), &res))
	assert.False(t, res.Succeeded)
	assert.JSONEq(t, `"t"`, string(res.Responses[0].Extra["traceId"]))
	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}
