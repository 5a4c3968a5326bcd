package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldServer serves GET /locations/loc-test-1/customFields?model=contact from lists: the
// n-th request gets lists[min(n, len-1)]. It counts the requests.
func fieldServer(t *testing.T, mux *http.ServeMux, lists ...string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	mux.HandleFunc("GET /locations/loc-test-1/customFields", func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		assertWire(t, r, wire{method: http.MethodGet, path: "/locations/loc-test-1/customFields", query: "model=contact", version: versionLocations})
		fmt.Fprintf(w, `{"customFields":[%s]}`, lists[min(i, len(lists)-1)])
	})
	return &n
}

const (
	fieldLastCall  = `{"id":"cf1","name":"Last call","fieldKey":"contact.last_call","dataType":"DATE","model":"contact"}`
	fieldCallCount = `{"id":"cf2","name":"Call count","fieldKey":"contact.call_count","dataType":"NUMERICAL","model":"contact"}`
	fieldLPID      = `{"id":"cf3","name":"LinkedPhone ID","fieldKey":"contact.linkedphone_id","dataType":"TEXT","model":"contact"}`
)

func TestContactFieldsByKey(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lists := fieldServer(t, mux, fieldLastCall+","+fieldCallCount)
	ctx := context.Background()
	keys := client.Locations.ContactFields()
	assert.Same(t, keys, client.Locations.ContactFields())

	id, err := keys.ID(ctx, "contact.last_call")
	require.NoError(t, err)
	assert.Equal(t, "cf1", id)
	key, err := keys.Key(ctx, "cf2")
	require.NoError(t, err)
	assert.Equal(t, "contact.call_count", key)
	f, err := keys.Field(ctx, "contact.call_count")
	require.NoError(t, err)
	assert.Equal(t, "NUMERICAL", f.DataType)
	in, err := keys.Input(ctx, "contact.call_count", 3)
	require.NoError(t, err)
	assert.Equal(t, CustomFieldInput{ID: "cf2", Value: 3}, in)
	assert.Equal(t, int32(1), lists.Load(), "the list is fetched once")

	// The read side: a contact's value by key.
	var c Contact
	require.NoError(t, json.Unmarshal([]byte(`{"id":"k1","customFields":[{"id":"cf1","value":"2026-03-09T09:00:00-04:00"},{"id":"cf2","value":7}]}`), &c))
	v, ok, err := keys.Value(ctx, &c, "contact.call_count")
	require.NoError(t, err)
	require.True(t, ok)
	n, _ := v.Float()
	assert.InDelta(t, 7, n, 0)
	s, ok, err := keys.Value(ctx, &Contact{}, "contact.last_call")
	require.NoError(t, err)
	assert.False(t, ok, "a field the contact has no value in")
	assert.Equal(t, CustomFieldValue{}, s)
	_, _, err = keys.Value(ctx, nil, "contact.last_call")
	assertInvalidParam(t, err, "c")
	_, err = keys.ID(ctx, "")
	assertInvalidParam(t, err, "key")
	assert.Equal(t, int32(1), lists.Load())
}

// An unknown key makes the cache fetch the list again, once; still unknown, it is a typed error.
func TestContactFieldsUnknownKeyAfterOneRefresh(t *testing.T) {
	client, mux := setup(t)
	lists := fieldServer(t, mux, fieldLastCall)
	ctx := context.Background()
	keys := client.Locations.ContactFields()

	// The first use loads the list; the key is not in it. That load was the refresh.
	_, err := keys.ID(ctx, "contact.no_such")
	var unknown *UnknownCustomFieldError
	require.ErrorAs(t, err, &unknown)
	assert.ErrorIs(t, err, ErrUnknownCustomField)
	assert.Equal(t, &UnknownCustomFieldError{LocationID: "loc-test-1", Key: "contact.no_such"}, unknown)
	assert.EqualError(t, err, `ghl: location loc-test-1 has no contact custom field with key "contact.no_such"`)
	assert.Equal(t, int32(1), lists.Load())

	// Asking again refreshes once more, then fails again.
	_, err = keys.Input(ctx, "contact.no_such", "x")
	assert.ErrorIs(t, err, ErrUnknownCustomField)
	assert.Equal(t, int32(2), lists.Load())

	_, err = keys.Key(ctx, "cf404")
	assert.EqualError(t, err, `ghl: location loc-test-1 has no contact custom field with ID "cf404"`)
	assert.Equal(t, int32(3), lists.Load())

	// A known key costs nothing.
	_, err = keys.ID(ctx, "contact.last_call")
	require.NoError(t, err)
	assert.Equal(t, int32(3), lists.Load())
}

// Missing checks several keys with at most one fetch of the field list.
func TestContactFieldsMissing(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	lists := fieldServer(t, mux, fieldLastCall, fieldLastCall+","+fieldCallCount)
	ctx := context.Background()
	keys := client.Locations.ContactFields()

	// The first use loads the list: that is the one fetch, for both unknown keys.
	missing, err := keys.Missing(ctx, "contact.call_count", "contact.last_call", "contact.linkedphone_id")
	require.NoError(t, err)
	assert.Equal(t, []string{"contact.call_count", "contact.linkedphone_id"}, missing)
	assert.Equal(t, int32(1), lists.Load())

	// Loaded: unknown keys cost one refresh between them, which finds a field created since.
	missing, err = keys.Missing(ctx, "contact.linkedphone_id", "contact.call_count")
	require.NoError(t, err)
	assert.Equal(t, []string{"contact.linkedphone_id"}, missing)
	assert.Equal(t, int32(2), lists.Load())

	// Known keys cost nothing; nothing asked, nothing missing; a bad key is an error.
	missing, err = keys.Missing(ctx, "contact.last_call", "contact.call_count")
	require.NoError(t, err)
	assert.Empty(t, missing)
	missing, err = keys.Missing(ctx)
	require.NoError(t, err)
	assert.Empty(t, missing)
	assert.Equal(t, int32(2), lists.Load())
	_, err = keys.Missing(ctx, "contact.last_call", "")
	assertInvalidParam(t, err, "key")
}

// A field created elsewhere after the list was loaded is found by the one refresh.
func TestContactFieldsRefreshFindsNewField(t *testing.T) {
	client, mux := setup(t)
	lists := fieldServer(t, mux, fieldLastCall, fieldLastCall+","+fieldLPID)
	ctx := context.Background()
	keys := client.Locations.ContactFields()
	_, err := keys.ID(ctx, "contact.last_call")
	require.NoError(t, err)
	id, err := keys.ID(ctx, "contact.linkedphone_id")
	require.NoError(t, err)
	assert.Equal(t, "cf3", id)
	assert.Equal(t, int32(2), lists.Load())

	require.NoError(t, keys.Refresh(ctx))
	assert.Equal(t, int32(3), lists.Load())
}

// Concurrent lookups share one fetch: those that began before a fetch started use its result.
func TestContactFieldsConcurrentLookupsShareAFetch(t *testing.T) {
	client, mux := setup(t)
	lists := fieldServer(t, mux, fieldLastCall)
	keys := client.Locations.ContactFields()
	var waiting atomic.Int32
	keys.onWait = func() { waiting.Add(1) }
	keys.sem <- struct{}{} // hold the fetch slot until every lookup waits for it
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "contact.last_call"
			if i%2 == 1 {
				key = "contact.nope"
			}
			_, err := keys.ID(context.Background(), key)
			errs <- err
		}()
	}
	for waiting.Load() < 10 {
		runtime.Gosched()
	}
	<-keys.sem
	wg.Wait()
	close(errs)
	var unknown int
	for err := range errs {
		if err != nil {
			require.ErrorIs(t, err, ErrUnknownCustomField)
			unknown++
		}
	}
	assert.Equal(t, 5, unknown)
	assert.Equal(t, int32(1), lists.Load())

	// A cancelled caller does not wait for a fetch held by another.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	keys.sem <- struct{}{}
	_, err := keys.ID(ctx, "contact.other")
	<-keys.sem
	assert.ErrorIs(t, err, context.Canceled)
}

func TestContactFieldsResolve(t *testing.T) {
	client, mux := setup(t)
	lists := fieldServer(t, mux, fieldLastCall+","+fieldCallCount)
	ctx := context.Background()
	keys := client.Locations.ContactFields()
	in := []CustomFieldInput{
		{Key: "contact.last_call", Value: "2026-03-09"},
		{ID: "cf2", Value: 4},
		{ID: "cf2", Key: "contact.call_count", Value: 5},
	}
	out, err := keys.Resolve(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, []CustomFieldInput{{ID: "cf1", Value: "2026-03-09"}, {ID: "cf2", Value: 4}, {ID: "cf2", Value: 5}}, out)
	assert.Equal(t, "contact.last_call", in[0].Key, "the input is not changed")
	b, err := json.Marshal(out)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"id":"cf1","field_value":"2026-03-09"},{"id":"cf2","field_value":4},{"id":"cf2","field_value":5}]`, string(b))

	out, err = keys.Resolve(ctx, nil)
	require.NoError(t, err)
	assert.Nil(t, out)

	_, err = keys.Resolve(ctx, []CustomFieldInput{{Key: "contact.last_call", Value: 1}, {Key: "contact.typo", Value: 1}})
	assert.EqualError(t, err, `ghl: location loc-test-1 has no contact custom field with key "contact.typo"`)
	_, err = keys.Resolve(ctx, []CustomFieldInput{{ID: "cf-gone", Value: 1}})
	assert.ErrorIs(t, err, ErrUnknownCustomField)
	_, err = keys.Resolve(ctx, []CustomFieldInput{{ID: "cf1", Key: "contact.call_count"}})
	assert.EqualError(t, err, `ghl: invalid customFields[0]: key "contact.call_count" is field cf2, not cf1`)
	_, err = keys.Resolve(ctx, []CustomFieldInput{{Value: 1}})
	assertInvalidParam(t, err, "customFields[0]")
	assert.Equal(t, int32(3), lists.Load())
}

// Fields created, renamed or deleted through the client update the cache without a fetch.
func TestContactFieldsFollowWritesThroughTheClient(t *testing.T) {
	client, mux := setup(t)
	lists := fieldServer(t, mux, fieldLastCall)
	ctx := context.Background()
	keys := client.Locations.ContactFields()
	_, err := keys.ID(ctx, "contact.last_call")
	require.NoError(t, err)

	mux.HandleFunc("POST /locations/loc-test-1/customFields", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"customField":`+fieldLPID+`}`)
	})
	mux.HandleFunc("PUT /locations/loc-test-1/customFields/cf1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"customField":{"id":"cf1","name":"Last call","fieldKey":"contact.last_call_at","model":"contact"}}`)
	})
	mux.HandleFunc("DELETE /locations/loc-test-1/customFields/cf3", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"succeded":true}`)
	})
	_, _, err = client.Locations.CreateCustomField(ctx, &CustomFieldCreateRequest{Name: "LinkedPhone ID", DataType: "TEXT"})
	require.NoError(t, err)
	id, err := keys.ID(ctx, "contact.linkedphone_id")
	require.NoError(t, err)
	assert.Equal(t, "cf3", id)

	_, _, err = client.Locations.UpdateCustomField(ctx, "cf1", &CustomFieldUpdateRequest{Name: "Last call"})
	require.NoError(t, err)
	id, err = keys.ID(ctx, "contact.last_call_at")
	require.NoError(t, err)
	assert.Equal(t, "cf1", id)
	assert.Equal(t, int32(1), lists.Load())

	_, err = client.Locations.DeleteCustomField(ctx, "cf3")
	require.NoError(t, err)
	// Gone from the cache: looking it up refreshes (this server's list never had it).
	_, err = keys.ID(ctx, "contact.linkedphone_id")
	assert.ErrorIs(t, err, ErrUnknownCustomField)
	assert.Equal(t, int32(2), lists.Load())
	// The refresh replaced the whole cache with the server's list, which still has the old key.
	id, err = keys.ID(ctx, "contact.last_call")
	require.NoError(t, err)
	assert.Equal(t, "cf1", id)
	assert.Equal(t, int32(2), lists.Load())
}

func TestContactFieldsNeedAClientLocation(t *testing.T) {
	client, _ := setup(t)
	client.locationID = ""
	_, err := client.Locations.ContactFields().ID(context.Background(), "contact.last_call")
	assertInvalidParam(t, err, "client")
}
