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

// Every route of the table follows GHL's spec (the testdata copies): the path is the spec's,
// its Version is the one the spec pins, its scope is the one the spec's security names (where
// it names one), its malformed IDs answer 422 exactly where the spec declares 422, it takes
// agency tokens where the spec lists Agency-Access, the query parameters it checks are the
// spec's, and default tokens carry its scope.
func TestRoutesFollowTheSpecs(t *testing.T) {
	type op struct {
		Parameters []struct {
			Name   string `json:"name"`
			In     string `json:"in"`
			Schema struct {
				Enum []string `json:"enum"`
			} `json:"schema"`
		} `json:"parameters"`
		Security  []map[string][]string      `json:"security"`
		Responses map[string]json.RawMessage `json:"responses"`
	}
	ops := map[string]op{}
	for _, name := range []string{"contacts", "calendars", "users", "locations", "conversations"} {
		raw, err := os.ReadFile("../testdata/" + name + ".openapi.json")
		require.NoError(t, err)
		var spec struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(raw, &spec))
		for path, methods := range spec.Paths {
			for m, rawOp := range methods {
				var o op
				if json.Unmarshal(rawOp, &o) == nil {
					ops[strings.ToUpper(m)+" "+path] = o
				}
			}
		}
	}
	// The spec names no scope for these; the fake asks for the likely one (FIDELITY.md).
	noSpecScope := map[string]string{
		"POST /contacts/bulk/tags/update/{type}":           scopeContactsWrite,
		"POST /contacts/bulk/business":                     scopeContactsWrite,
		"GET /locations/{locationId}/customFields/{id}":    scopeFieldsRead,
		"PUT /locations/{locationId}/customFields/{id}":    scopeFieldsWrite,
		"DELETE /locations/{locationId}/customFields/{id}": scopeFieldsWrite,
	}
	// The spec takes agency tokens here too; the fake serves location tokens only (FIDELITY.md).
	locationOnly := []string{"GET /locations/{locationId}"}
	defaults := strings.Fields(DefaultScope)

	srv := New(t)
	families := map[apiFamily]int{}
	for _, rt := range srv.routeTable() {
		key := rt.key()
		families[rt.family]++
		if rt.family == familyNone || rt.family == familyOAuth {
			continue // the OAuth endpoints: ghl-api.md §3, no spec file here
		}
		o, ok := ops[key]
		require.True(t, ok, "%s is not in the specs", key)
		var version, query []string
		for _, p := range o.Parameters {
			switch {
			case p.In == "header" && p.Name == "Version":
				version = p.Schema.Enum
			case p.In == "query":
				query = append(query, p.Name)
			}
		}
		assert.Equal(t, []string{rt.family.version()}, version, key)
		var scopes []string
		agency := false
		for _, sec := range o.Security {
			for kind, list := range sec {
				scopes = append(scopes, list...)
				agency = agency || kind == "Agency-Access"
			}
		}
		if want, ok := noSpecScope[key]; ok {
			assert.Empty(t, scopes, key)
			assert.Equal(t, want, rt.scope, key)
		} else {
			assert.Contains(t, scopes, rt.scope, key)
		}
		assert.Contains(t, defaults, rt.scope, "%s: DefaultScope lacks its scope", key)
		assert.Equal(t, agency && !slices.Contains(locationOnly, key), rt.anyToken, "%s: token kinds", key)
		if len(rt.ids) > 0 {
			_, declares422 := o.Responses["422"]
			assert.Equal(t, declares422, rt.badID == http.StatusUnprocessableEntity, "%s: status of a malformed ID", key)
		}
		if rt.checkQuery {
			assert.ElementsMatch(t, query, rt.query, "%s: query parameters", key)
		}
	}
	assert.Equal(t, map[apiFamily]int{familyContacts: 32, familyNone: 1, familyOAuth: 1, familyCalendars: 11,
		familyUsers: 2, familyLocations: 8, familyConversations: 18}, families)
}

// GET /conversations/messages/{id} and GET /conversations/{conversationId}/messages share a
// shape; each path reaches its own operation, /conversations/messages/messages the message
// (the literal segment further left wins). POST /conversations/ and GET /calendars/ are
// served only with their trailing slash. What the fake does not serve (the deprecated GET
// /users/, the conversation operations the SDK leaves out) answers the framework's 404.
func TestRoutesOfCalendarsUsersConversationsAreExact(t *testing.T) {
	srv := New(t)
	hdr := http.Header{"Authorization": {"Bearer " + srv.Token()}, "Version": {"2021-04-15"}}
	for _, tc := range []struct{ method, path, route string }{
		{http.MethodGet, "/conversations/messages/" + missingID, "GET /conversations/messages/{id}"},
		{http.MethodGet, "/conversations/" + missingID + "/messages", "GET /conversations/{conversationId}/messages"},
		{http.MethodGet, "/conversations/messages/messages", "GET /conversations/messages/{id}"},
		{http.MethodGet, "/conversations/messages/export?locationId=" + srv.LocationID(), "GET /conversations/messages/export"},
		{http.MethodGet, "/conversations/search?locationId=" + srv.LocationID(), "GET /conversations/search"},
		{http.MethodGet, "/conversations/" + missingID, "GET /conversations/{conversationId}"},
		{http.MethodPost, "/conversations/", "POST /conversations/"},
		{http.MethodGet, "/calendars/?locationId=" + srv.LocationID(), "GET /calendars/"},
	} {
		before := srv.Stats().Requests.ByRoute[tc.route]
		res := send(t, srv, tc.method, tc.path, map[string]any{}, hdr, false)
		assert.NotEqual(t, http.StatusNotFound, res.status, "%s %s: %s", tc.method, tc.path, res.raw)
		assert.Equal(t, before+1, srv.Stats().Requests.ByRoute[tc.route], "%s %s", tc.method, tc.path)
	}
	res := send(t, srv, http.MethodGet, "/conversations/"+missingID+"/messages", nil, hdr, false)
	assert.JSONEq(t, `{"statusCode":400,"message":"Conversation not found","error":"Bad Request"}`, string(res.raw))
	res = send(t, srv, http.MethodGet, "/conversations/messages/"+missingID, nil, hdr, false)
	assert.Equal(t, "Message not found", res.body["message"], "%s", res.raw)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/conversations"}, {http.MethodGet, "/calendars"}, {http.MethodGet, "/conversations/search/"},
		{http.MethodGet, "/users/"}, {http.MethodGet, "/conversations/preferences/custom-subtypes"},
	} {
		res := send(t, srv, tc.method, tc.path, nil, hdr, false)
		require.Equal(t, http.StatusNotFound, res.status, "%s %s", tc.method, tc.path)
		assert.JSONEq(t, `{"statusCode":404,"message":"Cannot `+tc.method+` `+tc.path+`","error":"Not Found"}`, string(res.raw))
	}
}
