package ghl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The error values of the token paths and of webhooks, each made by its real flow, for the
// walk of TestNoSecretReachableFromErrors.

// oauthSecrets is every token, code and secret the fake's OAuth endpoints and the app saw.
func oauthSecrets(env *oauthEnv, extra ...string) []string {
	return append(append(env.rec.allSecrets(), testClientSecret), extra...)
}

// installedClient installs testOAuthLoc into store and returns the client of its tokens, with
// the app's clock a day ahead, so the next call refreshes.
func installedClient(t *testing.T, env *oauthEnv, store TokenStore) *Client {
	t.Helper()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	c := env.clientOf(t, store, testOAuthLoc)
	env.advance(24 * time.Hour)
	return c
}

// leakyTransport fails every request with an error that quotes the request: its
// Authorization header and its body (a careless proxy or tracing wrapper).
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	return nil, fmt.Errorf("proxy refused %q with %s", r.Header.Get("Authorization"), body)
}

// leakyLocker is a store whose lock, once armed, fails with an error that quotes the stored
// pair.
type leakyLocker struct {
	TokenStore
	armed atomic.Bool
}

func (s *leakyLocker) Lock(ctx context.Context, key string) (func(context.Context) error, error) {
	if !s.armed.Load() {
		return func(context.Context) error { return nil }, nil
	}
	tok, err := s.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("lock of %s held by %s", tok.RefreshToken, tok.AccessToken)
}

func authErrorCases() []errorCase {
	ctx := context.Background()
	return []errorCase{
		{"TokenError: a reused authorization code", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			store := NewMemoryTokenStore()
			code := env.srv.AuthorizationCode(testOAuthLoc)
			_, err := env.app.ExchangeAndSave(ctx, store, code, UserTypeLocation)
			require.NoError(t, err)
			_, err = env.app.ExchangeAndSave(ctx, store, code, UserTypeLocation)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.Equal(t, GrantAuthorizationCode, te.Grant)
			return flowResult{err, nil, oauthSecrets(env, code)}
		}},
		{"TokenError: a refused refresh token", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			c := installedClient(t, env, NewMemoryTokenStore())
			env.srv.RevokeTokens(testOAuthLoc)
			_, resp, err := c.Contacts.Get(ctx, "c1")
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.ErrorIs(t, err, ErrReauthorizationRequired)
			return flowResult{err, resp, oauthSecrets(env)}
		}},
		{"TokenError: minting with a refused agency token", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			agency := "agency-token-not-valid-123"
			lts := newMinting(env.app, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: agency}), ghltest.DefaultCompanyID, testOAuthLoc, nil)
			_, resp, err := env.client(t, lts, testOAuthLoc).Contacts.Get(ctx, "c1")
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.Equal(t, GrantLocationToken, te.Grant)
			require.ErrorIs(t, err, ErrUnauthorized)
			return flowResult{err, resp, oauthSecrets(env, agency)}
		}},
		{"TokenError: a transport failure quoting the request", func(t *testing.T) flowResult {
			app := newApp(t, "https://ghl.invalid", testClientSecret, WithHTTPClient(&http.Client{Transport: leakyTransport{}}), WithMaxRetries(0))
			code := "code-quoted-by-the-proxy-42"
			_, err := app.ExchangeAndSave(ctx, NewMemoryTokenStore(), code, UserTypeLocation)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.Nil(t, te.API)
			require.Contains(t, err.Error(), "proxy refused")
			return flowResult{err, nil, []string{testClientSecret, code}}
		}},
		{"RefreshOutcomeUnknownError", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			c := installedClient(t, env, NewMemoryTokenStore())
			env.rec.dropTokenAnswers.Store(1)
			_, resp, err := c.Contacts.Get(ctx, "c1")
			var unknown *RefreshOutcomeUnknownError
			require.ErrorAs(t, err, &unknown)
			return flowResult{err, resp, oauthSecrets(env, env.rec.lastIssued())}
		}},
		{"LocationInactiveError", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			c := installedClient(t, env, NewMemoryTokenStore())
			env.srv.SetLocationActive(testOAuthLoc, false)
			_, resp, err := c.Contacts.Get(ctx, "c1")
			var inactive *LocationInactiveError
			require.ErrorAs(t, err, &inactive)
			return flowResult{err, resp, oauthSecrets(env)}
		}},
		{"TokenSaveError: the store's error quotes the token", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			store := &failingStore{TokenStore: NewMemoryTokenStore()}
			c := installedClient(t, env, store)
			store.failSaves.Store(1)
			_, resp, err := c.Contacts.Get(ctx, "c1")
			var serr *TokenSaveError
			require.ErrorAs(t, err, &serr)
			require.Contains(t, err.Error(), "disk full while writing "+redacted)
			return flowResult{err, resp, oauthSecrets(env)}
		}},
		{"lock error quoting the stored pair", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			store := &leakyLocker{TokenStore: NewMemoryTokenStore()}
			c := installedClient(t, env, store)
			store.armed.Store(true)
			_, resp, err := c.Contacts.Get(ctx, "c1")
			require.ErrorContains(t, err, `ghl: locking the token of "loc-oauth-1": lock of `+redacted+` held by `+redacted)
			return flowResult{err, resp, oauthSecrets(env)}
		}},
		{"InvalidParamError: a nil context", func(t *testing.T) flowResult {
			env := newOAuthEnv(t)
			store := NewMemoryTokenStore()
			env.install(t, store, testOAuthLoc, UserTypeLocation)
			var nilCtx context.Context
			_, err := env.app.tokenSource(store, testOAuthLoc).TokenContext(nilCtx)
			var ipe *InvalidParamError
			require.ErrorAs(t, err, &ipe)
			return flowResult{err, nil, oauthSecrets(env)}
		}},
	}
}

// webhookFlow is a verifier and its signer, with a replay store that fails on demand.
type webhookFlow struct {
	signer *testSigner
	store  *flakyStore
	obs    *recordingObserver
	v      *WebhookVerifier
	sigs   []string // every signature header value sent
}

func newWebhookFlow(t *testing.T) *webhookFlow {
	f := &webhookFlow{signer: newTestSigner(t), obs: &recordingObserver{},
		store: &flakyStore{ReplayStore: newMemoryReplayStore(func() time.Time { return webhookTestNow }, 100)}}
	f.v = newTestVerifier(t, f.signer, &testClock{now: webhookTestNow}, WithReplayStore(f.store), WithMaxBodyBytes(2048), WithObserver(f.obs))
	return f
}

// header signs body with both of GHL's signatures (or sets sig as the Ed25519 one).
func (f *webhookFlow) header(body []byte, sig string) http.Header {
	if sig == "" {
		sig = f.signer.edSig(body)
	}
	rsaSig := f.signer.rsaSig(body)
	f.sigs = append(f.sigs, sig, rsaSig)
	return http.Header{HeaderGHLSignature: {sig}, headerWHSignature: {rsaSig}}
}

// verify runs Verify on body with its signatures, or with sig as the Ed25519 one.
func (f *webhookFlow) verify(t *testing.T, body []byte, sig string, want error) flowResult {
	_, err := f.v.Verify(context.Background(), f.header(body, sig), body)
	require.ErrorIs(t, err, want)
	return flowResult{err, nil, f.sigs}
}

// handle delivers body to the Handler (req, if set, replaces the signed request) and returns
// the error it reported through WebhookInfo.Err.
func (f *webhookFlow) handle(t *testing.T, body []byte, fn func(context.Context, Event) error, req *http.Request, wantStatus int) flowResult {
	if req == nil {
		req = httptest.NewRequest(http.MethodPost, "/webhooks/ghl", bytes.NewReader(body))
		req.Header = f.header(body, "")
	}
	rec := httptest.NewRecorder()
	f.v.Handler(fn).ServeHTTP(rec, req)
	require.Equal(t, wantStatus, rec.Code)
	f.obs.mu.Lock()
	defer f.obs.mu.Unlock()
	require.NotEmpty(t, f.obs.infos)
	return flowResult{f.obs.infos[len(f.obs.infos)-1].Err, nil, f.sigs}
}

func webhookErrorCases() []errorCase {
	now := webhookTestNow.Format(time.RFC3339)
	body := contactPayload(now, "wh-flow")
	failing := func(context.Context, Event) error { return errors.New("database is down") }
	return []errorCase{
		{"WebhookPayloadError: ParseEvent of {", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			_, err := ParseEvent([]byte("{"))
			require.ErrorIs(t, err, ErrMalformedWebhook)
			f.header([]byte("{"), "") // the signatures it would have come with
			return flowResult{err, nil, f.sigs}
		}},
		{"WebhookPayloadError: a signed body without a webhookId", func(t *testing.T) flowResult {
			return newWebhookFlow(t).verify(t, []byte(`{"type":"ContactCreate","timestamp":"`+now+`"}`), "", ErrMalformedWebhook)
		}},
		{"ErrInvalidSignature: a signature of another body", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			return f.verify(t, body, f.signer.edSig([]byte("another body")), ErrInvalidSignature)
		}},
		{"ErrInvalidSignature: a signature that is not base64", func(t *testing.T) flowResult {
			return newWebhookFlow(t).verify(t, body, "not-base64-signature-value-0123456789!", ErrInvalidSignature)
		}},
		{"ErrStaleWebhook", func(t *testing.T) flowResult {
			return newWebhookFlow(t).verify(t, contactPayload(webhookTestNow.Add(-3*time.Hour).Format(time.RFC3339), "wh-flow"), "", ErrStaleWebhook)
		}},
		{"ErrPayloadTooLarge", func(t *testing.T) flowResult {
			return newWebhookFlow(t).verify(t, append(bytes.Clone(body), bytes.Repeat([]byte(" "), 4096)...), "", ErrPayloadTooLarge)
		}},
		{"replay store error", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			f.store.failProcessed.Store(true)
			return f.verify(t, body, "", errStoreDown)
		}},
		{"Handler: the function failed", func(t *testing.T) flowResult {
			return newWebhookFlow(t).handle(t, body, failing, nil, http.StatusTooManyRequests)
		}},
		{"Handler: the function panicked with the event", func(t *testing.T) flowResult {
			return newWebhookFlow(t).handle(t, body, func(_ context.Context, ev Event) error { panic(ev) }, nil, http.StatusTooManyRequests)
		}},
		{"Handler: the function failed and the claim could not be released", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			f.store.failRelease.Store(true)
			return f.handle(t, body, failing, nil, http.StatusTooManyRequests)
		}},
		{"Handler: a copy in flight", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			ok, err := f.store.Claim(context.Background(), "wh-flow", time.Minute)
			require.NoError(t, err)
			require.True(t, ok)
			return f.handle(t, body, failing, nil, http.StatusTooManyRequests)
		}},
		{"Handler: the replay store failed", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			f.store.failClaim.Store(true)
			return f.handle(t, body, failing, nil, http.StatusTooManyRequests)
		}},
		{"Handler: the body could not be read", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			req := httptest.NewRequest(http.MethodPost, "/webhooks/ghl", io.NopCloser(iotest.ErrReader(errors.New("connection reset"))))
			req.Header = f.header(body, "")
			req.ContentLength = -1
			return f.handle(t, body, failing, req, http.StatusTooManyRequests)
		}},
		{"Handler: an invalid signature", func(t *testing.T) flowResult {
			f := newWebhookFlow(t)
			req := httptest.NewRequest(http.MethodPost, "/webhooks/ghl", bytes.NewReader(body))
			req.Header = f.header(body, f.signer.edSig([]byte(strings.ToUpper(string(body)))))
			return f.handle(t, body, failing, req, http.StatusUnauthorized)
		}},
	}
}

// serviceErrorCases are the services' own error values, from servers that echo the token.
func serviceErrorCases() []errorCase {
	ctx := context.Background()
	call := CallLogRequest{Direction: DirectionOutbound, ContactID: "c1", ConversationProviderID: "p1"}
	return []errorCase{
		{"ConversationProviderError: provider refused, the token echoed", func(t *testing.T) flowResult {
			ts := &countingSource{}
			c, mux := setup(t, WithTokenSource(ts))
			mux.HandleFunc("/conversations/messages/outbound", echoAuth(http.StatusForbidden,
				`{"statusCode":403,"message":"You don't have access to the conversationProvider with id: p1 (AUTH)","error":"Forbidden"}`))
			_, resp, err := c.Conversations.LogCall(ctx, &call)
			var cpe *ConversationProviderError
			require.ErrorAs(t, err, &cpe)
			require.Equal(t, ProviderRefused, cpe.Problem)
			return flowResult{err, resp, ts.issued()}
		}},
		{"ConversationProviderError: GHL stored nothing", func(t *testing.T) flowResult {
			ts := &countingSource{}
			c, mux := setup(t, WithTokenSource(ts))
			mux.HandleFunc("/conversations/messages/outbound", echoAuth(http.StatusCreated, ``))
			_, resp, err := c.Conversations.LogCall(ctx, &call)
			require.ErrorIs(t, err, ErrMessageNotStored)
			return flowResult{err, resp, ts.issued()}
		}},
		{"UnknownCustomFieldError", func(t *testing.T) flowResult {
			ts := &countingSource{}
			c, mux := setup(t, WithTokenSource(ts))
			mux.HandleFunc("/locations/"+testLocationID+"/customFields", echoAuth(http.StatusOK,
				`{"customFields":[{"id":"cf1","name":"AUTH","fieldKey":"contact.auth","dataType":"TEXT","model":"contact"}]}`))
			_, err := c.Locations.ContactFields().ID(ctx, "contact.no_such")
			var unknown *UnknownCustomFieldError
			require.ErrorAs(t, err, &unknown)
			return flowResult{err, nil, ts.issued()}
		}},
		{"NotSucceededError, the token echoed", func(t *testing.T) flowResult {
			ts := &countingSource{}
			c, mux := setup(t, WithTokenSource(ts))
			mux.HandleFunc("/contacts/c1/campaigns/cmp1", echoAuth(http.StatusOK, `{"succeded":false,"auth":"AUTH"}`))
			resp, err := c.Contacts.AddToCampaign(ctx, "c1", "cmp1")
			require.ErrorIs(t, err, ErrNotSucceeded)
			return flowResult{err, resp, ts.issued()}
		}},
	}
}
