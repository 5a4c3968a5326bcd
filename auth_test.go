package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const (
	testClientID     = "test-client-id-4242"
	testClientSecret = "test-client-secret-0123456789"
	testOAuthLoc     = "loc-oauth-1"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a slog handler.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sentTokenRequest is one request the app sent to a token endpoint.
type sentTokenRequest struct {
	Method, Path string
	Header       http.Header
	Form         url.Values
	Status       int
}

// tokenRecorder is the transport of the app's base client. It records the token requests
// and every token the server handed out, and passes API calls through (or refuses them, as
// GHL refuses a token it does not accept).
type tokenRecorder struct {
	next http.RoundTripper
	// refuseAPI answers every API call 401, whatever its token.
	refuseAPI atomic.Bool
	// dropTokenAnswers loses the answers of that many token requests after the server acted
	// on them, as a connection that breaks on the way back does.
	dropTokenAnswers atomic.Int32
	// failTokenRequests answers that many token requests 503 without passing them on, as a
	// proxy in front of a GHL that is down does.
	failTokenRequests atomic.Int32

	mu      sync.Mutex
	reqs    []sentTokenRequest
	secrets map[string]bool
	issued  []string // the refresh tokens the server handed out, in order
	// gate, when set, makes refresh requests wait for it to close after closing entered.
	gate    chan struct{}
	entered chan struct{}
}

func (rec *tokenRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.Path, "/oauth/") {
		if rec.refuseAPI.Load() {
			if r.Body != nil {
				r.Body.Close()
			}
			return &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized", Request: r,
				Header: http.Header{"Content-Type": {"application/json"}},
				Body:   io.NopCloser(strings.NewReader(`{"statusCode":401,"message":"Invalid JWT"}`))}, nil
		}
		return rec.next.RoundTrip(r)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	form, _ := url.ParseQuery(string(body))
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	gate, entered := rec.gate, rec.entered
	rec.mu.Unlock()
	if gate != nil && form.Get("grant_type") == "refresh_token" {
		close(entered)
		<-gate
	}
	if rec.failTokenRequests.Add(-1) >= 0 {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, sentTokenRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form, Status: 503})
		rec.mu.Unlock()
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Request: r,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("upstream unavailable"))}, nil
	}
	resp, err := rec.next.RoundTrip(r2)
	sent := sentTokenRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Form: form}
	if resp != nil {
		sent.Status = resp.StatusCode
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			rec.mu.Lock()
			for _, k := range []string{"access_token", "refresh_token"} {
				if s, ok := m[k].(string); ok && s != "" {
					rec.secrets[s] = true
				}
			}
			if s, ok := m["refresh_token"].(string); ok && s != "" {
				rec.issued = append(rec.issued, s)
			}
			rec.mu.Unlock()
		}
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, sent)
	for _, k := range []string{"refresh_token", "client_secret", "code"} {
		if v := form.Get(k); v != "" {
			rec.secrets[v] = true
		}
	}
	rec.mu.Unlock()
	if err == nil && rec.dropTokenAnswers.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, err
}

func (rec *tokenRecorder) requests() []sentTokenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]sentTokenRequest(nil), rec.reqs...)
}

// lastIssued returns the last refresh token the server handed out.
func (rec *tokenRecorder) lastIssued() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.issued) == 0 {
		return ""
	}
	return rec.issued[len(rec.issued)-1]
}

func (rec *tokenRecorder) allSecrets() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for s := range rec.secrets {
		out = append(out, s)
	}
	return out
}

// testNoLimit admits everything, so tests that send hundreds of requests are not paced by
// the default limiter's window.
type testNoLimit struct{}

func (testNoLimit) Wait(ctx context.Context, _ string) error { return ctx.Err() }
func (testNoLimit) Observe(string, Observation)              {}

// oauthEnv is a ghltest server with the OAuth endpoints and an app pointed at it.
type oauthEnv struct {
	srv  *ghltest.Server
	base *Client // the app's base client
	app  *OAuthApp
	rec  *tokenRecorder
	logs *syncBuffer
	obs  *refreshObserver
	// offset moves the app's clock forward, so tokens it holds expire without waiting.
	offset atomic.Int64
	// reuses is how many refresh tokens the test expects the server to see presented twice.
	reuses int
}

// advance moves the app's clock by d.
func (env *oauthEnv) advance(d time.Duration) { env.offset.Add(int64(d)) }

type refreshObserver struct {
	NopObserver
	mu    sync.Mutex
	infos []TokenRefreshInfo
}

func (o *refreshObserver) OnTokenRefresh(_ context.Context, info TokenRefreshInfo) {
	o.mu.Lock()
	o.infos = append(o.infos, info)
	o.mu.Unlock()
}

func (o *refreshObserver) all() []TokenRefreshInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]TokenRefreshInfo(nil), o.infos...)
}

// newOAuthEnv starts the server and makes the app. Every test using it asserts, when it
// ends, that the server saw no refresh token presented twice.
func newOAuthEnv(t *testing.T, srvOpts ...ghltest.ServerOption) *oauthEnv {
	t.Helper()
	srv := ghltest.NewServer(append([]ghltest.ServerOption{
		ghltest.WithOAuthApp(testClientID, testClientSecret),
		ghltest.WithLocation(testOAuthLoc, "pit-unused-in-oauth-tests"),
	}, srvOpts...)...)
	t.Cleanup(srv.Close)
	env := &oauthEnv{
		srv:  srv,
		rec:  &tokenRecorder{next: http.DefaultTransport, secrets: map[string]bool{}},
		logs: &syncBuffer{},
		obs:  &refreshObserver{},
	}
	t.Cleanup(func() {
		assert.Equal(t, env.reuses, srv.RefreshTokenReuses(), "refresh tokens the server saw presented twice")
	})
	base, err := NewClient(WithBaseURL(srv.URL), WithHTTPClient(&http.Client{Transport: env.rec}),
		WithRateLimiter(testNoLimit{}), WithMaxRetries(0), WithObserver(env.obs),
		WithLogger(slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	app, err := NewOAuthApp(OAuthConfig{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURL:  "https://app.example.com/oauth/callback",
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		Client:       base,
	})
	require.NoError(t, err)
	app.now = func() time.Time { return time.Now().Add(time.Duration(env.offset.Load())) }
	env.base, env.app = base, app
	return env
}

// newApp returns an app whose token requests go to baseURL.
func newApp(t *testing.T, baseURL, clientSecret string, opts ...Option) *OAuthApp {
	t.Helper()
	base, err := NewClient(append([]Option{WithBaseURL(baseURL)}, opts...)...)
	require.NoError(t, err)
	app, err := NewOAuthApp(OAuthConfig{ClientID: testClientID, ClientSecret: clientSecret, Client: base})
	require.NoError(t, err)
	return app
}

// newMinting returns the source of locationID's tokens minted from company.
func newMinting(a *OAuthApp, company oauth2.TokenSource, companyID, locationID string, store TokenStore) *mintingSource {
	return &mintingSource{agency: &agency{binding: binding{app: a, store: store}, company: company, companyID: companyID}, locationID: locationID}
}

// install runs the install flow for loc and saves the pair in store.
func (env *oauthEnv) install(t *testing.T, store TokenStore, loc string, ut UserType) *oauth2.Token {
	t.Helper()
	tok, err := env.app.ExchangeAndSave(context.Background(), store, env.srv.AuthorizationCode(loc), ut)
	require.NoError(t, err)
	return tok
}

// client returns a client of loc, derived from the app's base client, whose tokens come from ts.
func (env *oauthEnv) client(t *testing.T, ts oauth2.TokenSource, loc string) *Client {
	t.Helper()
	c, err := env.base.forLocation(loc, ts)
	require.NoError(t, err)
	return c
}

// clientOf returns the client of loc from the app's LocationClients over store.
func (env *oauthEnv) clientOf(t *testing.T, store TokenStore, loc string) *Client {
	t.Helper()
	clients, err := env.app.LocationClients(store)
	require.NoError(t, err)
	c, err := clients.Client(loc)
	require.NoError(t, err)
	return c
}

// backdate makes the stored token of key look expired to the client.
func backdate(t *testing.T, store TokenStore, key string) *oauth2.Token {
	t.Helper()
	tok, err := store.Load(context.Background(), key)
	require.NoError(t, err)
	tok.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(context.Background(), key, tok))
	return tok
}

func mustLoad(t *testing.T, store TokenStore, key string) *oauth2.Token {
	t.Helper()
	tok, err := store.Load(context.Background(), key)
	require.NoError(t, err)
	return tok
}

func createContact(t *testing.T, c *Client) string {
	t.Helper()
	ct, _, err := c.Contacts.Create(context.Background(), &ContactCreateRequest{FirstName: "Ada", Email: fmt.Sprintf("ada-%d@example.com", time.Now().UnixNano())})
	require.NoError(t, err)
	return ct.ID
}

func TestAuthCodeURL(t *testing.T) {
	app, err := NewOAuthApp(OAuthConfig{ClientID: "cid", ClientSecret: "secret", RedirectURL: "https://x.example/cb", Scopes: []string{"contacts.readonly", "contacts.write"}})
	require.NoError(t, err)
	u, err := url.Parse(app.AuthCodeURL("st8"))
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.Equal(t, "marketplace.gohighlevel.com", u.Host)
	assert.Equal(t, "/v2/oauth/chooselocation", u.Path)
	assert.Equal(t, url.Values{
		"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {"https://x.example/cb"},
		"scope": {"contacts.readonly contacts.write"}, "state": {"st8"},
	}, u.Query())
	assert.NotContains(t, app.AuthCodeURL(""), "state=")

	wl, err := NewOAuthApp(OAuthConfig{ClientID: "cid", ClientSecret: "secret", AuthURL: "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(wl.AuthCodeURL(""), "https://marketplace.leadconnectorhq.com/v2/oauth/chooselocation?"))

	// Without a base client, token requests go to GHL's API host.
	assert.Equal(t, "https://services.leadconnectorhq.com/oauth/token", app.baseURL+tokenPath)
	assert.Equal(t, oauth2.AuthStyleInParams, app.conf.Endpoint.AuthStyle)
}

// The app takes its transport, host, logger and observer from its base client.
func TestOAuthAppUsesBaseClient(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-from-base-1234","refresh_token":"rt-from-base-1234","expires_in":86399,"userType":"Location","locationId":"L1"}`)
	}))
	defer srv.Close()
	var viaTransport atomic.Int32
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		viaTransport.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})
	logs := &syncBuffer{}
	obs := &refreshObserver{}
	base, err := NewClient(WithBaseURL(srv.URL+"/prefix"), WithHTTPClient(&http.Client{Transport: transport}),
		WithLogger(slog.New(slog.NewTextHandler(logs, nil))), WithObserver(obs))
	require.NoError(t, err)
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "secret-s-123", Client: base})
	require.NoError(t, err)
	_, err = app.ExchangeAndSave(context.Background(), NewMemoryTokenStore(), "code-1234567890", UserTypeLocation)
	require.NoError(t, err)
	assert.Equal(t, []string{"POST /prefix/oauth/token"}, got)
	assert.Equal(t, int32(1), viaTransport.Load())
	assert.Contains(t, logs.String(), `msg="ghl: app installed" key=L1`)
	require.Len(t, obs.all(), 1)
	assert.Equal(t, GrantAuthorizationCode, obs.all()[0].Kind)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewOAuthAppRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]OAuthConfig{
		"ClientID":      {ClientSecret: "s"},
		"ClientSecret":  {ClientID: "c"},
		"RefreshMargin": {ClientID: "c", ClientSecret: "s", RefreshMargin: -1},
		"AuthURL":       {ClientID: "c", ClientSecret: "s", AuthURL: "/relative"},
	} {
		_, err := NewOAuthApp(cfg)
		var ipe *InvalidParamError
		require.ErrorAs(t, err, &ipe, name)
		assert.Equal(t, name, ipe.Param)
	}
}

func TestExchangeLocationAndCompany(t *testing.T) {
	env := newOAuthEnv(t)
	ctx := context.Background()

	tok, err := env.app.exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.NotEmpty(t, tok.RefreshToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.WithinDuration(t, time.Now().Add(86399*time.Second), tok.Expiry, time.Minute)
	info := TokenInfoOf(tok)
	assert.Equal(t, TokenInfo{
		UserType: UserTypeLocation, LocationID: testOAuthLoc, CompanyID: ghltest.DefaultCompanyID,
		UserID: ghltest.DefaultUserID, Scope: ghltest.DefaultScope,
	}, info)
	assert.Equal(t, testOAuthLoc, info.Key())
	assert.Contains(t, strings.Fields(info.Scope), "contacts.write")

	reqs := env.rec.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST /oauth/token", r.Method+" "+r.Path)
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Empty(t, r.Header.Get("Authorization"), "credentials go in the form body")
	assert.Equal(t, url.Values{
		"grant_type": {"authorization_code"}, "code": {r.Form.Get("code")}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "user_type": {"Location"}, "redirect_uri": {"https://app.example.com/oauth/callback"},
	}, r.Form)

	ctok, err := env.app.exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeCompany)
	require.NoError(t, err)
	cinfo := TokenInfoOf(ctok)
	assert.Equal(t, UserTypeCompany, cinfo.UserType)
	assert.Empty(t, cinfo.LocationID)
	assert.Equal(t, []string{testOAuthLoc}, cinfo.ApprovedLocations)
	assert.Equal(t, ghltest.DefaultCompanyID, cinfo.Key())

	infos := env.obs.all()
	require.Len(t, infos, 2)
	assert.Equal(t, TokenRefreshInfo{Key: testOAuthLoc, Kind: GrantAuthorizationCode, Duration: infos[0].Duration}, infos[0])
}

func TestExchangeErrors(t *testing.T) {
	env := newOAuthEnv(t)
	ctx := context.Background()
	code := env.srv.AuthorizationCode(testOAuthLoc)
	_, err := env.app.exchange(ctx, code, UserTypeLocation)
	require.NoError(t, err)

	_, err = env.app.exchange(ctx, code, UserTypeLocation) // codes are single-use
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, GrantAuthorizationCode, te.Grant)
	require.NotNil(t, te.API)
	assert.Equal(t, 400, te.API.StatusCode)
	assert.Equal(t, "invalid_grant", te.API.ErrorType)
	assert.Nil(t, te.API.Response.Request, "the error must not keep the request, whose body holds the secret")
	assert.NotContains(t, err.Error(), code)

	n := len(env.rec.requests())
	_, err = env.app.exchange(ctx, "", UserTypeLocation)
	var ipe *InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "code", ipe.Param)
	_, err = env.app.exchange(ctx, "abc", "Agency")
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "userType", ipe.Param)
	_, err = env.app.ExchangeAndSave(ctx, nil, "abc", UserTypeLocation)
	require.ErrorAs(t, err, &ipe)
	var nilCtx context.Context
	_, err = env.app.ExchangeAndSave(nilCtx, NewMemoryTokenStore(), "abc", UserTypeLocation)
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "ctx", ipe.Param)
	assert.Len(t, env.rec.requests(), n, "bad input must send nothing")

	bad := newApp(t, env.srv.URL, "wrong-secret-xyz")
	_, err = bad.exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.NotErrorIs(t, err, ErrReauthorizationRequired)
}

func TestLocationClients(t *testing.T) {
	env := newOAuthEnv(t, ghltest.WithLocation("loc-oauth-2", "pit-2-unused"))
	store := NewMemoryTokenStore()
	t1 := env.install(t, store, testOAuthLoc, UserTypeLocation)
	t2 := env.install(t, store, "loc-oauth-2", UserTypeLocation)
	base := env.base
	clients, err := env.app.LocationClients(store)
	require.NoError(t, err)

	c1, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	c2, err := clients.Client("loc-oauth-2")
	require.NoError(t, err)
	assert.Same(t, base.cfg, c1.cfg, "shares transport, limiter and settings")
	assert.Same(t, base.cfg, c2.cfg)
	assert.Equal(t, testOAuthLoc, c1.LocationID())
	c1again, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	assert.Same(t, c1.tokenSource, c1again.tokenSource, "token sources are cached")

	tok1, err := c1.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, t1.AccessToken, tok1.AccessToken)
	tok2, err := c2.token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, t2.AccessToken, tok2.AccessToken)
	createContact(t, c1)
	createContact(t, c2)

	_, err = clients.Client("")
	require.ErrorIs(t, err, ErrInvalidParam)
	_, err = env.app.LocationClients(nil)
	var ipe *InvalidParamError
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "store", ipe.Param)
	_, err = env.app.AgencyLocationClients(nil, ghltest.DefaultCompanyID)
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "store", ipe.Param)
	_, err = env.app.AgencyLocationClients(store, "")
	require.ErrorAs(t, err, &ipe)
	assert.Equal(t, "companyID", ipe.Param)

	allocs := testing.AllocsPerRun(100, func() { _, _ = clients.Client(testOAuthLoc) })
	assert.LessOrEqual(t, allocs, 1.0)
}

func BenchmarkLocationClients(b *testing.B) {
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "s"})
	if err != nil {
		b.Fatal(err)
	}
	clients, err := app.LocationClients(NewMemoryTokenStore())
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("location-%04d", i)
		if _, err := clients.Client(ids[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := clients.Client(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// Every log line and error string of the OAuth flows is free of tokens and secrets.
func TestOAuthNoSecretsInLogsOrErrors(t *testing.T) {
	env := newOAuthEnv(t)
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	ctx := context.Background()

	// Exchange, then a failed exchange (reused code).
	store := &failingStore{TokenStore: NewMemoryTokenStore()}
	code := env.srv.AuthorizationCode(testOAuthLoc)
	_, err := env.app.ExchangeAndSave(ctx, store, code, UserTypeLocation)
	require.NoError(t, err)
	_, err = env.app.exchange(ctx, code, UserTypeLocation)
	require.Error(t, err)
	keep(err)
	// A failed save after an exchange.
	store.failSaves.Store(1)
	_, err = env.app.ExchangeAndSave(ctx, store, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.Error(t, err)
	keep(err)

	client := env.client(t, env.app.tokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)

	// Refresh after expiry, and after a 401 (of a token older than the cool-down).
	env.advance(24 * time.Hour)
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)
	env.advance(time.Minute)
	env.srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)

	// A failed save of a refreshed pair (the store's own error quotes the token), then its retry.
	env.advance(24 * time.Hour)
	store.failSaves.Store(1)
	_, _, err = client.Contacts.Get(ctx, id)
	require.Error(t, err)
	keep(err)
	_, _, err = client.Contacts.Get(ctx, id)
	require.NoError(t, err)

	// Inactive location.
	env.advance(24 * time.Hour)
	env.srv.SetLocationActive(testOAuthLoc, false)
	_, _, err = client.Contacts.Get(ctx, id)
	require.ErrorIs(t, err, ErrLocationInactive)
	keep(err)
	env.srv.SetLocationActive(testOAuthLoc, true)

	// Refused refresh token, and a 401 that cannot be cured.
	env.srv.RevokeTokens(testOAuthLoc)
	_, _, err = client.Contacts.Get(ctx, id)
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	keep(err)

	// Minting with a refused agency token.
	lts := newMinting(env.app, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-token-not-valid-123"}), ghltest.DefaultCompanyID, testOAuthLoc, nil)
	_, err = lts.Token()
	require.ErrorIs(t, err, ErrUnauthorized)
	keep(err)

	// Wrong client secret.
	bad := newApp(t, env.srv.URL, "wrong-client-secret-42", WithLogger(slog.New(slog.NewJSONHandler(env.logs, nil))))
	_, err = bad.exchange(ctx, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.Error(t, err)
	keep(err)

	secrets := append(env.rec.allSecrets(), testClientSecret, "wrong-client-secret-42", "agency-token-not-valid-123")
	require.Greater(t, len(secrets), 8)
	logs := env.logs.String()
	require.Contains(t, logs, "ghl: token obtained")
	require.Contains(t, logs, "ghl: token request failed")
	require.Contains(t, logs, "ghl: saving the new token of")
	require.Len(t, errs, 7)
	for _, s := range secrets {
		assert.NotContains(t, logs, s, "a log line holds a secret")
		for _, e := range errs {
			assert.NotContains(t, e.Error(), s, "an error holds a secret")
			assert.NotContains(t, fmt.Sprintf("%+v", e), s)
			var apiErr *APIError
			if errors.As(e, &apiErr) {
				assert.NotContains(t, string(apiErr.Body), s)
			}
		}
	}
}

// Token requests carry the client secret and refresh token: they never follow a redirect to
// another host.
func TestTokenRequestsRefuseCrossHostRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	app := newApp(t, srv.URL, "secret-s-123", WithHTTPClient(&http.Client{}))
	store := NewMemoryTokenStore()
	require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-expired-1", RefreshToken: "rt-1234567890", Expiry: time.Now().Add(-time.Hour)}))
	_, err := app.tokenSource(store, "L").Token()
	require.ErrorContains(t, err, "refused redirect to another host")
	_, err = app.exchange(context.Background(), "code-123456789", UserTypeLocation)
	require.ErrorContains(t, err, "refused redirect to another host")
	lts := newMinting(app, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-at-123456"}), "C", "L", nil)
	_, err = lts.Token()
	require.ErrorContains(t, err, "refused redirect to another host")
	assert.Zero(t, elsewhere.Load())
}

// heapBytes returns the bytes of live heap objects after a collection.
func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// What the app and its per-location clients keep for a location is dropped once nobody has
// used it for idleStateTTL, except a key with a renewal in flight or a pair not yet saved.
func TestPerLocationStateIsBounded(t *testing.T) {
	n := 200_000
	if raceEnabled || testing.Short() {
		n = 20_000
	}
	app, err := NewOAuthApp(OAuthConfig{ClientID: "c", ClientSecret: "s"})
	require.NoError(t, err)
	var offset atomic.Int64
	app.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	clients, err := app.LocationClients(NewMemoryTokenStore())
	require.NoError(t, err)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("location-%07d-abcdefghijkl", i)
	}
	ctx := context.Background()

	h0 := heapBytes()
	for _, id := range ids {
		c, err := clients.Client(id)
		require.NoError(t, err)
		_, err = c.token(ctx)
		require.ErrorIs(t, err, ErrTokenNotFound)
	}
	h1 := heapBytes()
	assert.Equal(t, n, clients.sources.len())
	assert.Equal(t, n, app.refreshing.len())

	// Two keys that must stay: a pair not yet saved, and a renewal in flight.
	now := app.now()
	pending := app.refreshing.acquire(ids[0], now, newTokenState)
	pending.mu.Lock()
	pending.pending = &oauth2.Token{AccessToken: "at-pending-1234", RefreshToken: "rt-pending-1234"}
	pending.mu.Unlock()
	pending.release()
	inFlight := app.refreshing.acquire(ids[1], now, newTokenState)
	inFlight.mu.Lock()
	inFlight.flight = &flight{done: make(chan struct{})}
	inFlight.mu.Unlock()
	inFlight.release()
	held := app.refreshing.acquire(ids[2], now, newTokenState) // in use by a caller

	offset.Add(int64(idleStateTTL + time.Second))
	c, err := clients.Client("location-active") // sweeps the cached clients
	require.NoError(t, err)
	_, err = c.token(ctx) // sweeps the app's token states
	require.ErrorIs(t, err, ErrTokenNotFound)
	h2 := heapBytes()
	assert.Equal(t, 1, clients.sources.len())
	assert.Equal(t, 4, app.refreshing.len(), "the active key, the pending pair, the renewal in flight, the key in use")
	for _, id := range ids[:3] {
		app.refreshing.mu.RLock()
		_, ok := app.refreshing.m[id]
		app.refreshing.mu.RUnlock()
		assert.True(t, ok, id)
	}
	held.release()
	t.Logf("%d location IDs: %d bytes while in use, %d bytes an hour after their last use", n, h1-h0, int64(h2)-int64(h0))
	if !raceEnabled {
		assert.Less(t, int64(h2)-int64(h0), int64(n)*8, "at most a few bytes per forgotten location")
	}
	runtime.KeepAlive(ids)
}
