package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A contact as the search endpoint returns it (spec example of the former search schema),
// with its mixed-type cursor.
const searchContactJSON = `{"id":"102goXVW3lIExEQPOnd3","locationId":"ve9EPM428h8vShlRW1KT","firstNameLowerCase":"alex",
	"email":"alex@example.com","phone":"+18832327657","phoneLabel":"Mobile","tags":["vip"],"dnd":true,
	"dateAdded":"2021-07-02T05:18:26.704Z","validEmail":true,"searchAfter":[1234,"102goXVW3lIExEQPOnd3"]}`

func TestContactsSearch(t *testing.T) {
	client, mux := setup(t)
	calls := expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/search",
		body: `{"locationId":"loc-test-1","page":1,"pageLimit":20,
			"filters":[{"field":"dnd","operator":"eq","value":true},
				{"group":"OR","filters":[{"field":"firstNameLowerCase","operator":"eq","value":"alex"},{"field":"lastNameLowerCase","operator":"eq","value":"peter"}]},
				{"field":"email","operator":"exists"},
				{"field":"dateAdded","operator":"range","value":{"gte":"2021-01-01","lt":"2022-01-01"}},
				{"field":"score","operator":"not_eq","value":0}],
			"sort":[{"field":"firstNameLowerCase","direction":"desc"}],"query":"tom","brandNew":1}`,
		resp: `{"contacts":[` + searchContactJSON + `],"total":1,"traceId":"t-1"}`,
	})
	res, resp, err := client.Contacts.Search(context.Background(), &SearchRequest{
		Page:      1,
		PageLimit: 20,
		Filters: []SearchFilter{
			Where("dnd", OpEq, true),
			AnyOf(Where("firstNameLowerCase", OpEq, "alex"), Where("lastNameLowerCase", OpEq, "peter")),
			Exists("email"),
			InRange("dateAdded", Range{Gte: "2021-01-01", Lt: "2022-01-01"}),
			Where("score", OpNotEq, 0),
		},
		Sort:  []SearchSort{{Field: "firstNameLowerCase", Direction: SortDesc}},
		Query: "tom",
		Extra: Extra{"brandNew": json.RawMessage(`1`)},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, res.Total)
	require.Len(t, res.Contacts, 1)
	c := res.Contacts[0]
	assert.Equal(t, "102goXVW3lIExEQPOnd3", c.ID)
	assert.Equal(t, "+18832327657", c.Phone)
	assert.Equal(t, `[1234,"102goXVW3lIExEQPOnd3"]`, string(c.SearchAfter))
	assert.Equal(t, `[1234,"102goXVW3lIExEQPOnd3"]`, string(res.nextSearchAfter()))
	assert.JSONEq(t, `"Mobile"`, string(c.Extra["phoneLabel"]))
	assert.JSONEq(t, `"t-1"`, string(res.Extra["traceId"]))
}

func TestContactsSearchDefaults(t *testing.T) {
	client, mux := setup(t)
	// An empty request searches the client's location with the default page size, and a
	// cursor goes out byte for byte.
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/search",
		body: `{"locationId":"loc-test-1","pageLimit":20,"searchAfter":[1234,"102goXVW3lIExEQPOnd3"]}`,
		resp: `{"contacts":[],"total":0}`,
	})
	res, _, err := client.Contacts.Search(context.Background(), &SearchRequest{SearchAfter: json.RawMessage(`[1234,"102goXVW3lIExEQPOnd3"]`)})
	require.NoError(t, err)
	assert.Empty(t, res.Contacts)
	assert.Nil(t, res.nextSearchAfter())

	// A location given explicitly wins over the client's.
	client2, mux2 := setup(t)
	expect(t, mux2, wire{method: http.MethodPost, path: "/contacts/search", body: `{"locationId":"other-loc","pageLimit":500}`, resp: `{"contacts":[],"total":0}`})
	_, _, err = client2.Contacts.Search(context.Background(), &SearchRequest{LocationID: "other-loc", PageLimit: 500})
	require.NoError(t, err)
}

func TestContactsSearchRejectsBadRequests(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	cases := []struct {
		req   *SearchRequest
		param string
	}{
		{&SearchRequest{PageLimit: 501}, "req.PageLimit"},
		{&SearchRequest{PageLimit: -1}, "req.PageLimit"},
		{&SearchRequest{Page: -1}, "req.Page"},
		{&SearchRequest{Page: 2, SearchAfter: json.RawMessage(`[1,"a"]`)}, "req.Page"},
		{&SearchRequest{Page: 21, PageLimit: 500}, "req.Page"},
		{&SearchRequest{SearchAfter: json.RawMessage(`{"a":1}`)}, "req.SearchAfter"},
		{&SearchRequest{SearchAfter: json.RawMessage(`[1,`)}, "req.SearchAfter"},
		{&SearchRequest{Query: strings.Repeat("q", 76)}, "req.Query"},
		{&SearchRequest{Filters: []SearchFilter{{Operator: OpEq, Value: 1}}}, "req.Filters[0].Field"},
		{&SearchRequest{Filters: []SearchFilter{{Field: "a"}}}, "req.Filters[0].Operator"},
		{&SearchRequest{Filters: []SearchFilter{{Field: "a", Operator: "like", Value: 1}}}, "req.Filters[0].Operator"},
		{&SearchRequest{Filters: []SearchFilter{{Field: "a", Operator: OpExists, Value: 1}}}, "req.Filters[0].Value"},
		{&SearchRequest{Filters: []SearchFilter{{Field: "a", Operator: OpEq}}}, "req.Filters[0].Value"},
		{&SearchRequest{Filters: []SearchFilter{Exists("a"), AllOf()}}, "req.Filters[1].Filters"},
		{&SearchRequest{Filters: []SearchFilter{{Group: "XOR", Filters: []SearchFilter{Exists("a")}}}}, "req.Filters[0].Group"},
		{&SearchRequest{Filters: []SearchFilter{{Group: GroupAnd, Field: "a", Filters: []SearchFilter{Exists("a")}}}}, "req.Filters[0]"},
		{&SearchRequest{Filters: []SearchFilter{AnyOf(Exists("a"), AllOf(Where("b", OpContains, nil)))}}, "req.Filters[0].Filters[1].Filters[0].Value"},
		{&SearchRequest{Filters: []SearchFilter{InRange("dateAdded", Range{})}}, "req.Filters[0].Value"},
		{&SearchRequest{Sort: []SearchSort{{Field: "a", Direction: "up"}}}, "req.Sort[0].Direction"},
		{&SearchRequest{Sort: []SearchSort{{Direction: SortAsc}}}, "req.Sort[0].Field"},
		{&SearchRequest{LocationID: " "}, "req.LocationID"},
	}
	for _, tc := range cases {
		_, _, err := client.Contacts.Search(context.Background(), tc.req)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, "%+v", tc.req)
		assert.Equal(t, tc.param, pe.Param, "%+v", tc.req)
	}
}

func TestContactsFindDuplicate(t *testing.T) {
	client, mux := setup(t)
	// "+" in a phone number or an e-mail address must reach the server as %2B.
	calls := expect(t, mux, wire{
		method: http.MethodGet, path: "/contacts/search/duplicate",
		query: "email=test%2Babc%40gmail.com&locationId=loc-test-1&number=%2B1423164516",
		resp:  `{"contact":` + searchContactJSON + `}`,
	})
	c, _, err := client.Contacts.FindDuplicate(context.Background(), &DuplicateOptions{Number: "+1423164516", Email: "test+abc@gmail.com"})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "102goXVW3lIExEQPOnd3", c.ID)
}

func TestContactsFindDuplicateNone(t *testing.T) {
	for _, body := range []string{`{"contact":null}`, `{}`, ``, `null`} {
		client, mux := setup(t)
		expect(t, mux, wire{method: http.MethodGet, path: "/contacts/search/duplicate", query: "email=a%40b.co&locationId=loc-x", resp: body})
		c, resp, err := client.Contacts.FindDuplicate(context.Background(), &DuplicateOptions{LocationID: "loc-x", Email: "a@b.co"})
		require.NoError(t, err, body)
		assert.Nil(t, c, body)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
}

func TestContactsFindDuplicateRejectsBadOptions(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	for opts, param := range map[*DuplicateOptions]string{nil: "opts", {}: "opts", {Email: " "}: "opts", {LocationID: "..", Email: "a@b.co"}: "opts.LocationID"} {
		_, _, err := client.Contacts.FindDuplicate(context.Background(), opts)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, param, pe.Param)
	}
}

const contactListJSON = `{"contacts":[{"id":"ocQHyuzHvysMo5N5VsXc","locationId":"C2QujeCh8ZnC7al2InWR","email":"JohnDeo@gmail.com",
	"timezone":"Asia/Calcutta","country":"DZ","source":"xyz","dateAdded":"2020-10-29T09:31:30.255Z",
	"customFields":[{"id":"MgobCB14YMVKuE4Ka8p1","value":"name"}],"tags":["nisi sint commodo amet"],
	"businessId":"641c094001436dbc2081e642","attributions":[{"url":"https://example.com"}],"followers":"fasfasd"}],
	"count":10%s}`

func TestContactsListByBusiness(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodGet, path: "/contacts/business/641c094001436dbc2081e642",
		query: "limit=10&locationId=loc-test-1&query=a+b%2Bc&skip=20",
		resp:  fmt.Sprintf(contactListJSON, ""),
	})
	list, _, err := client.Contacts.ListByBusiness(context.Background(), "641c094001436dbc2081e642", &ListByBusinessOptions{Limit: 10, Skip: 20, Query: "a b+c"})
	require.NoError(t, err)
	assert.Equal(t, 10, list.Count)
	assert.Nil(t, list.Meta)
	require.Len(t, list.Contacts, 1)
	assert.Equal(t, "ocQHyuzHvysMo5N5VsXc", list.Contacts[0].ID)
	assert.JSONEq(t, `"fasfasd"`, string(list.Contacts[0].Followers))
	assert.JSONEq(t, `[{"url":"https://example.com"}]`, string(list.Contacts[0].Extra["attributions"]))

	// nil options: the client's location only.
	client2, mux2 := setup(t)
	expect(t, mux2, wire{method: http.MethodGet, path: "/contacts/business/b1", query: "locationId=loc-test-1", resp: `{"contacts":[],"count":0}`})
	_, _, err = client2.Contacts.ListByBusiness(context.Background(), "b1", nil)
	require.NoError(t, err)

	for _, opts := range []*ListByBusinessOptions{{Limit: -1}, {Limit: 101}, {Skip: -1}} {
		_, _, err := client2.Contacts.ListByBusiness(context.Background(), "b1", opts)
		assert.ErrorIs(t, err, ErrInvalidParam)
	}
}

func TestContactsList(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodGet, path: "/contacts/",
		query: "limit=20&locationId=loc-test-1&query=john&startAfter=1603870249758&startAfterId=UIaE1WjAwWKdlyD7osQI",
		resp: fmt.Sprintf(contactListJSON, `,"meta":{"total":50,"nextPageUrl":"http://localhost:5058/contacts/?locationId=ve9EPM428h8vShlRW1KT&startAfter=1631087949919&startAfterId=yd0jdjOavGk2o6Nh5Ndb",
			"startAfterId":"yd0jdjOavGk2o6Nh5Ndb","startAfter":1631087949919,"currentPage":2,"nextPage":3,"prevPage":1,"extraMeta":true}`),
	})
	list, _, err := client.Contacts.List(context.Background(), &ListOptions{StartAfterID: "UIaE1WjAwWKdlyD7osQI", StartAfter: 1603870249758, Query: "john", Limit: 20})
	require.NoError(t, err)
	require.NotNil(t, list.Meta)
	assert.Equal(t, ListMeta{
		Total: 50, NextPageURL: "http://localhost:5058/contacts/?locationId=ve9EPM428h8vShlRW1KT&startAfter=1631087949919&startAfterId=yd0jdjOavGk2o6Nh5Ndb",
		StartAfterID: "yd0jdjOavGk2o6Nh5Ndb", StartAfter: 1631087949919, CurrentPage: 2, NextPage: Ptr(3), PrevPage: Ptr(1),
		Extra: Extra{"extraMeta": json.RawMessage(`true`)},
	}, *list.Meta)
	assert.Len(t, list.Contacts, 1)

	for _, opts := range []*ListOptions{{Limit: 101}, {Limit: -5}, {StartAfter: -1}, {LocationID: "."}} {
		_, _, err := client.Contacts.List(context.Background(), opts)
		assert.ErrorIs(t, err, ErrInvalidParam)
	}
}

func TestContactsFollowers(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/c1/followers",
		body:   `{"followers":["sx6wyHhbFdRXh302Lunr","sx6wyHhbFdRXh302LLss"]}`,
		status: http.StatusCreated,
		resp:   `{"followers":["sx6wyHhbFdRXh302Lunr","sx6wyHhbFdRXh302LLss"],"followersAdded":["Mx6wyHhbFdRXh302Luer","Ka6wyHhbFdRXh302LLsAm"]}`,
	})
	res, resp, err := client.Contacts.AddFollowers(context.Background(), "c1", []string{"sx6wyHhbFdRXh302Lunr", "sx6wyHhbFdRXh302LLss"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, &FollowersResult{
		Followers:      []string{"sx6wyHhbFdRXh302Lunr", "sx6wyHhbFdRXh302LLss"},
		FollowersAdded: []string{"Mx6wyHhbFdRXh302Luer", "Ka6wyHhbFdRXh302LLsAm"},
	}, res)

	client2, mux2 := setup(t)
	// DELETE with a JSON body.
	expect(t, mux2, wire{
		method: http.MethodDelete, path: "/contacts/c1/followers",
		body: `{"followers":["sx6wyHhbFdRXh302Lunr"]}`,
		resp: `{"followers":["sx6wyHhbFdRXh302LLss"],"followersRemoved":["sx6wyHhbFdRXh302Lunr"]}`,
	})
	res, _, err = client2.Contacts.RemoveFollowers(context.Background(), "c1", []string{"sx6wyHhbFdRXh302Lunr"})
	require.NoError(t, err)
	assert.Equal(t, &FollowersResult{Followers: []string{"sx6wyHhbFdRXh302LLss"}, FollowersRemoved: []string{"sx6wyHhbFdRXh302Lunr"}}, res)

	for _, ids := range [][]string{nil, {}, {"a", ""}, {".."}} {
		_, _, err := client2.Contacts.AddFollowers(context.Background(), "c1", ids)
		assert.ErrorIs(t, err, ErrInvalidParam)
		_, _, err = client2.Contacts.RemoveFollowers(context.Background(), "c1", ids)
		assert.ErrorIs(t, err, ErrInvalidParam)
	}
}

func TestContactsCampaigns(t *testing.T) {
	ctx := context.Background()
	client, mux := setup(t)
	// The add body is required and empty.
	expect(t, mux, wire{method: http.MethodPost, path: "/contacts/c1/campaigns/camp1", body: `{}`, status: http.StatusCreated, resp: `{"succeded":true}`})
	resp, err := client.Contacts.AddToCampaign(ctx, "c1", "camp1")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)

	client, mux = setup(t)
	expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/campaigns/camp1", resp: `{"succeded":true}`})
	_, err = client.Contacts.RemoveFromCampaign(ctx, "c1", "camp1")
	require.NoError(t, err)

	client, mux = setup(t)
	expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/campaigns/removeAll", resp: `{"succeeded":true}`})
	_, err = client.Contacts.RemoveFromAllCampaigns(ctx, "c1")
	require.NoError(t, err)
}

func TestActionReportedAsFailedIsAnError(t *testing.T) {
	for _, body := range []string{`{"succeded":false}`, `{"succeeded":false}`} {
		client, mux := setup(t)
		expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/campaigns/removeAll", resp: body})
		resp, err := client.Contacts.RemoveFromAllCampaigns(context.Background(), "c1")
		var ne *NotSucceededError
		require.ErrorAs(t, err, &ne, body)
		assert.True(t, errors.Is(err, ErrNotSucceeded))
		assert.Equal(t, NotSucceededError{Method: http.MethodDelete, Route: "/contacts/{contactId}/campaigns/removeAll", StatusCode: 200}, *ne)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
}

func TestContactsWorkflows(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2021, 6, 23, 3, 30, 0, 0, time.FixedZone("", 3600))

	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodPost, path: "/contacts/c1/workflow/wf1", body: `{"eventStartTime":"2021-06-23T03:30:00+01:00"}`, resp: `{"succeded":true}`})
	_, err := client.Contacts.AddToWorkflow(ctx, "c1", "wf1", &WorkflowOptions{EventStartTime: start})
	require.NoError(t, err)

	// Without options the required body is still sent, empty.
	client, mux = setup(t)
	expect(t, mux, wire{method: http.MethodPost, path: "/contacts/c1/workflow/wf1", body: `{}`, resp: `{"succeded":true}`})
	_, err = client.Contacts.AddToWorkflow(ctx, "c1", "wf1", nil)
	require.NoError(t, err)

	// DELETE with a JSON body.
	client, mux = setup(t)
	expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/workflow/wf1", body: `{"eventStartTime":"2021-06-23T03:30:00+01:00","x":1}`, resp: `{"succeded":true}`})
	_, err = client.Contacts.RemoveFromWorkflow(ctx, "c1", "wf1", &WorkflowOptions{EventStartTime: start, Extra: Extra{"x": json.RawMessage(`1`)}})
	require.NoError(t, err)

	client, mux = setup(t)
	expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/workflow/wf1", body: `{}`, resp: `{"succeded":true}`})
	_, err = client.Contacts.RemoveFromWorkflow(ctx, "c1", "wf1", nil)
	require.NoError(t, err)
}

func TestContactsUpdateBusiness(t *testing.T) {
	ctx := context.Background()
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/bulk/business",
		body: `{"locationId":"loc-test-1","ids":["IDqvFHGColiyK6jiatuz","pOC0uJ97VYOKH2m3fkMD"],"businessId":"63b7ec34ea409a9a8bd2a4ff"}`,
		resp: `{"success":true,"ids":["pOC0uJ97VYOKH2m3fkMD"],"note":"x"}`,
	})
	res, _, err := client.Contacts.UpdateBusiness(ctx, &BulkBusinessRequest{
		ContactIDs: []string{"IDqvFHGColiyK6jiatuz", "pOC0uJ97VYOKH2m3fkMD"}, BusinessID: "63b7ec34ea409a9a8bd2a4ff",
	})
	require.NoError(t, err)
	assert.Equal(t, &BulkBusinessResult{Success: true, IDs: []string{"pOC0uJ97VYOKH2m3fkMD"}, Extra: Extra{"note": json.RawMessage(`"x"`)}}, res)

	// Removing sends businessId null.
	client, mux = setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/bulk/business",
		body: `{"locationId":"L2","ids":["a"],"businessId":null}`,
		resp: `{"success":true,"ids":["a"]}`,
	})
	_, _, err = client.Contacts.UpdateBusiness(ctx, &BulkBusinessRequest{LocationID: "L2", ContactIDs: []string{"a"}, RemoveFromBusiness: true})
	require.NoError(t, err)

	bad := map[string]*BulkBusinessRequest{
		"req":                nil,
		"req.ContactIDs":     {BusinessID: "b"},
		"req.ContactIDs[1]":  {ContactIDs: []string{"a", strings.Repeat("x", 51)}, BusinessID: "b"},
		"req.BusinessID":     {ContactIDs: []string{"a"}},
		"req.ContactIDs[0]":  {ContactIDs: []string{""}, BusinessID: "b"},
		"req.LocationID":     {LocationID: " ", ContactIDs: []string{"a"}, BusinessID: "b"},
		"req.BusinessID ":    {ContactIDs: []string{"a"}, BusinessID: "b", RemoveFromBusiness: true},
		"req.ContactIDs ":    {ContactIDs: []string{}, RemoveFromBusiness: true},
		"req.ContactIDs[0] ": {ContactIDs: []string{".."}, RemoveFromBusiness: true},
	}
	for param, req := range bad {
		_, _, err := client.Contacts.UpdateBusiness(ctx, req)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, param)
		assert.Equal(t, strings.TrimSpace(param), pe.Param)
	}
}

// idCall is one SDK method called with the given IDs in every ID position.
type idCall struct {
	name  string
	param string // the first ID parameter's name
	call  func(c *Client, id string) error
}

// idCalls lists every method that takes an ID, each with valid other arguments.
func idCalls() []idCall {
	ctx := context.Background()
	task := &TaskCreateRequest{Title: "t", DueDate: Time{Time: time.Date(2020, 10, 25, 11, 0, 0, 0, time.UTC)}}
	return []idCall{
		{"Contacts.Get", "contactID", func(c *Client, id string) error { _, _, err := c.Contacts.Get(ctx, id); return err }},
		{"Contacts.Update", "contactID", func(c *Client, id string) error {
			_, _, err := c.Contacts.Update(ctx, id, &ContactUpdateRequest{City: Ptr("x")})
			return err
		}},
		{"Contacts.Delete", "contactID", func(c *Client, id string) error { _, err := c.Contacts.Delete(ctx, id); return err }},
		{"Contacts.ListByBusiness", "businessID", func(c *Client, id string) error {
			_, _, err := c.Contacts.ListByBusiness(ctx, id, nil)
			return err
		}},
		{"Contacts.ListByBusinessAll", "businessID", func(c *Client, id string) error {
			for _, err := range c.Contacts.listByBusinessAll(ctx, id, nil) {
				return err
			}
			return nil
		}},
		{"Contacts.AddFollowers", "contactID", func(c *Client, id string) error {
			_, _, err := c.Contacts.AddFollowers(ctx, id, []string{"u1"})
			return err
		}},
		{"Contacts.RemoveFollowers", "contactID", func(c *Client, id string) error {
			_, _, err := c.Contacts.RemoveFollowers(ctx, id, []string{"u1"})
			return err
		}},
		{"Contacts.AddToCampaign", "contactID", func(c *Client, id string) error { _, err := c.Contacts.AddToCampaign(ctx, id, id); return err }},
		{"Contacts.RemoveFromCampaign", "contactID", func(c *Client, id string) error {
			_, err := c.Contacts.RemoveFromCampaign(ctx, id, id)
			return err
		}},
		{"Contacts.RemoveFromAllCampaigns", "contactID", func(c *Client, id string) error {
			_, err := c.Contacts.RemoveFromAllCampaigns(ctx, id)
			return err
		}},
		{"Contacts.AddToWorkflow", "contactID", func(c *Client, id string) error { _, err := c.Contacts.AddToWorkflow(ctx, id, id, nil); return err }},
		{"Contacts.RemoveFromWorkflow", "contactID", func(c *Client, id string) error {
			_, err := c.Contacts.RemoveFromWorkflow(ctx, id, id, nil)
			return err
		}},
		{"Tasks.List", "contactID", func(c *Client, id string) error { _, _, err := c.Tasks.List(ctx, id); return err }},
		{"Tasks.Get", "contactID", func(c *Client, id string) error { _, _, err := c.Tasks.Get(ctx, id, id); return err }},
		{"Tasks.Create", "contactID", func(c *Client, id string) error { _, _, err := c.Tasks.Create(ctx, id, task); return err }},
		{"Tasks.Update", "contactID", func(c *Client, id string) error {
			_, _, err := c.Tasks.Update(ctx, id, id, &TaskUpdateRequest{Title: Ptr("x")})
			return err
		}},
		{"Tasks.SetCompleted", "contactID", func(c *Client, id string) error { _, _, err := c.Tasks.SetCompleted(ctx, id, id, true); return err }},
		{"Tasks.Delete", "contactID", func(c *Client, id string) error { _, err := c.Tasks.Delete(ctx, id, id); return err }},
		{"Notes.List", "contactID", func(c *Client, id string) error { _, _, err := c.Notes.List(ctx, id); return err }},
		{"Notes.Get", "contactID", func(c *Client, id string) error { _, _, err := c.Notes.Get(ctx, id, id); return err }},
		{"Notes.Create", "contactID", func(c *Client, id string) error {
			_, _, err := c.Notes.Create(ctx, id, &NoteCreateRequest{Body: "b"})
			return err
		}},
		{"Notes.Update", "contactID", func(c *Client, id string) error {
			_, _, err := c.Notes.Update(ctx, id, id, &NoteUpdateRequest{Body: Ptr("b")})
			return err
		}},
		{"Notes.Delete", "contactID", func(c *Client, id string) error { _, err := c.Notes.Delete(ctx, id, id); return err }},
		{"Appointments.List", "contactID", func(c *Client, id string) error { _, _, err := c.Appointments.List(ctx, id); return err }},
		{"Tags.Add", "contactID", func(c *Client, id string) error { _, _, err := c.Tags.Add(ctx, id, []string{"t"}); return err }},
		{"Tags.Remove", "contactID", func(c *Client, id string) error { _, _, err := c.Tags.Remove(ctx, id, []string{"t"}); return err }},
	}
}

// secondIDCalls lists the methods with a second ID, called with a valid first ID.
func secondIDCalls() []idCall {
	ctx := context.Background()
	return []idCall{
		{"Contacts.AddToCampaign", "campaignID", func(c *Client, id string) error { _, err := c.Contacts.AddToCampaign(ctx, "c1", id); return err }},
		{"Contacts.RemoveFromCampaign", "campaignID", func(c *Client, id string) error {
			_, err := c.Contacts.RemoveFromCampaign(ctx, "c1", id)
			return err
		}},
		{"Contacts.AddToWorkflow", "workflowID", func(c *Client, id string) error { _, err := c.Contacts.AddToWorkflow(ctx, "c1", id, nil); return err }},
		{"Contacts.RemoveFromWorkflow", "workflowID", func(c *Client, id string) error {
			_, err := c.Contacts.RemoveFromWorkflow(ctx, "c1", id, nil)
			return err
		}},
		{"Tasks.Get", "taskID", func(c *Client, id string) error { _, _, err := c.Tasks.Get(ctx, "c1", id); return err }},
		{"Tasks.Update", "taskID", func(c *Client, id string) error {
			_, _, err := c.Tasks.Update(ctx, "c1", id, &TaskUpdateRequest{Title: Ptr("x")})
			return err
		}},
		{"Tasks.SetCompleted", "taskID", func(c *Client, id string) error { _, _, err := c.Tasks.SetCompleted(ctx, "c1", id, false); return err }},
		{"Tasks.Delete", "taskID", func(c *Client, id string) error { _, err := c.Tasks.Delete(ctx, "c1", id); return err }},
		{"Notes.Get", "noteID", func(c *Client, id string) error { _, _, err := c.Notes.Get(ctx, "c1", id); return err }},
		{"Notes.Update", "noteID", func(c *Client, id string) error {
			_, _, err := c.Notes.Update(ctx, "c1", id, &NoteUpdateRequest{Title: Ptr("x")})
			return err
		}},
		{"Notes.Delete", "noteID", func(c *Client, id string) error { _, err := c.Notes.Delete(ctx, "c1", id); return err }},
	}
}

func TestEveryMethodRejectsEmptyIDs(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	for _, tc := range append(idCalls(), secondIDCalls()...) {
		for _, id := range []string{"", "  ", ".", ".."} {
			err := tc.call(client, id)
			var pe *InvalidParamError
			require.ErrorAs(t, err, &pe, "%s(%q)", tc.name, id)
			assert.Equal(t, tc.param, pe.Param, "%s(%q)", tc.name, id)
			assert.True(t, errors.Is(err, ErrInvalidParam))
		}
	}
}

func TestEveryMethodEscapesIDs(t *testing.T) {
	escaped := map[string]string{"a/b": "a%2Fb", "../x": "..%2Fx", "x?y": "x%3Fy", "x#y": "x%23y", "%2F": "%252F"}
	// Each method's path with the ID in every ID position, and with the ID only in the second.
	paths := map[string]string{
		"Contacts.Get": "/contacts/{}", "Contacts.Update": "/contacts/{}", "Contacts.Delete": "/contacts/{}",
		"Contacts.ListByBusiness": "/contacts/business/{}", "Contacts.ListByBusinessAll": "/contacts/business/{}",
		"Contacts.AddFollowers": "/contacts/{}/followers", "Contacts.RemoveFollowers": "/contacts/{}/followers",
		"Contacts.AddToCampaign": "/contacts/{}/campaigns/{}", "Contacts.RemoveFromCampaign": "/contacts/{}/campaigns/{}",
		"Contacts.RemoveFromAllCampaigns": "/contacts/{}/campaigns/removeAll",
		"Contacts.AddToWorkflow":          "/contacts/{}/workflow/{}", "Contacts.RemoveFromWorkflow": "/contacts/{}/workflow/{}",
		"Tasks.List": "/contacts/{}/tasks", "Tasks.Create": "/contacts/{}/tasks", "Tasks.Get": "/contacts/{}/tasks/{}",
		"Tasks.Update": "/contacts/{}/tasks/{}", "Tasks.Delete": "/contacts/{}/tasks/{}", "Tasks.SetCompleted": "/contacts/{}/tasks/{}/completed",
		"Notes.List": "/contacts/{}/notes", "Notes.Create": "/contacts/{}/notes", "Notes.Get": "/contacts/{}/notes/{}",
		"Notes.Update": "/contacts/{}/notes/{}", "Notes.Delete": "/contacts/{}/notes/{}",
		"Appointments.List": "/contacts/{}/appointments", "Tags.Add": "/contacts/{}/tags", "Tags.Remove": "/contacts/{}/tags",
	}
	for id, esc := range escaped {
		client, mux := setup(t)
		var got []string
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			got = append(got, r.URL.EscapedPath())
			for k := range r.URL.Query() {
				assert.Contains(t, []string{"locationId", "limit"}, k, "the ID must not leak into the query")
			}
			// One body that every method accepts.
			fmt.Fprint(w, `{"succeded":true,"contact":{"id":"x"},"task":{"id":"x"},"note":{"id":"x"},"contacts":[],"count":0}`)
		})
		for _, tc := range idCalls() {
			got = nil
			require.NoError(t, tc.call(client, id), tc.name)
			want := strings.ReplaceAll(paths[tc.name], "{}", esc)
			require.NotEmpty(t, paths[tc.name], tc.name)
			assert.Equal(t, []string{want}, got, "%s(%q)", tc.name, id)
		}
		for _, tc := range secondIDCalls() {
			got = nil
			require.NoError(t, tc.call(client, id), tc.name)
			want := strings.Replace(strings.Replace(paths[tc.name], "{}", "c1", 1), "{}", esc, 1)
			assert.Equal(t, []string{want}, got, "%s(%q)", tc.name, id)
		}
	}
}

// Every POST that resending cannot harm is retried after a 5xx; creates are not.
func TestPostRetrySafety(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		path      string
		call      func(c *Client) error
		idempoent bool
	}{
		{"Search", "/contacts/search", func(c *Client) error { _, _, err := c.Contacts.Search(ctx, &SearchRequest{}); return err }, true},
		{"AddFollowers", "/contacts/c1/followers", func(c *Client) error {
			_, _, err := c.Contacts.AddFollowers(ctx, "c1", []string{"u"})
			return err
		}, true},
		{"UpdateBusiness", "/contacts/bulk/business", func(c *Client) error {
			_, _, err := c.Contacts.UpdateBusiness(ctx, &BulkBusinessRequest{ContactIDs: []string{"a"}, BusinessID: "b"})
			return err
		}, true},
		{"Tags.Add", "/contacts/c1/tags", func(c *Client) error { _, _, err := c.Tags.Add(ctx, "c1", []string{"t"}); return err }, true},
		{"Tags.BulkUpdate", "/contacts/bulk/tags/update/add", func(c *Client) error {
			_, _, err := c.Tags.BulkUpdate(ctx, &BulkTagsRequest{Operation: TagsAdd, ContactIDs: []string{"a"}, Tags: []string{"t"}})
			return err
		}, true},
		{"Tasks.Create", "/contacts/c1/tasks", func(c *Client) error {
			_, _, err := c.Tasks.Create(ctx, "c1", &TaskCreateRequest{Title: "t", DueDate: Time{Time: time.Now()}})
			return err
		}, false},
		{"Notes.Create", "/contacts/c1/notes", func(c *Client) error {
			_, _, err := c.Notes.Create(ctx, "c1", &NoteCreateRequest{Body: "b"})
			return err
		}, false},
		{"AddToCampaign", "/contacts/c1/campaigns/x", func(c *Client) error { _, err := c.Contacts.AddToCampaign(ctx, "c1", "x"); return err }, false},
		{"AddToWorkflow", "/contacts/c1/workflow/x", func(c *Client) error { _, err := c.Contacts.AddToWorkflow(ctx, "c1", "x", nil); return err }, false},
	}
	for _, tc := range cases {
		client, mux := setup(t, WithMaxRetries(1), WithRetryPolicy(RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond}))
		var calls atomic.Int32
		mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			http.Error(w, `{"message":"boom"}`, http.StatusBadGateway)
		})
		err := tc.call(client)
		require.ErrorIs(t, err, ErrServer, tc.name)
		want := int32(1)
		if tc.idempoent {
			want = 2
		}
		assert.Equal(t, want, calls.Load(), tc.name)
	}
}

func TestSearchAcceptsNilRequest(t *testing.T) {
	client, mux := setup(t)
	var bodies []string
	mux.HandleFunc("/contacts/search", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		fmt.Fprint(w, `{"contacts":[],"total":0}`)
	})
	_, _, err := client.Contacts.Search(context.Background(), nil)
	require.NoError(t, err)
	for _, err := range client.Contacts.SearchAll(context.Background(), nil) {
		require.NoError(t, err)
	}
	require.Len(t, bodies, 2)
	assert.JSONEq(t, `{"locationId":"loc-test-1","pageLimit":20}`, bodies[0])
	assert.JSONEq(t, `{"locationId":"loc-test-1","pageLimit":500}`, bodies[1])
}
