package ghltest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// admin sends a request to the admin API (no token) and decodes its JSON answer.
func admin(t *testing.T, srv *Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/_ghltest"+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	} else {
		out = map[string]any{"text": string(raw)}
	}
	return resp.StatusCode, out
}

// Stats counts requests by operation and by status, in total, with the other counters.
func TestStatsCountRequests(t *testing.T) {
	srv := New(t, WithRateLimit(RateLimitConfig{Limit: 3, Window: time.Hour, OmitRetryAfter: true}))
	id := createContactAPI(t, srv, map[string]any{"email": "s@example.com"})
	callAPI(t, srv, http.MethodGet, "/contacts/"+id, nil)
	callAPI(t, srv, http.MethodGet, "/contacts/"+missingID, nil)
	callAPI(t, srv, http.MethodGet, "/contacts/"+id, nil) // over the limit
	callAPI(t, srv, http.MethodGet, "/nowhere", nil)
	callAPIAs(t, srv, "bad-token", http.MethodGet, "/contacts/"+id, nil)
	admin(t, srv, http.MethodGet, "/stats", "") // not counted

	st := srv.Stats()
	assert.Equal(t, 6, st.Requests.Total)
	assert.Equal(t, map[string]int{"POST /contacts/": 1, "GET /contacts/{contactId}": 4, unrouted: 1}, st.Requests.ByRoute)
	assert.Equal(t, map[int]int{201: 1, 200: 1, 404: 2, 429: 1, 401: 1}, st.Requests.ByStatus)
	assert.Equal(t, map[int]int{200: 1, 404: 1, 429: 1, 401: 1}, st.Requests.ByRouteStatus["GET /contacts/{contactId}"])
	assert.Equal(t, 1, st.RateLimited)
	assert.Equal(t, 3, srv.Requests(http.MethodGet, "/contacts/"+id), "by path as sent, whatever the answer")
}

// The admin API serves from any language what Go tests get from the Server's methods.
func TestAdminAPI(t *testing.T) {
	srv := New(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "adm@example.com", "phone": "(415) 555-0100"})

	status, body := admin(t, srv, http.MethodGet, "/stats", "")
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 1, body["requests"].(map[string]any)["total"])
	assert.EqualValues(t, 1, body["requests"].(map[string]any)["byRoute"].(map[string]any)["POST /contacts/"])
	assert.EqualValues(t, 1, body["requests"].(map[string]any)["byStatus"].(map[string]any)["201"])

	status, body = admin(t, srv, http.MethodGet, "/locations/"+loc+"/contacts", "")
	require.Equal(t, http.StatusOK, status)
	contacts := body["contacts"].([]any)
	require.Len(t, contacts, 1)
	assert.Equal(t, id, contacts[0].(map[string]any)["id"])
	assert.Equal(t, "+14155550100", contacts[0].(map[string]any)["phone"])

	status, body = admin(t, srv, http.MethodGet, "/locations/"+loc+"/digest", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, srv.StateDigest(loc), body["text"])

	status, body = admin(t, srv, http.MethodPost, "/tokens", `{"locationId":"`+loc+`","scopes":["contacts.readonly"]}`)
	require.Equal(t, http.StatusCreated, status)
	readOnly := body["accessToken"].(string)
	assert.JSONEq(t, scopeRefusal, string(callAPIAs(t, srv, readOnly, http.MethodDelete, "/contacts/"+id, nil).raw))

	// Webhooks: register a URL, emit, flush, read the deliveries.
	rcv := newHookReceiver(t, ok200)
	status, _ = admin(t, srv, http.MethodPut, "/webhooks/url", `{"url":"`+rcv.URL+`"}`)
	require.Equal(t, http.StatusOK, status)
	status, body = admin(t, srv, http.MethodPost, "/webhooks", `{"locationId":"`+loc+`","type":"NoteCreate","payload":{"body":"hi"},"timestamp":"2026-01-02T03:04:05Z"}`)
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	hookID := body["webhookId"].(string)
	status, _ = admin(t, srv, http.MethodPost, "/webhooks/flush", "")
	require.Equal(t, http.StatusOK, status)
	_, body = admin(t, srv, http.MethodGet, "/webhooks/deliveries", "")
	d := body["deliveries"].([]any)[0].(map[string]any)
	assert.Equal(t, hookID, d["webhookId"])
	assert.Equal(t, true, d["delivered"])
	assert.Equal(t, "2026-01-02T03:04:05.000Z", d["body"].(map[string]any)["timestamp"])
	_, body = admin(t, srv, http.MethodGet, "/stats", "")
	assert.EqualValues(t, 1, body["webhooks"].(map[string]any)["delivered"])

	// OAuth: a code, expiring tokens, pausing the location.
	status, body = admin(t, srv, http.MethodPost, "/oauth/code", `{}`)
	require.Equal(t, http.StatusCreated, status)
	st, tok := postForm(t, srv, "/oauth/token", exchangeForm(body["code"].(string), "Location"), nil)
	require.Equal(t, http.StatusOK, st)
	access := tok["access_token"].(string)
	assert.Equal(t, http.StatusOK, callAPIAs(t, srv, access, http.MethodGet, "/contacts/"+id, nil).status)
	status, _ = admin(t, srv, http.MethodPost, "/tokens/expire", "")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, http.StatusUnauthorized, callAPIAs(t, srv, access, http.MethodGet, "/contacts/"+id, nil).status)
	status, _ = admin(t, srv, http.MethodPost, "/locations/"+loc+"/active", `{"active":false}`)
	require.Equal(t, http.StatusOK, status)
	st, tok = postForm(t, srv, "/oauth/token", refreshForm(tok["refresh_token"].(string)), nil)
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Equal(t, "Location is not active", tok["message"])

	// Mistakes answer 4xx with a reason.
	status, body = admin(t, srv, http.MethodGet, "/locations/nowhere/contacts", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "no location nowhere", body["error"])
	status, _ = admin(t, srv, http.MethodPost, "/tokens", `{"locationId":`)
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = admin(t, srv, http.MethodGet, "/nothing", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, 6, srv.Stats().Requests.Total, "admin requests are not counted")
}

// New closes the server when the test ends.
func TestNewClosesOnCleanup(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		srv := New(t)
		url = srv.URL
		resp, err := http.Get(url + "/_ghltest/stats")
		require.NoError(t, err)
		resp.Body.Close()
	})
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := client.Get(url + "/_ghltest/stats")
	assert.Error(t, err, "the server is closed")
}

// Contacts lists a location's contacts as typed values, in creation order.
func TestContactsListing(t *testing.T) {
	srv := New(t)
	a := createContactAPI(t, srv, map[string]any{"firstName": "Ada", "phone": "+14155550100", "tags": []string{"VIP"}})
	b := createContactAPI(t, srv, map[string]any{"firstName": "Bo"})
	list := srv.Contacts(srv.LocationID())
	require.Len(t, list, 2)
	assert.Equal(t, []string{a, b}, []string{list[0].ID, list[1].ID})
	assert.Equal(t, "+14155550100", list[0].Phone)
	assert.Equal(t, []string{"vip"}, list[0].Tags)
	assert.Equal(t, "ada", list[0].Other["firstNameLowerCase"])
	assert.False(t, list[0].DateAdded.IsZero())
	raw, err := json.Marshal(list[0])
	require.NoError(t, err)
	res := callAPI(t, srv, http.MethodGet, "/contacts/"+a, nil)
	got, _ := json.Marshal(res.body["contact"])
	assert.JSONEq(t, string(got), string(raw), "a Contact encodes as the API returns it")
	assert.Empty(t, srv.Contacts("nowhere"))
}
