package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The spec's UserSchema example (permissions trimmed).
const userJSON = `{"id":"0IHuJvc2ofPAAA8GzTRi","name":"John Deo","firstName":"John","lastName":"Deo","email":"john@deo.com",
	"phone":"+1 808-868-8888","extension":"204","permissions":{"campaignsEnabled":true,"phoneCallEnabled":true},
	"roles":{"type":"account","role":"admin","locationIds":["ve9EPM428h8vShlRW1KT"],"restrictSubAccount":true},
	"lcPhone":{"ve9EPM428h8vShlRW1KT":"+1234556677"},"platformLanguage":"en_US"}`

// The spec's GetLocationByIdSchema example, in its envelope.
const locationJSON = `{"id":"ve9EPM428h8vShlRW1KT","companyId":"5DP4iH6HLkQsiKESj6rh","name":"dentist",
	"domain":"test.msgsndr.com","address":"ganthi nagar, gyanbabu chauk motihati","city":"motihari","state":"Loca",
	"logoUrl":"https://dummyimage.com/o/locationPhotos%2Fve9EPM428h8vShlRW1KT.jpeg","country":"IN","postalCode":"567654",
	"website":"https://gohighlevel.com/","timezone":"America/Chicago","firstName":"Dr. Rane","lastName":"deo",
	"email":"rane@due.com","phone":"+919039160788",
	"business":{"name":"dentist","address":"MIG 14, Delhi","city":"delhi","state":"delhi","country":"IN","postalCode":"567654",
		"website":"https://gohighlevel.com/","timezone":"America/Chicago","logoUrl":"https://dummyimage.com/o/logo.jpeg"},
	"social":{"facebookUrl":"https://www.facebook.com/"},
	"settings":{"allowDuplicateContact":false,"allowDuplicateOpportunity":false,"allowFacebookNameMerge":false,"disableContactTimezone":false},
	"reseller":{}}`

// expectHomeLocation answers GET /locations/loc-test-1 with companyID and counts the lookups.
func expectHomeLocation(t *testing.T, mux *http.ServeMux, companyID string) *atomic.Int32 {
	t.Helper()
	return expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-test-1", version: versionLocations,
		resp: `{"location":{"id":"loc-test-1","companyId":"` + companyID + `","timezone":"America/New_York"}}`})
}

func TestUsersSearch(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	calls := expect(t, mux, wire{
		method: http.MethodGet, path: "/users/search", version: versionUsers,
		query: "companyId=5DP41231LkQsiKESj6rh&ids=5DP4iH6HLkQsiKESj6rh%2C5DP4iH6HLkQsiKESj34h&limit=10&locationId=5DP41231LkQsiKESj6rh" +
			"&query=John&role=admin&skip=1&sort=dateAdded&sortDirection=asc&type=agency",
		resp: `{"users":[` + userJSON + `],"count":1231,"traceId":"t"}`,
	})
	res, resp, err := client.Users.Search(context.Background(), &UserSearchOptions{
		CompanyID: "5DP41231LkQsiKESj6rh", LocationID: "5DP41231LkQsiKESj6rh", Query: "John", Skip: 1, Limit: 10,
		Type: "agency", Role: "admin", IDs: []string{"5DP4iH6HLkQsiKESj6rh", "5DP4iH6HLkQsiKESj34h"}, Sort: "dateAdded", SortDirection: "asc",
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1231, res.Count)
	require.Len(t, res.Users, 1)
	u := res.Users[0]
	assert.Equal(t, "0IHuJvc2ofPAAA8GzTRi", u.ID)
	assert.Equal(t, "204", u.Extension)
	assert.Equal(t, map[string]string{"ve9EPM428h8vShlRW1KT": "+1234556677"}, u.LCPhone)
	assert.Equal(t, &UserRoles{Type: "account", Role: "admin", LocationIDs: []string{"ve9EPM428h8vShlRW1KT"}, RestrictSubAccount: true}, u.Roles)
	assert.JSONEq(t, `{"campaignsEnabled":true,"phoneCallEnabled":true}`, string(u.Extra["permissions"]))
	out, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, userJSON, string(out))
	assert.JSONEq(t, `"t"`, string(res.Extra["traceId"]))
}

// Without a CompanyID, the company of the client's location is looked up once per client.
func TestUsersSearchLooksUpCompanyOnce(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lookups := expectHomeLocation(t, mux, "comp-1")
	searches := expect(t, mux, wire{method: http.MethodGet, path: "/users/search", version: versionUsers,
		query: "companyId=comp-1&locationId=loc-test-1", resp: `{"users":[],"count":0}`})
	for range 3 {
		_, _, err := client.Users.Search(context.Background(), nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), lookups.Load())
	assert.Equal(t, int32(3), searches.Load())

	// Another location's client has its own cache.
	other, err := client.forLocation("loc-test-1", nil)
	require.NoError(t, err)
	_, _, err = other.Users.Search(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, int32(2), lookups.Load())
}

// Getting the client's own location first spares the company lookup; another location's
// details do not count.
func TestUsersSearchUsesCompanyOfLocationsGet(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lookups := expectHomeLocation(t, mux, "comp-1")
	expect(t, mux, wire{method: http.MethodGet, path: "/locations/loc-other", version: versionLocations,
		resp: `{"location":{"id":"loc-other","companyId":"comp-other"}}`})
	searches := expect(t, mux, wire{method: http.MethodGet, path: "/users/search", version: versionUsers,
		query: "companyId=comp-1&locationId=loc-test-1", resp: `{"users":[],"count":0}`})
	ctx := context.Background()

	_, _, err := client.Locations.Get(ctx, "loc-other")
	require.NoError(t, err)
	loc, _, err := client.Locations.Get(ctx, "loc-test-1")
	require.NoError(t, err)
	loc.CompanyID = "changed by the caller"
	_, _, err = client.Users.Search(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), lookups.Load(), "only the caller's own Get")
	assert.Equal(t, int32(1), searches.Load())
}

func TestUsersCompanyLookupFailureIsNotKept(t *testing.T) {
	client, mux := setup(t)
	var lookups atomic.Int32
	mux.HandleFunc("/locations/loc-test-1", func(w http.ResponseWriter, r *http.Request) {
		switch lookups.Add(1) {
		case 1:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"statusCode":404,"message":"Location not found"}`)
		case 2:
			fmt.Fprint(w, `{"location":{"id":"loc-test-1"}}`)
		default:
			fmt.Fprint(w, `{"location":{"id":"loc-test-1","companyId":"comp-9"}}`)
		}
	})
	expect(t, mux, wire{method: http.MethodGet, path: "/users/search", version: versionUsers, query: "companyId=comp-9&locationId=loc-test-1", resp: `{"users":[],"count":0}`})
	_, resp, err := client.Users.Search(context.Background(), nil)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, resp)
	_, _, err = client.Users.Search(context.Background(), nil)
	assert.EqualError(t, err, "ghl: location loc-test-1: GHL reported no companyId")
	_, _, err = client.Users.Search(context.Background(), nil)
	require.NoError(t, err)
	_, _, err = client.Users.Search(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, int32(3), lookups.Load())
}

func TestUsersCompanyLookupSharedByConcurrentCalls(t *testing.T) {
	client, mux := setup(t)
	release := make(chan struct{})
	var lookups atomic.Int32
	mux.HandleFunc("/locations/loc-test-1", func(w http.ResponseWriter, r *http.Request) {
		lookups.Add(1)
		<-release
		fmt.Fprint(w, `{"location":{"id":"loc-test-1","companyId":"comp-1"}}`)
	})
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"users":[],"count":0}`) })
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := client.Users.Search(context.Background(), nil)
			errs <- err
		}()
	}
	for lookups.Load() == 0 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), lookups.Load())

	// A caller whose context ends while another fetch is in flight gives up at once.
	blocked, mux2 := setup(t)
	hold := make(chan struct{})
	defer close(hold)
	var started atomic.Int32
	mux2.HandleFunc("/locations/loc-test-1", func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	})
	go func() { _, _, _ = blocked.Users.Search(context.Background(), nil) }()
	for started.Load() == 0 {
		runtime.Gosched()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := blocked.Users.Search(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestUsersSearchAllPages(t *testing.T) {
	client, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("/users/search", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		assertWire(t, r, wire{method: http.MethodGet, path: "/users/search", version: versionUsers,
			query: fmt.Sprintf("companyId=c1&limit=2&locationId=loc-test-1&query=a&skip=%d", 3+2*(n-1))})
		var users []string
		for i := range 2 {
			if n == 2 && i == 1 {
				break
			}
			users = append(users, fmt.Sprintf(`{"id":"u%d"}`, 3+2*int(n-1)+i))
		}
		fmt.Fprintf(w, `{"users":[%s],"count":6}`, strings.Join(users, ","))
	})
	var ids []string
	for u, err := range client.Users.SearchAll(context.Background(), &UserSearchOptions{CompanyID: "c1", Query: "a", Limit: 2, Skip: 3}) {
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	assert.Equal(t, []string{"u3", "u4", "u5"}, ids)
	assert.Equal(t, int32(2), calls.Load())
}

func TestUsersSearchRejectsBadOptions(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	for _, tc := range []struct {
		opts  *UserSearchOptions
		param string
	}{
		{&UserSearchOptions{CompanyID: "c", Skip: -1}, "opts.Skip"},
		{&UserSearchOptions{CompanyID: "c", Limit: -1}, "opts.Limit"},
		{&UserSearchOptions{CompanyID: "c", IDs: []string{""}}, "opts.IDs[0]"},
		{&UserSearchOptions{CompanyID: "c", IDs: []string{"a,b"}}, "opts.IDs[0]"},
		{&UserSearchOptions{CompanyID: " "}, "opts.CompanyID"},
	} {
		_, _, err := client.Users.Search(context.Background(), tc.opts)
		assertInvalidParam(t, err, tc.param)
		for _, err := range client.Users.SearchAll(context.Background(), tc.opts) {
			assertInvalidParam(t, err, tc.param)
		}
	}
	noLoc, _ := setup(t)
	noLoc.locationID = ""
	_, _, err := noLoc.Users.Search(context.Background(), nil)
	assertInvalidParam(t, err, "opts.CompanyID")
	_, _, err = noLoc.Users.ByExtension(context.Background(), "204")
	assertInvalidParam(t, err, "client")
}

func TestUsersGet(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/users/ve9EPM428h8vShlRW1KT", version: versionUsers, resp: userJSON})
	u, _, err := client.Users.Get(context.Background(), "ve9EPM428h8vShlRW1KT")
	require.NoError(t, err)
	assert.Equal(t, "John Deo", u.Name)
	_, _, err = client.Users.Get(context.Background(), "")
	assertInvalidParam(t, err, "userID")
}

func TestUsersByExtension(t *testing.T) {
	ctx := context.Background()
	const page = `{"users":[{"id":"u1","extension":"201"},{"id":"u2","extension":" 204 "},{"id":"u3","extension":"205","deleted":true},
		{"id":"u4"},{"id":"u5","extension":"205"},{"id":"u6","extension":"206"},{"id":"u7","extension":"206"}],"count":7}`
	client, mux := setup(t)
	refuseAll(t, mux)
	lookups := expectHomeLocation(t, mux, "comp-1")
	searches := expect(t, mux, wire{method: http.MethodGet, path: "/users/search", version: versionUsers,
		query: "companyId=comp-1&limit=100&locationId=loc-test-1", resp: page})

	u, resp, err := client.Users.ByExtension(ctx, "204")
	require.NoError(t, err)
	assert.Equal(t, "u2", u.ID)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// A deleted user's extension does not count.
	u, _, err = client.Users.ByExtension(ctx, "205")
	require.NoError(t, err)
	assert.Equal(t, "u5", u.ID)

	u, resp, err = client.Users.ByExtension(ctx, "999")
	require.NoError(t, err)
	assert.Nil(t, u)
	assert.NotNil(t, resp)

	_, _, err = client.Users.ByExtension(ctx, "206")
	var conflict *ExtensionConflictError
	require.ErrorAs(t, err, &conflict)
	assert.Equal(t, []string{"u6", "u7"}, conflict.UserIDs)
	assert.EqualError(t, err, `ghl: extension "206" belongs to 2 users (u6, u7)`)

	_, _, err = client.Users.ByExtension(ctx, "  ")
	assertInvalidParam(t, err, "extension")
	assert.Equal(t, int32(1), lookups.Load())
	assert.Equal(t, int32(4), searches.Load())
}
