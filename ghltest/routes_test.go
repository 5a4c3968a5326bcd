package ghltest

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation of the Contacts spec reaches a handler of the fake: the answer is one of
// the fake's JSON bodies, never ServeMux's plain-text 404 or 405.
func TestEveryOperationIsRouted(t *testing.T) {
	raw, err := os.ReadFile("../testdata/contacts.openapi.json")
	require.NoError(t, err)
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))

	srv := newAPIServer(t)
	cid := createContactAPI(t, srv, map[string]any{"email": "routes@example.com"})
	res := callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/tasks", map[string]any{"title": "t", "dueDate": "2024-01-01T00:00:00Z", "completed": false})
	taskID := res.body["task"].(map[string]any)["id"].(string)
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/notes", map[string]any{"body": "n"})
	noteID := res.body["note"].(map[string]any)["id"].(string)
	params := strings.NewReplacer("{contactId}", cid, "{taskId}", taskID, "{id}", noteID, "{campaignId}", "camp1",
		"{workflowId}", "wf1", "{businessId}", "biz1", "{type}", "add")

	var ops []string
	for path, methods := range spec.Paths {
		for method := range methods {
			switch method {
			case "get", "post", "put", "delete", "patch":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	// Delete the contact last, so the other operations find it.
	const deleteContact = "DELETE /contacts/{contactId}"
	require.Contains(t, ops, deleteContact)
	ops = append(slices.DeleteFunc(ops, func(op string) bool { return op == deleteContact }), deleteContact)
	require.Len(t, ops, 32)
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		var body any
		if method != http.MethodGet {
			body = map[string]any{}
		}
		res := callAPI(t, srv, method, params.Replace(path)+"?locationId="+srv.LocationID(), body)
		assert.NotEqual(t, http.StatusMethodNotAllowed, res.status, op)
		assert.NotNil(t, res.body, "%s answered %d %s", op, res.status, res.raw)
		assert.NotContains(t, string(res.raw), "Cannot "+method, op)
	}
}

// Paths match exactly, trailing slash included, and a method a path does not serve answers
// GHL's framework 404, never a 405 or a redirect.
func TestRoutesAreExact(t *testing.T) {
	srv := New(t)
	id := createContactAPI(t, srv, map[string]any{"email": "r@example.com"})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/contacts/" + id + "/"},
		{http.MethodPost, "/contacts/upsert/"},
		{http.MethodPatch, "/contacts/" + id},
		{http.MethodGet, "/contacts/" + id + "/tasks/"},
		{http.MethodGet, "/contacts//tasks"},
		{http.MethodGet, "/nothing"},
	} {
		res := callAPI(t, srv, tc.method, tc.path, nil)
		require.Equal(t, http.StatusNotFound, res.status, "%s %s", tc.method, tc.path)
		assert.JSONEq(t, `{"statusCode":404,"message":"Cannot `+tc.method+` `+tc.path+`","error":"Not Found"}`, string(res.raw))
	}
	// The literal segment wins over the parameter: removeAll is not a campaign ID.
	res := callAPI(t, srv, http.MethodDelete, "/contacts/"+id+"/campaigns/removeAll", nil)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	assert.Equal(t, 1, srv.Stats().Requests.ByRoute["DELETE /contacts/{contactId}/campaigns/removeAll"])
	assert.Equal(t, 6, srv.Stats().Requests.ByRoute[unrouted])
}

// An ID that cannot be a GHL ID (20 letters and digits) is a validation error where the
// operation's spec declares 422, and 400 where it declares no 422; a well-formed ID that
// names nothing is 404.
func TestMalformedIDs(t *testing.T) {
	srv := New(t)
	id := createContactAPI(t, srv, map[string]any{"email": "m@example.com"})
	for _, bad := range []string{"nope", "ve9EPM428h8vShlRW1K", "ve9EPM428h8vShlRW1KT0", "ve9EPM428h8vShl-W1KT"} {
		requireUnprocessable(t, callAPI(t, srv, http.MethodGet, "/contacts/"+bad, nil), "contactId must be a valid id")
		requireUnprocessable(t, callAPI(t, srv, http.MethodPut, "/contacts/"+bad, map[string]any{"city": "x"}), "contactId must be a valid id")
		res := callAPI(t, srv, http.MethodGet, "/contacts/"+bad+"/tasks", nil) // declares no 422
		assert.Equal(t, http.StatusBadRequest, res.status, bad)
		assert.JSONEq(t, `{"statusCode":400,"message":"Invalid contactId"}`, string(res.raw))
		res = callAPI(t, srv, http.MethodDelete, "/contacts/"+id+"/tasks/"+bad, nil)
		assert.JSONEq(t, `{"statusCode":400,"message":"Invalid taskId"}`, string(res.raw))
		requireUnprocessable(t, callAPI(t, srv, http.MethodGet, "/contacts/"+id+"/notes/"+bad, nil), "id must be a valid id")
	}
	requireContactNotFound(t, callAPI(t, srv, http.MethodGet, "/contacts/"+missingID, nil))
}
