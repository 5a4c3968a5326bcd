package ghl

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// GHL's 401s that refuse what a token may do, not the token: no other token of the same grant
// is accepted, so they are final.
const (
	scopeRefusal = `{"statusCode":401,"message":"The token is not authorized for this scope.","error":"Unauthorized"}`
	classRefusal = `{"statusCode":401,"message":"This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case.","error":"Unauthorized"}`
	typeRefusal  = `{"statusCode":401,"message":"Token's user type mismatch!","error":"Unauthorized"}`
	staleToken   = `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`
)

// A 401 refusing the token's scope or type is returned as it is: no invalidation (which would
// spend a single-use refresh token), no resend; a 401 of a stale token still gets its one
// refresh and resend.
func TestUnauthorizedRefusalIsFinal(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       error // the refusal sentinel; nil for a stale token
		wantMsg    string
	}{
		{"missing scope", scopeRefusal, ErrInsufficientScope, "The token is not authorized for this scope."},
		{"agency token on a location route", classRefusal, ErrWrongTokenType,
			"This authClass type is not allowed to access this scope. Please verify your IAM configuration if this is not the case."},
		{"agency private integration token", typeRefusal, ErrWrongTokenType, "Token's user type mismatch!"},
		{"stale token", staleToken, nil, "Invalid JWT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := &countingSource{}
			client, mux := setup(t, WithTokenSource(ts), WithMaxRetries(3))
			var requests atomic.Int32
			mux.HandleFunc("/contacts/x", func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, tt.body)
			})
			for call := 1; call <= 3; call++ {
				_, resp, err := client.Contacts.Get(context.Background(), "x")
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.ErrorIs(t, err, ErrUnauthorized)
				assert.Equal(t, tt.wantMsg, apiErr.Message)
				assert.Equal(t, tt.body, string(apiErr.Body), "the body is kept")
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				if tt.want == nil {
					assert.NotErrorIs(t, err, ErrInsufficientScope)
					assert.NotErrorIs(t, err, ErrWrongTokenType)
					assert.Equal(t, 2, apiErr.Attempts, "refreshed and sent again")
					continue
				}
				assert.ErrorIs(t, err, tt.want)
				for _, other := range []error{ErrInsufficientScope, ErrWrongTokenType} {
					if other != tt.want {
						assert.NotErrorIs(t, err, other)
					}
				}
				assert.Equal(t, 1, apiErr.Attempts)
				assert.Equal(t, int32(call), requests.Load(), "one request per call")
			}
			ts.mu.Lock()
			defer ts.mu.Unlock()
			if tt.want == nil {
				assert.Len(t, ts.invalidated, 3, "a stale token is invalidated once per call")
				assert.Equal(t, int32(6), requests.Load())
				return
			}
			assert.Empty(t, ts.invalidated, "nothing invalidated")
			assert.Equal(t, 3, ts.n, "one token per call, none renewed")
		})
	}
}

// The refusal sentinels read the message of a 401 or a 403, and nothing else.
func TestRefusalSentinels(t *testing.T) {
	for _, tt := range []struct {
		status int
		msgs   []string
		want   error
	}{
		{401, []string{"The token is not authorized for this scope."}, ErrInsufficientScope},
		{403, []string{"the token is NOT AUTHORIZED FOR THIS SCOPE"}, ErrInsufficientScope},
		{401, []string{"This authClass type is not allowed to access this scope."}, ErrWrongTokenType},
		{401, []string{"Token's user type mismatch!"}, ErrWrongTokenType},
		{401, []string{"Invalid JWT"}, nil},
		{401, []string{"Invalid token: access token is invalid"}, nil},
		{403, []string{"The token does not have access to this location."}, nil},
		{400, []string{"The token is not authorized for this scope."}, nil},
		{422, []string{"x", "The token is not authorized for this scope."}, nil},
	} {
		e := &APIError{StatusCode: tt.status, Messages: tt.msgs}
		for _, s := range []error{ErrInsufficientScope, ErrWrongTokenType} {
			assert.Equal(t, s == tt.want, e.Is(s), "%d %q is %v", tt.status, tt.msgs, s)
		}
	}
}

// An OAuth app's location token without the route's scope: three calls are three requests
// and no refresh (each refresh would spend the location's single-use refresh token).
func TestScopeRefusalSpendsNoRefreshToken(t *testing.T) {
	var refreshes, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/token" {
			n := refreshes.Add(1)
			fmt.Fprintf(w, `{"access_token":"at-renewed-%08d","refresh_token":"rt-renewed-%08d","expires_in":86399,"userType":"Location","locationId":"L"}`, n, n)
			return
		}
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, scopeRefusal)
	}))
	defer srv.Close()
	app := newApp(t, srv.URL, "secret-s-123", WithRateLimiter(testNoLimit{}), WithMaxRetries(0))
	store := NewMemoryTokenStore()
	require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-installed-1", RefreshToken: "rt-installed-1",
		Expiry: time.Now().Add(time.Hour)}))
	clients, err := app.LocationClients(store)
	require.NoError(t, err)
	client, err := clients.Client("L")
	require.NoError(t, err)
	for range 3 {
		_, _, err := client.Contacts.Get(context.Background(), "x")
		require.ErrorIs(t, err, ErrInsufficientScope)
		require.ErrorIs(t, err, ErrUnauthorized)
	}
	assert.Equal(t, int32(3), calls.Load(), "3 calls: 3 requests")
	assert.Zero(t, refreshes.Load(), "3 calls: 0 refreshes")
	assert.Equal(t, "rt-installed-1", mustLoad(t, store, "L").RefreshToken)
}

// Minting a location token with an agency token that lacks the scope: the agency token is not
// renewed, and the mint is not sent again.
func TestMintScopeRefusalKeepsAgencyToken(t *testing.T) {
	for _, tt := range []struct {
		name, body    string
		invalidations int
		mints         int32
	}{
		{"missing scope", scopeRefusal, 0, 1},
		{"stale agency token", staleToken, 1, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mints atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mints.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			app := newApp(t, srv.URL, "secret-s-123")
			company := &countingSource{}
			_, err := newMinting(app, company, "company-1", "L", nil).Token()
			var te *TokenError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, GrantLocationToken, te.Grant)
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.Equal(t, tt.invalidations == 0, te.API.Is(ErrInsufficientScope))
			assert.Equal(t, tt.mints, mints.Load())
			company.mu.Lock()
			defer company.mu.Unlock()
			assert.Len(t, company.invalidated, tt.invalidations)
		})
	}
}

// Against the fake: an app granted only the contact scopes, and an agency token on a location
// route, get GHL's 401s, and no refresh token is spent on them.
func TestUnauthorizedRefusalOnGhltest(t *testing.T) {
	contactScopes := ghltest.WithOAuthScopes("contacts.readonly", "contacts.write")
	t.Run("missing scope", func(t *testing.T) {
		env := newOAuthEnv(t, contactScopes)
		store := NewMemoryTokenStore()
		tok := env.install(t, store, testOAuthLoc, UserTypeLocation)
		client := env.clientOf(t, store, testOAuthLoc)
		for range 3 {
			_, _, err := client.Conversations.Search(context.Background(), &ConversationSearchOptions{})
			require.ErrorIs(t, err, ErrInsufficientScope)
			require.ErrorIs(t, err, ErrUnauthorized)
		}
		assert.Equal(t, 3, env.srv.Requests(http.MethodGet, "/conversations/search"), "3 calls: 3 requests")
		assert.Zero(t, env.srv.RefreshCount(), "3 calls: 0 refreshes")
		assert.Equal(t, tok.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)
	})
	t.Run("agency token on a location route", func(t *testing.T) {
		env := newOAuthEnv(t)
		store := NewMemoryTokenStore()
		company := env.install(t, store, testOAuthLoc, UserTypeCompany)
		companyID := TokenInfoOf(company).CompanyID
		client := env.client(t, env.app.tokenSource(store, companyID), testOAuthLoc)
		for range 3 {
			_, _, err := client.Contacts.Get(context.Background(), "c1")
			require.ErrorIs(t, err, ErrWrongTokenType)
			require.ErrorIs(t, err, ErrUnauthorized)
		}
		assert.Equal(t, 3, env.srv.Requests(http.MethodGet, "/contacts/c1"), "3 calls: 3 requests")
		assert.Zero(t, env.srv.RefreshCount(), "3 calls: 0 refreshes")
		assert.Equal(t, company.RefreshToken, mustLoad(t, store, companyID).RefreshToken)
	})
	t.Run("minting with an agency token without oauth.write", func(t *testing.T) {
		env := newOAuthEnv(t, contactScopes)
		store := NewMemoryTokenStore()
		company := env.install(t, store, testOAuthLoc, UserTypeCompany)
		companyID := TokenInfoOf(company).CompanyID
		clients, err := env.app.AgencyLocationClients(store, companyID)
		require.NoError(t, err)
		client, err := clients.Client(testOAuthLoc)
		require.NoError(t, err)
		_, _, err = client.Contacts.Get(context.Background(), "c1")
		var te *TokenError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, GrantLocationToken, te.Grant)
		require.ErrorIs(t, err, ErrInsufficientScope)
		assert.Equal(t, 1, env.srv.Requests(http.MethodPost, "/oauth/locationToken"), "minted once")
		assert.Zero(t, env.srv.RefreshCount(), "the agency token is not renewed")
		assert.Equal(t, company.RefreshToken, mustLoad(t, store, companyID).RefreshToken)
	})
}
