package ghltest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFollowers(t *testing.T) {
	srv := newAPIServer(t)
	id := createContactAPI(t, srv, map[string]any{"email": "f@example.com"})
	path := "/contacts/" + id + "/followers"

	res := callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": []string{"u1", "u2"}})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"followers":["u1","u2"],"followersAdded":["u1","u2"]}`, string(res.raw))

	res = callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": []string{"u2", "u3"}})
	require.Equal(t, http.StatusCreated, res.status)
	assert.JSONEq(t, `{"followers":["u1","u2","u3"],"followersAdded":["u3"]}`, string(res.raw))

	// DELETE carries its list in a JSON body.
	res = callAPI(t, srv, http.MethodDelete, path, map[string]any{"followers": []string{"u1", "nobody"}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"followers":["u2","u3"],"followersRemoved":["u1"]}`, string(res.raw))

	c, ok := srv.Contact(srv.LocationID(), id)
	require.True(t, ok)
	assert.Equal(t, []string{"u2", "u3"}, c.Followers)
	got := callAPI(t, srv, http.MethodGet, "/contacts/"+id, nil)
	assert.Equal(t, []any{"u2", "u3"}, got.body["contact"].(map[string]any)["followers"])

	requireUnprocessable(t, callAPI(t, srv, http.MethodDelete, path, nil), "request body should not be empty")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{}), "followers should not be empty")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": []string{}}), "followers should not be empty")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": "u1"}), "followers must be an array")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": []any{1}}), "each value in followers must be a string")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{"followers": []string{"u9"}, "locationId": srv.LocationID()}),
		"property locationId should not exist")
	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/followers", map[string]any{"followers": []string{"u1"}}))
	requireContactNotFound(t, callAPI(t, srv, http.MethodDelete, "/contacts/"+missingID+"/followers", map[string]any{"followers": []string{"u1"}}))
	c, _ = srv.Contact(srv.LocationID(), id)
	assert.Equal(t, []string{"u2", "u3"}, c.Followers, "failed requests changed nothing")
}

func TestCampaigns(t *testing.T) {
	srv := newAPIServer(t)
	id := createContactAPI(t, srv, map[string]any{"email": "c@example.com"})
	loc := srv.LocationID()
	base := "/contacts/" + id + "/campaigns/"

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		want               string // campaign lines of the digest afterwards
	}{
		{"add with {}", http.MethodPost, base + "camp1", map[string]any{}, 201, "  campaign camp1\n"},
		{"add without body", http.MethodPost, base + "camp2", nil, 201, "  campaign camp1\n  campaign camp2\n"},
		{"add again", http.MethodPost, base + "camp2", map[string]any{}, 201, "  campaign camp1\n  campaign camp2\n"},
		{"add third", http.MethodPost, base + "camp3", map[string]any{}, 201, "  campaign camp1\n  campaign camp2\n  campaign camp3\n"},
		{"remove one", http.MethodDelete, base + "camp1", nil, 200, "  campaign camp2\n  campaign camp3\n"},
		{"remove one not enrolled", http.MethodDelete, base + "camp1", nil, 200, "  campaign camp2\n  campaign camp3\n"},
		// removeAll is its own route, not a campaign ID.
		{"remove all", http.MethodDelete, base + "removeAll", nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := callAPI(t, srv, tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, res.status, "%s", res.raw)
			assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
			assert.Equal(t, tc.want, campaignLines(srv.StateDigest(loc)))
		})
	}

	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, base+"camp1", map[string]any{"x": 1}), "property x should not exist")
	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/campaigns/camp1", map[string]any{}))
	requireContactNotFound(t, callAPI(t, srv, http.MethodDelete, "/contacts/"+missingID+"/campaigns/camp1", nil))
	requireContactNotFound(t, callAPI(t, srv, http.MethodDelete, "/contacts/"+missingID+"/campaigns/removeAll", nil))
	assert.Equal(t, 1, srv.Requests(http.MethodDelete, "/contacts/"+missingID+"/campaigns/removeAll"))
}

func campaignLines(digest string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(digest, "\n") {
		if strings.HasPrefix(line, "  campaign ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestWorkflows(t *testing.T) {
	srv := newAPIServer(t)
	id := createContactAPI(t, srv, map[string]any{"email": "w@example.com"})
	path := "/contacts/" + id + "/workflow/wf1"
	workflowLines := func() []string {
		var out []string
		for _, line := range strings.Split(srv.StateDigest(srv.LocationID()), "\n") {
			if strings.HasPrefix(line, "  workflow ") {
				out = append(out, line)
			}
		}
		return out
	}

	res := callAPI(t, srv, http.MethodPost, path, map[string]any{"eventStartTime": "2021-06-23T03:30:00+01:00"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/workflow/wf2", map[string]any{})
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, []string{"  workflow wf1 eventStartTime=2021-06-23T03:30:00+01:00", "  workflow wf2 eventStartTime="}, workflowLines())

	// The body is required on both methods.
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, nil), "request body should not be empty")
	requireUnprocessable(t, callAPI(t, srv, http.MethodDelete, path, nil), "request body should not be empty")
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, path, map[string]any{"eventStartTime": "tomorrow"}),
		"eventStartTime must be a valid ISO 8601 date string")
	res = callAPI(t, srv, http.MethodPost, path, "{not json")
	assert.Equal(t, http.StatusBadRequest, res.status)

	res = callAPI(t, srv, http.MethodDelete, path, map[string]any{})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	assert.Equal(t, []string{"  workflow wf2 eventStartTime="}, workflowLines())

	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/workflow/wf1", map[string]any{}))
	requireContactNotFound(t, callAPI(t, srv, http.MethodDelete, "/contacts/"+missingID+"/workflow/wf1", map[string]any{}))
}

func TestBulkBusiness(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	a := createContactAPI(t, srv, map[string]any{"email": "a@example.com"})
	b := createContactAPI(t, srv, map[string]any{"email": "b@example.com"})
	business := func(id string) string { c, _ := srv.Contact(loc, id); return c.BusinessID }

	res := callAPI(t, srv, http.MethodPost, "/contacts/bulk/business", map[string]any{"locationId": loc, "ids": []string{a, "unknown", b}, "businessId": "biz1"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"success":true,"ids":["`+a+`","`+b+`"]}`, string(res.raw))
	assert.Equal(t, "biz1", business(a))
	assert.Equal(t, "biz1", business(b))

	// null removes the business.
	res = callAPI(t, srv, http.MethodPost, "/contacts/bulk/business", map[string]any{"locationId": loc, "ids": []string{a}, "businessId": nil})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"success":true,"ids":["`+a+`"]}`, string(res.raw))
	assert.Empty(t, business(a))
	assert.Equal(t, "biz1", business(b))

	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"businessId missing", map[string]any{"locationId": loc, "ids": []string{a}}, "businessId must be a string"},
		{"businessId not a string", map[string]any{"locationId": loc, "ids": []string{a}, "businessId": 7}, "businessId must be a string"},
		{"ids missing", map[string]any{"locationId": loc, "businessId": "x"}, "ids should not be empty"},
		{"ids empty", map[string]any{"locationId": loc, "ids": []string{}, "businessId": "x"}, "ids should not be empty"},
		{"id too long", map[string]any{"locationId": loc, "ids": []string{strings.Repeat("x", 51)}, "businessId": "x"},
			"each value in ids must be shorter than or equal to 50 characters"},
		{"locationId missing", map[string]any{"ids": []string{a}, "businessId": "x"}, "locationId should not be empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/bulk/business", tc.body), tc.want)
		})
	}
	requireForbidden(t, callAPI(t, srv, http.MethodPost, "/contacts/bulk/business", map[string]any{"locationId": "other", "ids": []string{a}, "businessId": "x"}))
	assert.Empty(t, business(a), "rejected requests changed nothing")
}
