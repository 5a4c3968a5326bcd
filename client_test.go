package ghl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestNewClientValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"unparsable base URL", WithBaseURL("http://[::1"), "ghl: invalid base URL"},
		{"base URL without scheme", WithBaseURL("services.leadconnectorhq.com"), "scheme must be http or https"},
		{"base URL with ftp scheme", WithBaseURL("ftp://x.example"), "scheme must be http or https"},
		{"base URL without host", WithBaseURL("https://"), "no host"},
		{"base URL with query", WithBaseURL("https://x.example/?a=1"), "must not carry a query"},
		{"base URL with user info", WithBaseURL("https://u:p@x.example"), "must not carry a query, fragment or user info"},
		{"nil HTTP client", WithHTTPClient(nil), "nil *http.Client"},
		{"empty token", WithAccessToken(" "), "empty token"},
		{"nil token source", WithTokenSource(nil), "nil token source"},
		{"negative retries", WithMaxRetries(-1), "-1 is negative"},
		{"nil limiter", WithRateLimiter(nil), "nil limiter"},
		{"nil logger", WithLogger(nil), "nil logger"},
		{"user agent with newline", WithUserAgent("a\r\nX-Evil: 1"), "line break"},
		{"empty API version", WithAPIVersion(""), "invalid version"},
		{"empty location", WithLocationID(""), "invalid locationID"},
		{"nil observer", WithObserver(nil), "nil observer"},
		{"bad retry policy", WithRetryPolicy(RetryPolicy{}), "invalid RetryPolicy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opt)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestClientHeadersAndVersionOverride(t *testing.T) {
	client, mux := setup(t, WithUserAgent("linkedphone/2.3"), WithAPIVersion("2021-04-15"))
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "ghl-go/"+sdkVersion+" linkedphone/2.3", r.Header.Get("User-Agent"))
		assert.Equal(t, "2021-04-15", r.Header.Get("Version"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"abc"}}`)
	})
	_, _, err := client.Contacts.Get(context.Background(), "abc")
	require.NoError(t, err)
}

func TestClientRefusesCrossHostRedirects(t *testing.T) {
	var leaked sync.Map
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store("auth", r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"stolen"}}`)
	}))
	defer other.Close()
	client, mux := setup(t)
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/contacts/abc", http.StatusFound)
	})
	mux.HandleFunc("/contacts/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, testBasePath+"/contacts/target", http.StatusFound)
	})
	mux.HandleFunc("/contacts/target", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"target"}}`)
	})
	_, _, err := client.Contacts.Get(context.Background(), "abc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused redirect to another host")
	_, ok := leaked.Load("auth")
	assert.False(t, ok, "the other host must not be contacted")

	c, _, err := client.Contacts.Get(context.Background(), "same")
	require.NoError(t, err, "a redirect on the same host is followed")
	assert.Equal(t, "target", c.ID)
}

func TestWithHTTPClientIsCopied(t *testing.T) {
	hc := &http.Client{}
	_, err := NewClient(WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Nil(t, hc.Transport, "the caller's client is not modified")
	assert.Nil(t, hc.CheckRedirect)
}

func TestDecodeErrorKeepsBody(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"contact":{"id":12}}`)
	})
	_, resp, err := client.Contacts.Get(context.Background(), "abc")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"contact":{"id":12}}`, string(de.Body))
	assert.Equal(t, "/contacts/{contactId}", de.Route)
}

func TestNilContextIsRejected(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Error("nothing may be sent") })
	//lint:ignore SA1012 the test checks that a nil context is refused
	_, _, err := client.Contacts.Get(nil, "abc") //nolint:staticcheck
	require.EqualError(t, err, "ghl: nil context")
}

// countingSource hands out a new token on every call, so each attempt's token is visible.
type countingSource struct {
	mu          sync.Mutex
	n           int
	invalidated []string
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("token-number-%d", s.n)}, nil
}

// issued returns every token the source handed out.
func (s *countingSource) issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, s.n)
	for i := range out {
		out[i] = fmt.Sprintf("token-number-%d", i+1)
	}
	return out
}

func (s *countingSource) InvalidateToken(_ context.Context, rejected *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, rejected.AccessToken)
	return nil
}

func TestEachAttemptTakesAFreshTokenAndRebuildsTheBody(t *testing.T) {
	ts := &countingSource{}
	client, mux := setup(t, WithTokenSource(ts), WithMaxRetries(2), WithRetryPolicy(RetryPolicy{MinWait: 1e6, MaxWait: 2e6}))
	var auths, bodies []string
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auths = append(auths, r.Header.Get("Authorization"))
		bodies = append(bodies, string(b))
		if len(auths) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"contact":{"id":"abc","city":"Porto"}}`)
	})
	c, _, err := client.Contacts.Update(context.Background(), "abc", &ContactUpdateRequest{City: "Porto"})
	require.NoError(t, err)
	assert.Equal(t, "Porto", c.City)
	assert.Equal(t, []string{"Bearer token-number-1", "Bearer token-number-2", "Bearer token-number-3"}, auths)
	assert.Equal(t, []string{`{"city":"Porto"}`, `{"city":"Porto"}`, `{"city":"Porto"}`}, bodies)
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	ts := &countingSource{}
	client, mux := setup(t, WithTokenSource(ts))
	var auths []string
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, `{"city":"Faro"}`, string(b))
		if r.Header.Get("Authorization") == "Bearer token-number-1" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`)
			return
		}
		fmt.Fprint(w, `{"contact":{"id":"abc"}}`)
	})
	_, _, err := client.Contacts.Update(context.Background(), "abc", &ContactUpdateRequest{City: "Faro"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer token-number-1", "Bearer token-number-2"}, auths)
	assert.Equal(t, []string{"token-number-1"}, ts.invalidated)

	// A second 401 in the same call is returned, not refreshed again.
	mux.HandleFunc("/contacts/always401", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`)
	})
	_, _, err = client.Contacts.Get(context.Background(), "always401")
	assert.True(t, errors.Is(err, ErrUnauthorized))
	assert.Len(t, ts.invalidated, 2)
}

func TestForLocationSharesConfig(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/upsert", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		assert.True(t, strings.Contains(string(b), `"locationId":"loc-2"`), string(b))
		fmt.Fprint(w, `{"new":true,"contact":{"id":"c"}}`)
	})
	other, err := client.ForLocation("loc-2", nil)
	require.NoError(t, err)
	assert.Equal(t, "loc-2", other.LocationID())
	assert.Same(t, client.cfg, other.cfg)
	_, _, err = other.Contacts.Upsert(context.Background(), &ContactUpsertRequest{Email: "a@b.co"})
	require.NoError(t, err)
	_, err = client.ForLocation("", nil)
	var pe *InvalidParamError
	require.ErrorAs(t, err, &pe)
}

func TestClientWithoutCredentialsSendsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("nothing may be sent: %s %s", r.Method, r.URL)
	}))
	defer srv.Close()
	base, err := NewClient(WithBaseURL(srv.URL), WithLocationID("loc-1"))
	require.NoError(t, err)
	_, _, err = base.Contacts.Get(context.Background(), "abc")
	require.ErrorIs(t, err, ErrNoCredentials)

	// A per-location client with a token of its own works from the same base.
	withToken, err := base.ForLocation("loc-2", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}))
	require.NoError(t, err)
	_, err = withToken.Contacts.Delete(context.Background(), "")
	var pe *InvalidParamError
	require.ErrorAs(t, err, &pe, "checks still come first")
}

func TestDoReachesOtherEndpoints(t *testing.T) {
	client, mux := setup(t, WithAPIVersion("2021-04-15"))
	mux.HandleFunc("/calendars/events/appointments/ev%2F1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		assert.Equal(t, "/calendars/events/appointments/ev%2F1", r.URL.EscapedPath())
		assert.Equal(t, "2021-04-15", r.Header.Get("Version"))
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Equal(t, "notify=true", r.URL.RawQuery)
		b, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"title":"Demo"}`, string(b))
		fmt.Fprint(w, `{"id":"ev/1","title":"Demo"}`)
	})
	var out struct{ ID, Title string }
	resp, err := client.Do(context.Background(), &RawRequest{
		Method: http.MethodPut, Path: "/calendars/events/appointments/" + url.PathEscape("ev/1"),
		Route: "/calendars/events/appointments/{eventId}", Query: url.Values{"notify": {"true"}},
		Body: map[string]string{"title": "Demo"},
	}, &out)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ev/1", out.ID)

	for _, bad := range []*RawRequest{nil, {Method: "", Path: "/x"}, {Method: "GET", Path: "x"}, {Method: "GET", Path: "/a/../b"}, {Method: "GET", Path: "/a?b=1"}} {
		_, err := client.Do(context.Background(), bad, nil)
		assert.ErrorIs(t, err, ErrInvalidParam, "%+v", bad)
	}
}
