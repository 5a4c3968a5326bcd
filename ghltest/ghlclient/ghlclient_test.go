package ghlclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A test starts in two lines, and options pass through to ghl.NewClient.
func TestNewClient(t *testing.T) {
	srv := ghltest.New(t, ghltest.WithLocation(ghltest.DefaultLocationID, ghltest.DefaultToken), ghltest.WithLocation("loc-2", "tok-2"))
	client, err := ghlclient.New(srv)
	require.NoError(t, err)

	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", Phone: "+14155550100"})
	require.NoError(t, err)
	stored, ok := srv.Contact(srv.LocationID(), c.ID)
	require.True(t, ok)
	assert.Equal(t, "Ada", stored.FirstName)

	// Later options replace the server's: another location and its token.
	other, err := ghlclient.New(srv, ghl.WithLocationID("loc-2"), ghl.WithAccessToken("tok-2"), ghl.WithMaxRetries(0))
	require.NoError(t, err)
	_, _, err = other.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Bo"})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.ContactCount("loc-2"))
	assert.Equal(t, 1, srv.ContactCount(srv.LocationID()))

	_, err = ghlclient.New(srv, ghl.WithBaseURL("ftp://nowhere"))
	assert.Error(t, err, "option errors come back")
}

// Through the SDK: an upsert of "(415) 555-0100" after "+14155550100" finds the same contact,
// and FindDuplicate finds it under every common spelling.
func TestPhoneIdentityThroughTheSDK(t *testing.T) {
	srv := ghltest.New(t)
	client, err := ghlclient.New(srv)
	require.NoError(t, err)
	ctx := context.Background()
	first, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Phone: "+14155550100", FirstName: "Ada"})
	require.NoError(t, err)
	require.True(t, first.New)
	again, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Phone: "(415) 555-0100", LastName: "Lovelace"})
	require.NoError(t, err)
	assert.False(t, again.New)
	assert.Equal(t, first.Contact.ID, again.Contact.ID)
	assert.Equal(t, "+14155550100", again.Contact.Phone)

	for _, spelling := range []string{"+14155550100", "(415) 555-0100", "415-555-0100", "415.555.0100", "1 415 555 0100", "+1 (415) 555-0100"} {
		dup, _, err := client.Contacts.FindDuplicate(ctx, &ghl.DuplicateOptions{Number: spelling})
		require.NoError(t, err, spelling)
		require.NotNil(t, dup, spelling)
		assert.Equal(t, first.Contact.ID, dup.ID, spelling)
	}
	assert.Equal(t, 1, srv.ContactCount(srv.LocationID()))
}

// A token without contacts.write is refused a write with GHL's 401, which the SDK reports as
// ErrUnauthorized; reads still work.
func TestScopeRefusalThroughTheSDK(t *testing.T) {
	srv := ghltest.New(t)
	owner, err := ghlclient.New(srv)
	require.NoError(t, err)
	ctx := context.Background()
	c, _, err := owner.Contacts.Create(ctx, &ghl.ContactCreateRequest{Email: "scope@example.com"})
	require.NoError(t, err)

	readOnly, err := ghlclient.New(srv, ghl.WithAccessToken(srv.NewToken(srv.LocationID(), "contacts.readonly")))
	require.NoError(t, err)
	_, _, err = readOnly.Contacts.Get(ctx, c.ID)
	require.NoError(t, err)
	_, _, err = readOnly.Contacts.Update(ctx, c.ID, &ghl.ContactUpdateRequest{City: ghl.Ptr("Oslo")})
	require.ErrorIs(t, err, ghl.ErrUnauthorized)
	var apiErr *ghl.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, "The token is not authorized for this scope.", apiErr.Message)
}

// VerifierOptions and NewVerifier trust the server's keys and only them.
func TestVerifier(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		var opts []ghltest.ServerOption
		if legacy {
			opts = append(opts, ghltest.WithLegacyWebhookSignature())
		}
		srv := ghltest.New(t, opts...)
		v, err := ghlclient.NewVerifier(srv)
		require.NoError(t, err)
		var mu sync.Mutex
		var got []ghl.Event
		rcv := httptest.NewServer(v.Handler(func(_ context.Context, ev ghl.Event) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ev)
			return nil
		}))
		t.Cleanup(rcv.Close)
		srv.RegisterWebhook(rcv.URL)
		srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": "hi", "id": "n1", "contactId": "c1"})
		require.NoError(t, srv.FlushWebhooks(context.Background()))
		mu.Lock()
		require.Len(t, got, 1, "legacy %v", legacy)
		assert.Equal(t, "NoteCreate", got[0].EventType())
		mu.Unlock()
		assert.Len(t, ghlclient.VerifierOptions(srv), map[bool]int{false: 2, true: 3}[legacy])

		// Only the server's keys: GHL's published key is not trusted.
		other := ghltest.New(t)
		body := []byte(`{"type":"NoteCreate","locationId":"L","timestamp":"2030-01-01T00:00:00Z","webhookId":"w"}`)
		_, err = v.Verify(context.Background(), other.SignWebhook(body), body)
		assert.ErrorIs(t, err, ghl.ErrInvalidSignature)
	}
}
