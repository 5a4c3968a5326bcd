package ghltest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// searchFixture is a server holding six known contacts, created one second apart.
type searchFixture struct {
	srv *Server
	ids []string // in creation (dateAdded) order
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	var tick atomic.Int64
	base := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	srv := NewServer(WithClock(func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }))
	t.Cleanup(srv.Close)
	f := &searchFixture{srv: srv}
	for _, c := range []map[string]any{
		{"firstName": "Alex", "lastName": "Peters", "email": "alex@example.com", "phone": "+14155550101", "tags": []string{"vip", "lead"}, "city": "Austin", "dnd": true},
		{"firstName": "alex", "lastName": "Smith", "email": "alex.smith@example.com", "phone": "+14155550102", "tags": []string{"lead"}, "city": "Boston"},
		{"firstName": "Tom", "lastName": "Peter", "email": "tom@example.com", "phone": "+14155550103", "tags": []string{"customer"}, "city": "Austin", "dnd": true},
		{"firstName": "Maya", "lastName": "Lopez", "email": "maya@example.com", "city": "Chicago"},
		{"firstName": "Zed", "phone": "+14155550105", "tags": []string{"vip"}},
		{"firstName": "Ann", "lastName": "Lee", "email": "ann@corp.io", "phone": "+447700900123", "tags": []string{"customer", "vip"}, "city": "Austin"},
	} {
		f.ids = append(f.ids, createContactAPI(t, srv, c))
	}
	return f
}

func (f *searchFixture) search(t *testing.T, body map[string]any) apiResult {
	t.Helper()
	if _, ok := body["locationId"]; !ok {
		body["locationId"] = f.srv.LocationID()
	}
	if _, ok := body["pageLimit"]; !ok {
		body["pageLimit"] = 100
	}
	return callAPI(t, f.srv, http.MethodPost, "/contacts/search", body)
}

// positions maps the contacts of a search answer to their fixture positions (1-based).
func (f *searchFixture) positions(t *testing.T, res apiResult) []int {
	t.Helper()
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	var out []int
	for _, c := range res.body["contacts"].([]any) {
		out = append(out, slices.Index(f.ids, c.(map[string]any)["id"].(string))+1)
	}
	return out
}

func (f *searchFixture) dateAddedMs(t *testing.T, pos int) int64 {
	c, ok := f.srv.Contact(f.srv.LocationID(), f.ids[pos-1])
	require.True(t, ok)
	return c.DateAdded.UnixMilli()
}

func TestSearchFilters(t *testing.T) {
	f := newSearchFixture(t)
	eq := func(field string, v any) map[string]any {
		return map[string]any{"field": field, "operator": "eq", "value": v}
	}
	c3 := f.srv.mustContact(t, f.ids[2]).DateAdded.Format("2006-01-02T15:04:05.000Z")
	for _, tc := range []struct {
		name    string
		filters []any
		query   string
		want    []int
	}{
		{"no filter", nil, "", []int{1, 2, 3, 4, 5, 6}},
		{"eq", []any{eq("city", "Austin")}, "", []int{1, 3, 6}},
		{"eq ignores case", []any{eq("city", "austin")}, "", []int{1, 3, 6}},
		{"not_eq includes missing", []any{map[string]any{"field": "city", "operator": "not_eq", "value": "Austin"}}, "", []int{2, 4, 5}},
		{"contains", []any{map[string]any{"field": "email", "operator": "contains", "value": "EXAMPLE"}}, "", []int{1, 2, 3, 4}},
		{"not_contains", []any{map[string]any{"field": "email", "operator": "not_contains", "value": "example"}}, "", []int{5, 6}},
		{"exists", []any{map[string]any{"field": "city", "operator": "exists"}}, "", []int{1, 2, 3, 4, 6}},
		{"not_exists", []any{map[string]any{"field": "email", "operator": "not_exists"}}, "", []int{5}},
		{"eq on a list field", []any{eq("tags", "vip")}, "", []int{1, 5, 6}},
		{"eq with a list of values", []any{eq("tags", []string{"vip", "customer"})}, "", []int{1, 3, 5, 6}},
		{"eq on a boolean", []any{eq("dnd", true)}, "", []int{1, 3}},
		{"range on dates, string and epoch ms bounds", []any{map[string]any{"field": "dateAdded", "operator": "range",
			"value": map[string]any{"gte": c3, "lt": f.dateAddedMs(t, 6)}}}, "", []int{3, 4, 5}},
		{"range gt and lte", []any{map[string]any{"field": "dateAdded", "operator": "range",
			"value": map[string]any{"gt": f.dateAddedMs(t, 1), "lte": f.dateAddedMs(t, 2)}}}, "", []int{2}},
		{"OR group", []any{map[string]any{"group": "OR", "filters": []any{eq("firstNameLowerCase", "alex"), eq("lastNameLowerCase", "lopez")}}}, "", []int{1, 2, 4}},
		{"top level ANDs a filter and a group", []any{eq("dnd", true),
			map[string]any{"group": "OR", "filters": []any{eq("firstNameLowerCase", "alex"), eq("lastNameLowerCase", "peter")}}}, "", []int{1, 3}},
		{"AND group inside OR group", []any{map[string]any{"group": "OR", "filters": []any{
			map[string]any{"group": "AND", "filters": []any{eq("city", "Austin"), eq("tags", "customer")}},
			eq("firstName", "Zed")}}}, "", []int{3, 5, 6}},
		{"query on name", nil, "PETER", []int{1, 3}},
		{"query on email", nil, "corp.io", []int{6}},
		{"query on phone", nil, "4155550102", []int{2}},
		{"query on phone with plus", nil, "+4477", []int{6}},
		{"query and filter", []any{eq("city", "Austin")}, "alex", []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"query": tc.query}
			if tc.filters != nil {
				body["filters"] = tc.filters
			}
			res := f.search(t, body)
			assert.Equal(t, tc.want, f.positions(t, res))
			assert.EqualValues(t, len(tc.want), res.body["total"])
		})
	}
}

func (s *Server) mustContact(t *testing.T, id string) *Contact {
	t.Helper()
	c, ok := s.Contact(s.LocationID(), id)
	require.True(t, ok)
	return c
}

func TestSearchNumericRange(t *testing.T) {
	f := newSearchFixture(t)
	// No contact input field is numeric; lastActivity, which GHL sets itself, is stored as
	// epoch milliseconds directly.
	f.srv.mu.Lock()
	l := f.srv.locations[f.srv.LocationID()]
	for i, id := range f.ids {
		l.contacts[id].f["lastActivity"] = float64(i * 10)
	}
	l.touch()
	f.srv.mu.Unlock()
	res := f.search(t, map[string]any{"filters": []any{map[string]any{"field": "lastActivity", "operator": "range", "value": map[string]any{"gt": 10, "lte": 40}}}})
	assert.Equal(t, []int{3, 4, 5}, f.positions(t, res))
	res = f.search(t, map[string]any{"sort": []any{map[string]any{"field": "lastActivity", "direction": "desc"}}, "pageLimit": 2})
	assert.Equal(t, []int{6, 5}, f.positions(t, res))
	assert.Equal(t, []any{float64(40), f.ids[4]}, res.body["contacts"].([]any)[1].(map[string]any)["searchAfter"])
}

func TestSearchSort(t *testing.T) {
	f := newSearchFixture(t)
	byID := func(a, b int) []int { // two tied contacts, ordered by ID
		if f.ids[a-1] < f.ids[b-1] {
			return []int{a, b}
		}
		return []int{b, a}
	}
	austin := func() []int { // 1, 3 and 6 share a city
		p := []int{1, 3, 6}
		slices.SortFunc(p, func(a, b int) int { return strings.Compare(f.ids[a-1], f.ids[b-1]) })
		return p
	}()
	for _, tc := range []struct {
		name string
		sort []any
		want []int
	}{
		{"default is dateAdded asc", nil, []int{1, 2, 3, 4, 5, 6}},
		{"dateAdded desc", []any{map[string]any{"field": "dateAdded", "direction": "desc"}}, []int{6, 5, 4, 3, 2, 1}},
		{"name desc, ties by id", []any{map[string]any{"field": "firstNameLowerCase", "direction": "desc"}},
			append([]int{5, 3, 4, 6}, byID(1, 2)...)},
		{"missing last asc", []any{map[string]any{"field": "city", "direction": "asc"}}, append(append([]int{}, austin...), 2, 4, 5)},
		{"missing last desc", []any{map[string]any{"field": "city", "direction": "desc"}}, append(append([]int{4, 2}, austin...), 5)},
		{"two keys", []any{map[string]any{"field": "city", "direction": "asc"}, map[string]any{"field": "dateAdded", "direction": "desc"}},
			[]int{6, 3, 1, 2, 4, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{}
			if tc.sort != nil {
				body["sort"] = tc.sort
			}
			assert.Equal(t, tc.want, f.positions(t, f.search(t, body)))
		})
	}
}

func TestSearchPaging(t *testing.T) {
	f := newSearchFixture(t)

	res := f.search(t, map[string]any{"page": 2, "pageLimit": 2})
	assert.Equal(t, []int{3, 4}, f.positions(t, res))
	assert.EqualValues(t, 6, res.body["total"])
	res = f.search(t, map[string]any{"page": 4, "pageLimit": 2})
	assert.Empty(t, f.positions(t, res))

	// Page mode reaches 10,000 records and no further.
	res = f.search(t, map[string]any{"page": 20, "pageLimit": 500})
	assert.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	requireUnprocessable(t, f.search(t, map[string]any{"page": 21, "pageLimit": 500}), "Total results exceeded 10000, use searchAfter")
	requireUnprocessable(t, f.search(t, map[string]any{"page": 10001, "pageLimit": 1}), "Total results exceeded 10000, use searchAfter")

	// searchAfter: the cursor of a dateAdded sort mixes an epoch-ms number and the ID.
	res = f.search(t, map[string]any{"pageLimit": 2})
	require.Equal(t, http.StatusOK, res.status)
	var raw struct {
		Contacts []struct {
			ID          string            `json:"id"`
			SearchAfter []json.RawMessage `json:"searchAfter"`
		} `json:"contacts"`
	}
	require.NoError(t, json.Unmarshal(res.raw, &raw))
	cursor := raw.Contacts[1].SearchAfter
	require.Len(t, cursor, 2)
	assert.Equal(t, strconv.FormatInt(f.dateAddedMs(t, 2), 10), string(cursor[0]), "sort value is a JSON number")
	assert.Equal(t, `"`+f.ids[1]+`"`, string(cursor[1]), "tie-breaker is the ID string")

	var seen []int
	after := any(nil)
	for range 10 {
		body := map[string]any{"pageLimit": 2}
		if after != nil {
			body["searchAfter"] = after
		}
		res := f.search(t, body)
		page := f.positions(t, res)
		assert.EqualValues(t, 6, res.body["total"])
		if len(page) == 0 {
			break
		}
		seen = append(seen, page...)
		contacts := res.body["contacts"].([]any)
		after = contacts[len(contacts)-1].(map[string]any)["searchAfter"]
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, seen)

	// The same in descending order, three at a time.
	seen, after = nil, nil
	for range 10 {
		body := map[string]any{"pageLimit": 3, "sort": []any{map[string]any{"field": "dateAdded", "direction": "desc"}}}
		if after != nil {
			body["searchAfter"] = after
		}
		res := f.search(t, body)
		page := f.positions(t, res)
		if len(page) == 0 {
			break
		}
		seen = append(seen, page...)
		contacts := res.body["contacts"].([]any)
		after = contacts[len(contacts)-1].(map[string]any)["searchAfter"]
	}
	assert.Equal(t, []int{6, 5, 4, 3, 2, 1}, seen)

	// Resuming is strictly after the position, also when the cursor names a string sort value.
	res = f.search(t, map[string]any{"sort": []any{map[string]any{"field": "firstNameLowerCase", "direction": "asc"}},
		"searchAfter": []any{"maya", f.ids[3]}})
	assert.Equal(t, []int{3, 5}, f.positions(t, res))
	// A cursor need not name an existing contact.
	res = f.search(t, map[string]any{"searchAfter": []any{f.dateAddedMs(t, 3) + 1, ""}})
	assert.Equal(t, []int{4, 5, 6}, f.positions(t, res))
	// page 1 may go with searchAfter (it starts at the cursor); later pages may not.
	res = f.search(t, map[string]any{"page": 1, "searchAfter": []any{f.dateAddedMs(t, 5), f.ids[4]}})
	assert.Equal(t, []int{6}, f.positions(t, res))
	requireUnprocessable(t, f.search(t, map[string]any{"page": 2, "searchAfter": []any{f.dateAddedMs(t, 5), f.ids[4]}}),
		"page cannot be used with searchAfter")
}

func TestSearchErrors(t *testing.T) {
	f := newSearchFixture(t)
	for _, tc := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"pageLimit over 500", map[string]any{"pageLimit": 501}, "pageLimit must not be greater than 500"},
		{"pageLimit zero", map[string]any{"pageLimit": 0}, "pageLimit must not be less than 1"},
		{"pageLimit missing", map[string]any{"pageLimit": nil}, "pageLimit should not be empty"},
		{"pageLimit fractional", map[string]any{"pageLimit": 2.5}, "pageLimit must be an integer number"},
		{"page zero", map[string]any{"page": 0}, "page must not be less than 1"},
		{"locationId missing", map[string]any{"locationId": ""}, "locationId should not be empty"},
		{"unknown property", map[string]any{"limit": 10}, "property limit should not exist"},
		{"query too long", map[string]any{"query": strings.Repeat("q", 76)}, "query must be shorter than or equal to 75 characters"},
		{"unknown operator", map[string]any{"filters": []any{map[string]any{"field": "city", "operator": "like", "value": "x"}}},
			"operator must be one of the following values: eq, not_eq, contains, not_contains, exists, not_exists, range"},
		{"bad group", map[string]any{"filters": []any{map[string]any{"group": "XOR", "filters": []any{}}}},
			"group must be one of the following values: AND, OR"},
		{"eq without value", map[string]any{"filters": []any{map[string]any{"field": "city", "operator": "eq"}}},
			"value should not be empty with operator eq"},
		{"exists with value", map[string]any{"filters": []any{map[string]any{"field": "city", "operator": "exists", "value": "x"}}},
			"value should not exist with operator exists"},
		{"range without bounds", map[string]any{"filters": []any{map[string]any{"field": "dateAdded", "operator": "range", "value": map[string]any{}}}},
			"value must be an object with gte, lte, gt or lt with operator range"},
		{"value too long", map[string]any{"filters": []any{map[string]any{"field": "city", "operator": "eq", "value": strings.Repeat("v", 76)}}},
			"value must be shorter than or equal to 75 characters"},
		{"bad sort direction", map[string]any{"sort": []any{map[string]any{"field": "city", "direction": "up"}}},
			"sort.direction must be one of the following values: asc, desc"},
		{"cursor of the wrong length", map[string]any{"searchAfter": []any{"x"}},
			"searchAfter must hold one value per sort field and the contact id (2 values)"},
		{"cursor without id", map[string]any{"searchAfter": []any{"x", 5}}, "searchAfter must end with the contact id"},
		{"unknown field", map[string]any{"filters": []any{map[string]any{"field": "noSuchField", "operator": "eq", "value": "x"}}},
			"field noSuchField is not supported"},
		{"custom field name", map[string]any{"filters": []any{map[string]any{"field": "contact.score", "operator": "exists"}}},
			"field contact.score is not supported"},
		{"unknown field in a group", map[string]any{"filters": []any{map[string]any{"group": "OR", "filters": []any{
			map[string]any{"field": "city", "operator": "eq", "value": "x"}, map[string]any{"field": "citty", "operator": "eq", "value": "x"}}}}},
			"field citty is not supported"},
		{"unknown sort field", map[string]any{"sort": []any{map[string]any{"field": "score", "direction": "asc"}}},
			"sort.field score is not supported"},
		{"operator missing", map[string]any{"filters": []any{map[string]any{"field": "city", "value": "x"}}},
			"operator must be one of the following values: eq, not_eq, contains, not_contains, exists, not_exists, range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, f.search(t, tc.body), tc.want)
		})
	}
	requireForbidden(t, f.search(t, map[string]any{"locationId": "another-location"}))
	res := callAPI(t, f.srv, http.MethodPost, "/contacts/search", "{")
	assert.Equal(t, http.StatusBadRequest, res.status)
}

func TestSearchSeesWrites(t *testing.T) {
	f := newSearchFixture(t)
	austin := map[string]any{"filters": []any{map[string]any{"field": "city", "operator": "eq", "value": "Austin"}}}
	assert.Equal(t, []int{1, 3, 6}, f.positions(t, f.search(t, austin)))

	require.Equal(t, http.StatusOK, callAPI(t, f.srv, http.MethodPut, "/contacts/"+f.ids[1], map[string]any{"city": "Austin"}).status)
	assert.Equal(t, []int{1, 2, 3, 6}, f.positions(t, f.search(t, austin)))

	require.Equal(t, http.StatusOK, callAPI(t, f.srv, http.MethodDelete, "/contacts/"+f.ids[0], nil).status)
	assert.Equal(t, []int{2, 3, 6}, f.positions(t, f.search(t, austin)))

	vip := map[string]any{"filters": []any{map[string]any{"field": "tags", "operator": "eq", "value": "vip"}}}
	assert.Equal(t, []int{5, 6}, f.positions(t, f.search(t, vip)))
	require.Equal(t, http.StatusCreated, callAPI(t, f.srv, http.MethodPost, "/contacts/"+f.ids[3]+"/tags", map[string]any{"tags": []string{"VIP"}}).status)
	assert.Equal(t, []int{4, 5, 6}, f.positions(t, f.search(t, vip)))

	id := createContactAPI(t, f.srv, map[string]any{"email": "new@example.com", "city": "Austin"})
	f.ids = append(f.ids, id)
	assert.Equal(t, []int{2, 3, 6, 7}, f.positions(t, f.search(t, austin)))
}

func TestSearchAfterOverSeededContacts(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	ids := srv.Seed(loc, 25000, 42)
	require.Len(t, ids, 25000)

	collect := func() []string {
		var got []string
		var after json.RawMessage
		for {
			body := map[string]any{"locationId": loc, "pageLimit": 500}
			if after != nil {
				body["searchAfter"] = after // sent back byte for byte
			}
			res := sendAPI(t, srv, http.MethodPost, "/contacts/search", body, true)
			require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
			// Only the IDs and cursors are decoded: decoding 25,000 whole contacts would
			// dominate the test's time.
			var page struct {
				Contacts []struct {
					ID          string          `json:"id"`
					SearchAfter json.RawMessage `json:"searchAfter"`
				} `json:"contacts"`
				Total int `json:"total"`
			}
			require.NoError(t, json.Unmarshal(res.raw, &page))
			require.Equal(t, 25000, page.Total)
			if len(page.Contacts) == 0 {
				return got
			}
			for _, c := range page.Contacts {
				got = append(got, c.ID)
			}
			after = page.Contacts[len(page.Contacts)-1].SearchAfter
			require.Less(t, len(got), 25001, "paging does not end")
		}
	}
	// Seeded dateAdded values increase in the order Seed returned the IDs, so that is the
	// default order; each contact comes exactly once.
	assert.Equal(t, ids, collect())
}

func TestFindDuplicate(t *testing.T) {
	f := newSearchFixture(t)
	loc := f.srv.LocationID()
	find := func(q url.Values) apiResult {
		return callAPI(t, f.srv, http.MethodGet, "/contacts/search/duplicate?"+q.Encode(), nil)
	}
	contactID := func(res apiResult) any {
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		c, _ := res.body["contact"].(map[string]any)
		if c == nil {
			return nil
		}
		return c["id"]
	}
	assert.Equal(t, f.ids[0], contactID(find(url.Values{"locationId": {loc}, "email": {"ALEX@example.com"}})))
	// Percent-encoded phone: url.Values turns "+" into %2B.
	assert.Equal(t, f.ids[2], contactID(find(url.Values{"locationId": {loc}, "number": {"+14155550103"}})))
	// Email wins over phone.
	assert.Equal(t, f.ids[0], contactID(find(url.Values{"locationId": {loc}, "email": {"alex@example.com"}, "number": {"+14155550103"}})))
	// An email that matches nobody falls back to the phone.
	assert.Equal(t, f.ids[2], contactID(find(url.Values{"locationId": {loc}, "email": {"no@example.com"}, "number": {"+14155550103"}})))
	none := find(url.Values{"locationId": {loc}, "email": {"no@example.com"}})
	assert.Nil(t, contactID(none))
	assert.JSONEq(t, `{"contact":null}`, string(none.raw))

	// A raw "+" in a query string means a space: a North American number still reads the
	// same (its leading 1 is the trunk prefix), any other is read as a US number and refused.
	res := callAPI(t, f.srv, http.MethodGet, "/contacts/search/duplicate?locationId="+loc+"&number=+14155550103", nil)
	assert.Equal(t, f.ids[2], contactID(res))
	res = callAPI(t, f.srv, http.MethodGet, "/contacts/search/duplicate?locationId="+loc+"&number=+447700900123", nil)
	requireUnprocessable(t, res, "number must be a valid phone number")

	requireUnprocessable(t, find(url.Values{"locationId": {loc}}), "email or number should not be empty")
	requireUnprocessable(t, find(url.Values{"email": {"alex@example.com"}}), "locationId should not be empty")
	requireForbidden(t, find(url.Values{"locationId": {"other"}, "email": {"alex@example.com"}}))
}

func TestListDeprecated(t *testing.T) {
	f := newSearchFixture(t)
	loc := f.srv.LocationID()
	list := func(q url.Values) apiResult { return callAPI(t, f.srv, http.MethodGet, "/contacts/?"+q.Encode(), nil) }

	res := list(url.Values{"locationId": {loc}})
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, f.positions(t, res))
	assert.EqualValues(t, 6, res.body["count"])

	var seen []int
	q := url.Values{"locationId": {loc}, "limit": {"4"}}
	for range 5 {
		res := list(q)
		page := f.positions(t, res)
		seen = append(seen, page...)
		meta := res.body["meta"].(map[string]any)
		assert.EqualValues(t, 6, meta["total"])
		if _, more := meta["nextPage"]; !more {
			// The last page leaves nextPage and nextPageUrl out: the spec gives them no null.
			assert.NotContains(t, meta, "nextPageUrl")
			assert.Contains(t, meta, "prevPage")
			break
		}
		// The cursor: epoch ms of the last contact's dateAdded and its ID.
		last := page[len(page)-1]
		assert.EqualValues(t, f.dateAddedMs(t, last), meta["startAfter"])
		assert.Equal(t, f.ids[last-1], meta["startAfterId"])
		next, err := url.Parse(meta["nextPageUrl"].(string))
		require.NoError(t, err)
		assert.Equal(t, "/contacts/", next.Path)
		q.Set("startAfter", strconv.FormatInt(int64(meta["startAfter"].(float64)), 10))
		q.Set("startAfterId", meta["startAfterId"].(string))
		assert.Equal(t, q.Encode(), next.Query().Encode())
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, seen)

	res = list(url.Values{"locationId": {loc}, "startAfterId": {f.ids[3]}})
	assert.Equal(t, []int{5, 6}, f.positions(t, res))
	res = list(url.Values{"locationId": {loc}, "startAfter": {strconv.FormatInt(f.dateAddedMs(t, 5), 10)}})
	assert.Equal(t, []int{6}, f.positions(t, res))
	res = list(url.Values{"locationId": {loc}, "query": {"peter"}})
	assert.Equal(t, []int{1, 3}, f.positions(t, res))

	requireUnprocessable(t, list(url.Values{"locationId": {loc}, "limit": {"101"}}), "limit must not be greater than 100")
	requireUnprocessable(t, list(url.Values{"locationId": {loc}, "limit": {"ten"}}), "limit must be a number")
	requireUnprocessable(t, list(url.Values{"locationId": {loc}, "startAfter": {"yesterday"}}), "startAfter must be a number")
	requireUnprocessable(t, list(url.Values{"locationId": {loc}, "startAfterId": {"gone"}}), "startAfterId does not name a contact; send startAfter with it")
	requireUnprocessable(t, list(url.Values{}), "locationId should not be empty")
	requireForbidden(t, list(url.Values{"locationId": {"other"}}))
}

func TestListByBusiness(t *testing.T) {
	f := newSearchFixture(t)
	loc := f.srv.LocationID()
	res := callAPI(t, f.srv, http.MethodPost, "/contacts/bulk/business",
		map[string]any{"locationId": loc, "ids": []string{f.ids[5], f.ids[1], f.ids[2], f.ids[4]}, "businessId": "biz1"})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	list := func(business string, q url.Values) apiResult {
		return callAPI(t, f.srv, http.MethodGet, "/contacts/business/"+business+"?"+q.Encode(), nil)
	}
	for _, tc := range []struct {
		name string
		q    url.Values
		want []int
	}{
		{"defaults", url.Values{"locationId": {loc}}, []int{2, 3, 5, 6}},
		{"limit", url.Values{"locationId": {loc}, "limit": {"2"}}, []int{2, 3}},
		{"skip and limit", url.Values{"locationId": {loc}, "skip": {"2"}, "limit": {"1"}}, []int{5}},
		{"skip past the end", url.Values{"locationId": {loc}, "skip": {"10"}}, nil},
		{"query", url.Values{"locationId": {loc}, "query": {"tom"}}, []int{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := list("biz1", tc.q)
			assert.Equal(t, tc.want, f.positions(t, res))
			want := 4
			if tc.q.Has("query") {
				want = len(tc.want)
			}
			assert.EqualValues(t, want, res.body["count"])
		})
	}
	res = list("biz2", url.Values{"locationId": {loc}})
	assert.JSONEq(t, `{"contacts":[],"count":0}`, string(res.raw))
	requireUnprocessable(t, list("biz1", url.Values{"locationId": {loc}, "limit": {"0"}}), "limit must be a number string not less than 1")
	requireUnprocessable(t, list("biz1", url.Values{"locationId": {loc}, "skip": {"-1"}}), "skip must be a number string not less than 0")
	requireUnprocessable(t, list("biz1", url.Values{}), "locationId should not be empty")
	requireForbidden(t, list("biz1", url.Values{"locationId": {"other"}}))
}

// The spec's paths keep or drop the trailing slash exactly; the other spelling is not served.
func TestContactsTrailingSlash(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	res := callAPI(t, srv, http.MethodPost, "/contacts", map[string]any{"locationId": loc, "email": "x@example.com"})
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.JSONEq(t, `{"statusCode":404,"message":"Cannot POST /contacts","error":"Not Found"}`, string(res.raw))
	assert.Equal(t, 0, srv.ContactCount(loc))
	assert.Equal(t, 0, srv.Requests(http.MethodGet, "/contacts/"), "no redirect was followed")
	assert.Equal(t, http.StatusNotFound, callAPI(t, srv, http.MethodGet, "/contacts?locationId="+loc, nil).status)
	assert.Equal(t, http.StatusOK, callAPI(t, srv, http.MethodGet, "/contacts/?locationId="+loc, nil).status)
	assert.Equal(t, http.StatusNotFound, callAPI(t, srv, http.MethodPost, "/contacts/search/", map[string]any{"locationId": loc, "pageLimit": 1}).status)
}

// The page encoder must produce JSON that decodes to what encoding/json would give.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, 0, int64(1700000000123), 1.5, float64(1700000000123), 1e22, -0.25,
		"", "plain", `quote " backslash \ slash /`, "ctl \x00\x01\x1f\n\r\t", "<html> & 'x'", "ünïcødé ✓ 🚀",
		"bad \xff utf8", "\u2028\u2029",
		[]string{"a", "b\n"}, []string{}, []any{1.0, "x", nil, map[string]any{"k": []any{}}},
		map[string]any{"z": 1.0, "a": map[string]any{"Call": map[string]any{"status": "active"}}, "m": []string{"t"}},
		map[string]string{"typed": "map"},
	}
	for _, v := range values {
		got := appendJSON(nil, v)
		want, err := json.Marshal(v)
		require.NoError(t, err)
		var g, w any
		require.NoError(t, json.Unmarshal(got, &g), "%s", got)
		require.NoError(t, json.Unmarshal(want, &w))
		assert.Equal(t, w, g, "value %#v: got %s want %s", v, got, want)
	}
}

// What "contacts changed since T" needs: search sorted by dateUpdated with a range filter on
// dateUpdated, paged with searchAfter past the 10,000 results page/pageLimit reach.
func TestSearchChangedSincePastTenThousand(t *testing.T) {
	var now atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now.Store(t0.UnixMilli())
	srv := New(t, WithClock(func() time.Time { return time.UnixMilli(now.Load()) }))
	loc := srv.LocationID()
	ids := srv.Seed(loc, 10_300, 3) // dateUpdated = dateAdded, before t0
	since := t0.Add(time.Minute)
	now.Store(since.UnixMilli())
	// Change 10,150 contacts after since: a reconciliation must page past 10,000 to see them.
	changed := map[string]bool{}
	for i, id := range ids[:10_150] {
		if i%2 == 0 {
			now.Add(1) // some changes share a millisecond
		}
		srv.mu.Lock()
		srv.applyContactInputLocked(srv.locations[loc].contacts[id], map[string]any{"city": "Changed"})
		srv.mu.Unlock()
		changed[id] = true
	}
	body := map[string]any{"locationId": loc, "pageLimit": 500,
		"sort":    []any{map[string]any{"field": "dateUpdated", "direction": "asc"}},
		"filters": []any{map[string]any{"field": "dateUpdated", "operator": "range", "value": map[string]any{"gte": since.UnixMilli()}}}}

	// Pages stop at 10,000 results.
	paged := map[string]any{"page": 21}
	for k, v := range body {
		paged[k] = v
	}
	requireUnprocessable(t, callAPI(t, srv, http.MethodPost, "/contacts/search", paged), "Total results exceeded 10000, use searchAfter")

	seen := map[string]bool{}
	var prev float64
	for pages := 0; ; pages++ {
		require.Less(t, pages, 30)
		res := callAPI(t, srv, http.MethodPost, "/contacts/search", body)
		require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
		assert.EqualValues(t, len(changed), res.body["total"])
		list := res.body["contacts"].([]any)
		if len(list) == 0 {
			break
		}
		for _, item := range list {
			c := item.(map[string]any)
			require.False(t, seen[c["id"].(string)], "a contact appears once")
			seen[c["id"].(string)] = true
			cursor := c["searchAfter"].([]any)
			require.GreaterOrEqual(t, cursor[0].(float64), prev, "ascending dateUpdated")
			prev = cursor[0].(float64)
		}
		body["searchAfter"] = list[len(list)-1].(map[string]any)["searchAfter"]
	}
	assert.Equal(t, changed, seen)
}
