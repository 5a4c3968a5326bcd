package ghltest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scopeRefusal = `{"statusCode":401,"message":"The token is not authorized for this scope."}`

// A token without contacts.write is refused every write with GHL's 401, and still reads; one
// without contacts.readonly is refused reads.
func TestScopesEnforcedPerToken(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "a@example.com"})
	readOnly := srv.NewToken(loc, "contacts.readonly")
	writeOnly := srv.NewToken(loc, "contacts.write")

	writes := []struct{ method, path string }{
		{http.MethodPost, "/contacts/"}, {http.MethodPut, "/contacts/" + id}, {http.MethodDelete, "/contacts/" + id},
		{http.MethodPost, "/contacts/upsert"}, {http.MethodPost, "/contacts/" + id + "/tags"},
		{http.MethodPost, "/contacts/" + id + "/notes"}, {http.MethodPost, "/contacts/" + id + "/tasks"},
		{http.MethodPost, "/contacts/bulk/business"}, {http.MethodPost, "/contacts/bulk/tags/update/add"},
	}
	for _, w := range writes {
		res := callAPIAs(t, srv, readOnly, w.method, w.path, map[string]any{"locationId": loc})
		assert.Equal(t, http.StatusUnauthorized, res.status, "%s %s", w.method, w.path)
		assert.JSONEq(t, scopeRefusal, string(res.raw), "%s %s", w.method, w.path)
	}
	res := callAPIAs(t, srv, readOnly, http.MethodGet, "/contacts/"+id, nil)
	assert.Equal(t, http.StatusOK, res.status, "a read needs only contacts.readonly")
	res = callAPIAs(t, srv, readOnly, http.MethodPost, "/contacts/search", map[string]any{"locationId": loc, "pageLimit": 10})
	assert.Equal(t, http.StatusOK, res.status, "search is a read: %s", res.raw)

	for _, path := range []string{"/contacts/" + id, "/contacts/" + id + "/tasks", "/contacts/?locationId=" + loc} {
		res = callAPIAs(t, srv, writeOnly, http.MethodGet, path, nil)
		assert.JSONEq(t, scopeRefusal, string(res.raw), path)
	}
	res = callAPIAs(t, srv, writeOnly, http.MethodPut, "/contacts/"+id, map[string]any{"city": "Oslo"})
	assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, 1, srv.ContactCount(loc), "refused writes changed nothing")
}

// The OAuth endpoints issue tokens with the app's granted scopes; minting a location token
// needs oauth.write.
func TestOAuthTokensCarryTheAppsScopes(t *testing.T) {
	srv := New(t, WithOAuthScopes("contacts.readonly"))
	code := srv.AuthorizationCode(srv.LocationID())
	status, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Location"), nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, "contacts.readonly", body["scope"])
	tok := body["access_token"].(string)
	res := callAPIAs(t, srv, tok, http.MethodGet, "/contacts/?locationId="+srv.LocationID(), nil)
	assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	res = callAPIAs(t, srv, tok, http.MethodPost, "/contacts/", map[string]any{"locationId": srv.LocationID()})
	assert.JSONEq(t, scopeRefusal, string(res.raw))

	// An agency token without oauth.write cannot mint location tokens.
	code = srv.AuthorizationCode(srv.LocationID())
	_, body = postForm(t, srv, "/oauth/token", exchangeForm(code, "Company"), nil)
	agency := body["access_token"].(string)
	status, body = postForm(t, srv, "/oauth/locationToken", url.Values{"companyId": {DefaultCompanyID}, "locationId": {srv.LocationID()}},
		http.Header{"Authorization": {"Bearer " + agency}, "Version": {"2021-07-28"}})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "The token is not authorized for this scope.", body["message"])
	assert.Zero(t, srv.LocationTokensMinted())
}

// Each operation requires the Version its spec declares: contacts and /oauth/locationToken
// 2021-07-28, /oauth/token none.
func TestVersionHeaderPerOperation(t *testing.T) {
	srv := New(t)
	hdr := func(version string) http.Header {
		h := http.Header{"Authorization": {"Bearer " + srv.Token()}}
		if version != "" {
			h.Set("Version", version)
		}
		return h
	}
	path := "/contacts/?locationId=" + srv.LocationID()
	assert.Equal(t, http.StatusOK, send(t, srv, http.MethodGet, path, nil, hdr("2021-07-28"), false).status)
	for _, v := range []string{"2021-04-15", "2023-02-21", "v3"} {
		res := send(t, srv, http.MethodGet, path, nil, hdr(v), false)
		require.Equal(t, http.StatusBadRequest, res.status, v)
		assert.JSONEq(t, `{"statusCode":400,"message":"Version header must be 2021-07-28 for this operation"}`, string(res.raw))
	}
	res := send(t, srv, http.MethodGet, path, nil, hdr(""), false)
	assert.JSONEq(t, `{"statusCode":400,"message":"version header was not found"}`, string(res.raw))

	// POST /oauth/token declares no Version; a request without one is served.
	code := srv.AuthorizationCode(srv.LocationID())
	status, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Location"), nil)
	assert.Equal(t, http.StatusOK, status, "%v", body)

	// The families the next services will use have their values in one table.
	assert.Equal(t, "2021-04-15", familyConversations.version())
	assert.Equal(t, "2021-04-15", familyCalendars.version())
	assert.Equal(t, "2021-07-28", familyUsers.version())
	assert.Equal(t, "2021-07-28", familyLocations.version())
	assert.Equal(t, "", familyNone.version())
}

// An agency token on a location operation gets GHL's authClass 401.
func TestAgencyTokenOnLocationOperation(t *testing.T) {
	srv := New(t)
	code := srv.AuthorizationCode(srv.LocationID())
	_, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Company"), nil)
	res := callAPIAs(t, srv, body["access_token"].(string), http.MethodGet, "/contacts/?locationId="+srv.LocationID(), nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	assert.Equal(t, "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.", res.body["message"])
}

// The Calendars, Users, Locations and Conversations operations ask for their specs' scopes:
// fixed and OAuth tokens carry them by default, a token with just the operation's scope is
// served, and a token with every other scope is refused with GHL's 401.
func TestScopesOfCalendarsUsersLocationsConversations(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	code := srv.AuthorizationCode(loc)
	_, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Location"), nil)
	oauthToken := body["access_token"].(string)
	contact := createContactAPI(t, srv, map[string]any{"email": "scopes@example.com", "phone": "+14155550100"})
	const cal, v2 = "2021-04-15", "2021-07-28"
	for _, op := range []struct {
		scope, version, method, path string
		body                         any
	}{
		{"calendars.readonly", cal, "GET", "/calendars/?locationId=" + loc, nil},
		{"calendars/events.readonly", cal, "GET", "/calendars/events?locationId=" + loc + "&calendarId=" + missingID + "&startTime=0&endTime=1", nil},
		{"calendars/events.write", cal, "DELETE", "/calendars/events/" + missingID, nil},
		{"users.readonly", v2, "GET", "/users/search?companyId=" + DefaultCompanyID, nil},
		{"locations.readonly", v2, "GET", "/locations/" + loc, nil},
		{"locations/customFields.readonly", v2, "GET", "/locations/" + loc + "/customFields", nil},
		{"locations/customFields.write", v2, "POST", "/locations/" + loc + "/customFields", map[string]any{"name": "Call count", "dataType": "NUMERICAL"}},
		{"locations/tags.readonly", v2, "GET", "/locations/" + loc + "/tags", nil},
		{"locations/tags.write", v2, "POST", "/locations/" + loc + "/tags", map[string]any{"name": "called"}},
		{ScopeConversationsReadonly, cal, "GET", "/conversations/search?locationId=" + loc, nil},
		{ScopeConversationsWrite, cal, "PUT", "/conversations/" + missingID, map[string]any{"locationId": loc}},
		{ScopeConversationMessagesReadonly, cal, "GET", "/conversations/messages/export?locationId=" + loc, nil},
		{ScopeConversationMessagesWrite, cal, "POST", "/conversations/messages", map[string]any{"type": "SMS", "contactId": contact, "message": "hi"}},
	} {
		as := func(token string) apiResult {
			return send(t, srv, op.method, op.path, op.body, http.Header{"Authorization": {"Bearer " + token}, "Version": {op.version}}, false)
		}
		var others []string
		for _, sc := range strings.Fields(DefaultScope) {
			if sc != op.scope {
				others = append(others, sc)
			}
		}
		res := as(srv.NewToken(loc, others...))
		assert.Equal(t, http.StatusUnauthorized, res.status, "%s %s without %s", op.method, op.path, op.scope)
		assert.JSONEq(t, scopeRefusal, string(res.raw), op.scope)
		for name, token := range map[string]string{"only its scope": srv.NewToken(loc, op.scope), "fixed": srv.Token(), "OAuth": oauthToken} {
			res := as(token)
			assert.NotEqual(t, http.StatusUnauthorized, res.status, "%s %s, %s token: %s", op.method, op.path, name, res.raw)
			assert.Less(t, res.status, 500, "%s %s, %s token: %s", op.method, op.path, name, res.raw)
		}
	}
}
