package ghl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// The main guarantee: many callers with an expired token make exactly one refresh, all
// succeed, and the store ends up with the rotated pair.
func TestRefreshConcurrentCallersOneRefresh(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.tokenSource(store, testOAuthLoc)
	client := env.client(t, ts, testOAuthLoc)
	id := createContact(t, client)

	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	const n = 200
	var wg sync.WaitGroup
	var failed atomic.Int32
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, _, err := client.Contacts.Get(context.Background(), id); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, n, env.srv.Requests(http.MethodGet, "/contacts/"+id), "no call needed a 401 retry")

	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
	assert.NotEqual(t, first.AccessToken, stored.AccessToken)
	assert.True(t, stored.Expiry.After(env.app.now().Add(time.Hour)))
	assert.Equal(t, testOAuthLoc, TokenInfoOf(stored).LocationID, "the refreshed pair keeps its GHL fields")
	assert.Equal(t, UserTypeLocation, TokenInfoOf(stored).UserType)

	// The stored pair is the one in use: another call needs no refresh.
	_, _, err := client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

func TestRefreshSendsUserTypeAndCredentialsInBody(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	tok, err := env.app.tokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)

	reqs := env.rec.requests()
	require.Len(t, reqs, 2)
	r := reqs[1]
	assert.Equal(t, "POST /oauth/token", r.Method+" "+r.Path)
	assert.Equal(t, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "user_type": {"Location"},
	}, r.Form)
	assert.Empty(t, r.Header.Get("Authorization"))
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))

	infos := env.obs.all()
	require.Len(t, infos, 2)
	assert.Equal(t, testOAuthLoc, infos[1].Key)
	assert.Equal(t, GrantRefreshToken, infos[1].Kind)
	assert.NoError(t, infos[1].Err)
}

func TestRefreshMargin(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	tok := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.tokenSource(store, testOAuthLoc)

	tok.Expiry = time.Now().Add(6 * time.Minute) // outside the 5-minute margin: used as is
	require.NoError(t, store.Save(context.Background(), testOAuthLoc, tok))
	got, err := ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	assert.Zero(t, env.srv.RefreshCount())

	env.advance(2 * time.Minute) // now inside it
	got, err = ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, got.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

// A token the client believes valid but the API refuses: 401, one refresh, one retry.
func TestRefreshOn401ThenRetry(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.tokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.srv.ExpireAccessTokens()

	ct, _, err := client.Contacts.Update(context.Background(), id, &ContactUpdateRequest{City: "Lisbon"})
	require.NoError(t, err)
	assert.Equal(t, "Lisbon", ct.City, "the retried request carried its body")
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, 2, env.srv.Requests(http.MethodPut, "/contacts/"+id))
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)

	// Concurrent 401s with the same token (refreshed longer than the cool-down ago) refresh once.
	env.advance(tokenCooldown)
	env.srv.ExpireAccessTokens()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := client.Contacts.Get(context.Background(), id)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 2, env.srv.RefreshCount())
}

// A caller that gives up during a refresh does not lose the rotated pair.
func TestRefreshSurvivesCancelledCaller(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.tokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	gate, entered := make(chan struct{}), make(chan struct{})
	env.rec.mu.Lock()
	env.rec.gate, env.rec.entered = gate, entered
	env.rec.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := client.Contacts.Get(ctx, id)
		errc <- err
	}()
	<-entered // the refresh request is on its way
	cancel()
	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	env.rec.mu.Lock()
	env.rec.gate = nil
	env.rec.mu.Unlock()
	close(gate) // the server answers the abandoned refresh

	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount(), "the next call used the rotated pair")
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
}

// failingStore fails the next failSaves saves.
type failingStore struct {
	TokenStore
	failSaves atomic.Int32
	saves     atomic.Int32
}

func (f *failingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	f.saves.Add(1)
	if f.failSaves.Add(-1) >= 0 {
		return fmt.Errorf("disk full while writing %s", tok.RefreshToken) // a careless store
	}
	return f.TokenStore.Save(ctx, key, tok)
}

func TestRefreshSaveFailureLosesNothing(t *testing.T) {
	env := newOAuthEnv(t)
	store := &failingStore{TokenStore: NewMemoryTokenStore()}
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.client(t, env.app.tokenSource(store, testOAuthLoc), testOAuthLoc)
	id := createContact(t, client)
	env.advance(24 * time.Hour)
	env.srv.ExpireAccessTokens()

	store.failSaves.Store(2)
	_, _, err := client.Contacts.Get(context.Background(), id)
	var serr *TokenSaveError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, testOAuthLoc, serr.Key)
	assert.Contains(t, err.Error(), "disk full")
	assert.Equal(t, 1, env.srv.RefreshCount())
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken, "nothing saved yet")
	assert.Zero(t, env.srv.Requests(http.MethodGet, "/contacts/"+id), "the unsaved pair was not used")

	// The save fails again: still an error, still no second refresh.
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, 1, env.srv.RefreshCount())

	// Now the store works: the kept pair is saved and used.
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
	stored := mustLoad(t, store, testOAuthLoc)
	assert.NotEqual(t, first.RefreshToken, stored.RefreshToken)
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

func TestRefreshInvalidGrant(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.tokenSource(store, testOAuthLoc)
	backdate(t, store, testOAuthLoc)
	env.srv.RevokeTokens(testOAuthLoc) // uninstalled: the refresh token is refused

	_, err := ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.NotErrorIs(t, err, ErrLocationInactive)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, GrantRefreshToken, te.Grant)
	assert.Equal(t, testOAuthLoc, te.Key)
	assert.Equal(t, "Invalid grant: refresh token is invalid", te.API.Message)
	n := len(env.rec.requests())

	// The refused refresh token is not sent again.
	_, err = ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Len(t, env.rec.requests(), n)
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)

	// A new install replaces it and works at once.
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	_, err = ts.TokenContext(context.Background())
	require.NoError(t, err)
}

// Both shapes GHL uses for a refused refresh token become ErrReauthorizationRequired.
func TestRefreshInvalidGrantShapes(t *testing.T) {
	for name, body := range map[string]string{
		"message": `{"statusCode":400,"message":"Invalid grant: refresh token is invalid"}`,
		"rfc6749": `{"error":"invalid_grant","error_description":"expired"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			app := newApp(t, srv.URL, "secret-s-123")
			store := NewMemoryTokenStore()
			require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-expired-1", RefreshToken: "rt-1234567890", Expiry: time.Now().Add(-time.Hour)}))
			_, err := app.tokenSource(store, "L").Token()
			require.ErrorIs(t, err, ErrReauthorizationRequired)
		})
	}
}

func TestRefreshLocationInactiveKeepsRefreshToken(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	ts := env.app.tokenSource(store, testOAuthLoc)
	backdate(t, store, testOAuthLoc)
	env.srv.SetLocationActive(testOAuthLoc, false)

	_, err := ts.TokenContext(context.Background())
	require.ErrorIs(t, err, ErrLocationInactive)
	assert.NotErrorIs(t, err, ErrReauthorizationRequired)
	var lie *LocationInactiveError
	require.ErrorAs(t, err, &lie)
	assert.Equal(t, testOAuthLoc, lie.Key)
	assert.Equal(t, first.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)
	assert.Zero(t, env.srv.RefreshCount())

	env.srv.SetLocationActive(testOAuthLoc, true)
	tok, err := ts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount())
}

// lockingStore is a store shared with "another process", with a lock that lets that process
// refresh while this one waits for the lock.
type lockingStore struct {
	TokenStore
	mu     sync.Mutex
	events []string
	onLock func()
}

func (l *lockingStore) log(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *lockingStore) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	l.log("load")
	return l.TokenStore.Load(ctx, key)
}

func (l *lockingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	l.log("save")
	return l.TokenStore.Save(ctx, key, tok)
}

func (l *lockingStore) Lock(ctx context.Context, key string) (func(context.Context) error, error) {
	l.log("lock")
	if l.onLock != nil {
		l.onLock()
	}
	return func(context.Context) error { l.log("unlock"); return nil }, nil
}

func TestRefreshRereadsStoreAfterLock(t *testing.T) {
	env := newOAuthEnv(t)
	shared := NewMemoryTokenStore()
	env.install(t, shared, testOAuthLoc, UserTypeLocation)
	backdate(t, shared, testOAuthLoc)

	// The other process refreshes while this one waits for the lock.
	other := newApp(t, env.srv.URL, testClientSecret)
	store := &lockingStore{TokenStore: shared}
	var theirs *oauth2.Token
	var err error
	store.onLock = func() {
		theirs, err = other.tokenSource(shared, testOAuthLoc).Token()
		require.NoError(t, err)
	}
	tok, err := env.app.tokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, theirs.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, env.srv.RefreshCount(), "the re-read found the other process's pair")
	assert.Equal(t, []string{"load", "lock", "load", "unlock"}, store.events)

	// When nobody else refreshed, the refresh happens under the lock and saves before unlocking.
	env.advance(24 * time.Hour)
	store.onLock, store.events = nil, nil
	_, err = env.app.tokenSource(store, testOAuthLoc).TokenContext(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, env.srv.RefreshCount())
	assert.Equal(t, []string{"load", "lock", "load", "save", "unlock"}, store.events)
}

// A store that goes back to a pair this process already rotated must not make it send the
// spent refresh token.
func TestRefreshNeverResendsSpentToken(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	first := env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	ts := env.app.tokenSource(store, testOAuthLoc)
	second, err := ts.Token()
	require.NoError(t, err)

	stale := *first
	stale.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, store.Save(context.Background(), testOAuthLoc, stale.WithExtra(map[string]any{"userType": "Location"})))
	require.NoError(t, ts.InvalidateToken(context.Background(), second))
	env.advance(25 * time.Hour)
	third, err := ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, second.AccessToken, third.AccessToken)
	assert.Equal(t, 2, env.srv.RefreshCount())
	assert.Equal(t, third.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken)
}

func TestAgencyLocationClients(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	company := env.install(t, store, testOAuthLoc, UserTypeCompany)
	companyID := TokenInfoOf(company).CompanyID
	clients, err := env.app.AgencyLocationClients(store, companyID)
	require.NoError(t, err)
	client, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	lts := client.tokenSource.(*mintingSource)
	id := createContact(t, client)
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.LocationTokensMinted())

	reqs := env.rec.requests()
	r := reqs[len(reqs)-1]
	assert.Equal(t, "POST /oauth/locationToken", r.Method+" "+r.Path)
	assert.Equal(t, "Bearer "+company.AccessToken, r.Header.Get("Authorization"))
	assert.Equal(t, "2021-07-28", r.Header.Get("Version"))
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	assert.Equal(t, url.Values{"companyId": {companyID}, "locationId": {testOAuthLoc}}, r.Form)
	assert.Equal(t, http.StatusCreated, r.Status, "any 2xx is accepted")

	tok, err := lts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, tok.RefreshToken, "a refresh token in the answer is kept")
	info := TokenInfoOf(tok)
	assert.Equal(t, UserTypeLocation, info.UserType)
	assert.Equal(t, testOAuthLoc, info.LocationID)
	assert.Equal(t, tok.AccessToken, mustLoad(t, store, testOAuthLoc).AccessToken, "saved before use")

	// Renewed before expiry (and so is the agency token, whose expiry is as near).
	env.advance(86399*time.Second - 4*time.Minute)
	tok2, err := lts.TokenContext(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, tok2.AccessToken)
	assert.Equal(t, 2, env.srv.LocationTokensMinted())
	assert.Equal(t, 1, env.srv.RefreshCount())

	// Renewed after a 401 (of a token older than the cool-down). The agency token is refused
	// too: minting refreshes it first.
	env.advance(time.Minute)
	env.srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 3, env.srv.LocationTokensMinted())
	assert.Equal(t, 2, env.srv.RefreshCount())

	_, err = clients.Client("")
	require.ErrorIs(t, err, ErrInvalidParam)
}

func TestMintedTokenWithoutRefreshToken(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"minted-at-1234567","token_type":"Bearer","expires_in":86399,"scope":"contacts.readonly","locationId":"L1","userId":"U"}`)
	}))
	defer srv.Close()
	app := newApp(t, srv.URL, "secret-s-123")
	lts := newMinting(app, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "agency-at-123456"}), "C1", "L1", nil)
	tok, err := lts.Token()
	require.NoError(t, err)
	assert.Equal(t, "minted-at-1234567", tok.AccessToken)
	assert.Empty(t, tok.RefreshToken)
	assert.Equal(t, "C1", TokenInfoOf(tok).CompanyID)
	assert.Equal(t, "Bearer agency-at-123456", got.Get("Authorization"))
}

// Token sources of one key from one app share their refresh, wherever they were made.
func TestTokenSourcesOfOneKeyShareRefresh(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	var wg sync.WaitGroup
	toks := make([]*oauth2.Token, 50)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			toks[i], err = env.app.tokenSource(store, testOAuthLoc).TokenContext(context.Background())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, env.srv.RefreshCount())
	for _, tok := range toks {
		assert.Equal(t, toks[0].AccessToken, tok.AccessToken)
	}
}

func TestTokenSourceWithoutStoredToken(t *testing.T) {
	env := newOAuthEnv(t)
	_, err := env.app.tokenSource(NewMemoryTokenStore(), testOAuthLoc).TokenContext(context.Background())
	require.ErrorIs(t, err, ErrTokenNotFound)
	_, err = env.app.tokenSource(nil, testOAuthLoc).TokenContext(context.Background())
	require.ErrorIs(t, err, ErrInvalidParam)
	_, err = env.app.tokenSource(NewMemoryTokenStore(), "").TokenContext(context.Background())
	require.ErrorIs(t, err, ErrInvalidParam)

	// An expired token without a refresh token needs a new install.
	store := NewMemoryTokenStore()
	require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-old-123456", Expiry: time.Now().Add(-time.Hour)}))
	_, err = env.app.tokenSource(store, "L").Token()
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Empty(t, env.rec.requests())
}
