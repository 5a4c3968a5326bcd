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

	"github.com/linkedphone/ghl-go/ghltest"
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

	ct, _, err := client.Contacts.Update(context.Background(), id, &ContactUpdateRequest{City: Ptr("Lisbon")})
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

// The loss paths of a token pair. Each test counts the pairs GHL issued that no store holds
// (0) and the rotations (at most one per expiry).

// An exchanged pair whose save fails is kept and saved before its first use.
func TestExchangeSaveFailureKeepsPair(t *testing.T) {
	env := newOAuthEnv(t)
	store := &failingStore{TokenStore: NewMemoryTokenStore()}
	store.failSaves.Store(2)
	ctx := context.Background()

	_, err := env.app.ExchangeAndSave(ctx, store, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	var serr *TokenSaveError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, testOAuthLoc, serr.Key)
	issued := env.rec.lastIssued()
	require.NotEmpty(t, issued)
	assert.NotContains(t, err.Error(), issued)
	_, err = store.Load(ctx, testOAuthLoc)
	require.ErrorIs(t, err, ErrTokenNotFound, "nothing saved yet")
	assert.Contains(t, env.logs.String(), "kept in memory and saved again before use")

	// The first call saves the pair before using it; the store fails once more, so the call
	// fails and the pair stays pending.
	client := env.clientOf(t, store, testOAuthLoc)
	_, _, err = client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Ada"})
	require.ErrorAs(t, err, &serr)
	assert.Zero(t, env.srv.Requests(http.MethodPost, "/contacts/"), "the unsaved pair was not used")

	createContact(t, client)
	assert.Equal(t, issued, mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")
	assert.Zero(t, env.srv.RefreshCount(), "rotations: 0")
	assert.Equal(t, int32(3), store.saves.Load(), "the exchange's save, then the first call's, then the second call's")

	// A pending pair is never dropped as idle.
	store.failSaves.Store(1)
	_, err = env.app.ExchangeAndSave(ctx, store, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
	require.ErrorAs(t, err, &serr)
	issued = env.rec.lastIssued()
	env.advance(2 * idleStateTTL)
	_, err = env.app.tokenSource(store, "another-location").Token() // sweeps
	require.ErrorIs(t, err, ErrTokenNotFound)
	createContact(t, client)
	assert.Equal(t, issued, mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")
	assert.Zero(t, env.srv.RefreshCount())
}

// The store loses the key (a Delete, Redis restarted without persistence): the pair this
// process holds is written back under the lock, then refreshed as usual.
func TestStoreLosingKeyGetsPairBack(t *testing.T) {
	env := newOAuthEnv(t)
	shared := NewMemoryTokenStore()
	store := &lockingStore{TokenStore: shared}
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.clientOf(t, store, testOAuthLoc)
	id := createContact(t, client)
	installed := env.rec.lastIssued()

	require.NoError(t, shared.Delete(context.Background(), testOAuthLoc))
	_, _, err := client.Contacts.Get(context.Background(), id) // the held token still serves
	require.NoError(t, err)

	env.advance(24 * time.Hour) // the access token expires
	store.mu.Lock()
	store.events = nil
	store.mu.Unlock()
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, []string{"load", "lock", "load", "save", "save", "unlock"}, store.events,
		"written back, then refreshed and saved, under the lock")
	assert.Equal(t, 1, env.srv.RefreshCount(), "rotations: 1 for 1 expiry")
	assert.NotEqual(t, installed, env.rec.lastIssued())
	assert.Equal(t, env.rec.lastIssued(), mustLoad(t, shared, testOAuthLoc).RefreshToken, "pairs lost: 0")
	assert.Contains(t, env.logs.String(), "the store had lost the token; the pair held in memory was saved again")

	// Lost again, found through a 401 this time.
	require.NoError(t, shared.Delete(context.Background(), testOAuthLoc))
	env.advance(time.Minute)
	env.srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 2, env.srv.RefreshCount(), "rotations: 1 for 1 refused token")
	assert.Equal(t, env.rec.lastIssued(), mustLoad(t, shared, testOAuthLoc).RefreshToken, "pairs lost: 0")

	// Forgotten here (uninstalled) and deleted from the store: nothing writes it back.
	clients, err := env.app.LocationClients(store)
	require.NoError(t, err)
	clients.Forget(testOAuthLoc)
	require.NoError(t, shared.Delete(context.Background(), testOAuthLoc))
	env.advance(24 * time.Hour)
	c, err := clients.Client(testOAuthLoc)
	require.NoError(t, err)
	_, _, err = c.Contacts.Get(context.Background(), id)
	require.ErrorIs(t, err, ErrTokenNotFound)
	_, err = shared.Load(context.Background(), testOAuthLoc)
	require.ErrorIs(t, err, ErrTokenNotFound)
}

// Every call answered 401 (a token GHL refuses whatever its age): the key is renewed at most
// once per cool-down, and the 401 reaches the caller.
func TestUnauthorizedStormRotatesOncePerCooldown(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.clientOf(t, store, testOAuthLoc)
	id := createContact(t, client)

	env.rec.refuseAPI.Store(true)
	storm := func() {
		for range 10 {
			_, _, err := client.Contacts.Get(context.Background(), id)
			require.ErrorIs(t, err, ErrUnauthorized)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
		}
	}
	storm()
	assert.Equal(t, 1, env.srv.RefreshCount(), "10 calls answered 401: 1 rotation")
	assert.Equal(t, env.rec.lastIssued(), mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")
	assert.Contains(t, env.logs.String(), "not renewing it again yet")

	env.advance(tokenCooldown)
	storm()
	assert.Equal(t, 2, env.srv.RefreshCount(), "one more rotation after the cool-down")
	assert.Equal(t, env.rec.lastIssued(), mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")

	// GHL accepts tokens again: the current one serves, with no further rotation.
	env.rec.refuseAPI.Store(false)
	_, _, err := client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 2, env.srv.RefreshCount())
}

// GHL rotated the pair but its answer never arrived: the error says the outcome is unknown;
// the next renewal sends the refresh token once more and reports what GHL said.
func TestRefreshOutcomeUnknown(t *testing.T) {
	env := newOAuthEnv(t)
	env.reuses = 1 // the retry of the consumed refresh token
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	installed := mustLoad(t, store, testOAuthLoc)
	client := env.clientOf(t, store, testOAuthLoc)
	id := createContact(t, client)

	env.advance(24 * time.Hour)
	env.rec.dropTokenAnswers.Store(1)
	_, _, err := client.Contacts.Get(context.Background(), id)
	var unknown *RefreshOutcomeUnknownError
	require.ErrorAs(t, err, &unknown)
	assert.Equal(t, testOAuthLoc, unknown.Key)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, GrantRefreshToken, te.Grant)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.NotErrorIs(t, err, ErrReauthorizationRequired, "GHL may not have acted on it")
	assert.Contains(t, err.Error(), `ghl: refreshing the token of "loc-oauth-1": the refresh outcome is unknown (unexpected EOF)`)
	assert.Contains(t, err.Error(), "the app must be installed again")
	assert.Equal(t, 1, env.srv.RefreshCount(), "GHL rotated the pair")
	lost := env.rec.lastIssued()
	for _, s := range append(env.rec.allSecrets(), lost, installed.RefreshToken) {
		assert.NotContains(t, err.Error(), s)
		assert.NotContains(t, fmt.Sprintf("%+v", err), s)
	}
	assert.Equal(t, installed.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken, "the old pair is kept")

	// The next call sends it once more: GHL refuses it, so the new pair is known to be lost.
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Contains(t, err.Error(), "an earlier refresh with this token got no answer")
	n := len(env.rec.requests())
	_, _, err = client.Contacts.Get(context.Background(), id)
	require.ErrorIs(t, err, ErrReauthorizationRequired)
	assert.Len(t, env.rec.requests(), n, "the refused refresh token is not sent again")
}

// A 5xx from a proxy in front of GHL also leaves the outcome unknown; when GHL had not acted,
// the next renewal succeeds with the same refresh token and nothing is lost.
func TestRefreshOutcomeUnknownThenRecovered(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	client := env.clientOf(t, store, testOAuthLoc)
	id := createContact(t, client)

	env.advance(24 * time.Hour)
	env.rec.failTokenRequests.Store(1)
	_, _, err := client.Contacts.Get(context.Background(), id)
	var unknown *RefreshOutcomeUnknownError
	require.ErrorAs(t, err, &unknown)
	require.ErrorIs(t, err, ErrServer)
	assert.Zero(t, env.srv.RefreshCount())

	_, _, err = client.Contacts.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 1, env.srv.RefreshCount(), "rotations: 1 for 1 expiry")
	assert.Equal(t, env.rec.lastIssued(), mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")
}

func TestTokenResponseExpiryIsClamped(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	maxSecs := int64(maxTokenLifetime / time.Second)
	for in, want := range map[string]int64{
		`86399`: 86399, `"86399"`: 86399, `1e30`: maxSecs, `"9e999"`: maxSecs, `9223372036854775807`: maxSecs,
		`0.2`: 1, `0`: 0, `-5`: 0, `"NaN"`: 0, `"soon"`: 0, `null`: 0,
	} {
		tok, err := decodeTokenResponse([]byte(`{"access_token":"at-123456789","expires_in":`+in+`}`), now)
		require.NoError(t, err, in)
		assert.Equal(t, want, tok.ExpiresIn, in)
		if want == 0 {
			assert.True(t, tok.Expiry.IsZero(), in)
		} else {
			assert.Equal(t, now.Add(time.Duration(want)*time.Second), tok.Expiry, in)
		}
	}
}

// expires_in that overflows, or is shorter than the refresh margin: one rotation per expiry,
// not one per call.
func TestExpiryOutOfRangeRotatesOncePerExpiry(t *testing.T) {
	t.Run("shorter than the margin", func(t *testing.T) {
		env := newOAuthEnv(t, ghltest.WithAccessTokenLifetime(time.Minute)) // margin: 5 minutes
		store := NewMemoryTokenStore()
		env.install(t, store, testOAuthLoc, UserTypeLocation)
		client := env.clientOf(t, store, testOAuthLoc)
		id := createContact(t, client)
		for range 10 {
			_, _, err := client.Contacts.Get(context.Background(), id)
			require.NoError(t, err)
		}
		assert.Zero(t, env.srv.RefreshCount(), "10 calls within the token's first half-life: 0 rotations")
		env.advance(31 * time.Second)
		for range 10 {
			_, _, err := client.Contacts.Get(context.Background(), id)
			require.NoError(t, err)
		}
		assert.Equal(t, 1, env.srv.RefreshCount(), "10 calls past it: 1 rotation")
		assert.Equal(t, env.rec.lastIssued(), mustLoad(t, store, testOAuthLoc).RefreshToken, "pairs lost: 0")
	})
	t.Run("overflowing", func(t *testing.T) {
		var refreshes atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := refreshes.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"at-overflow-%08d","refresh_token":"rt-overflow-%08d","expires_in":1e300}`, n, n)
		}))
		defer srv.Close()
		app := newApp(t, srv.URL, "secret-s-123")
		store := NewMemoryTokenStore()
		require.NoError(t, store.Save(context.Background(), "L", &oauth2.Token{AccessToken: "at-expired-1", RefreshToken: "rt-1234567890", Expiry: time.Now().Add(-time.Hour)}))
		ts := app.tokenSource(store, "L")
		for range 10 {
			tok, err := ts.Token()
			require.NoError(t, err)
			assert.Equal(t, "at-overflow-00000001", tok.AccessToken)
		}
		assert.Equal(t, int32(1), refreshes.Load(), "10 calls: 1 rotation")
		assert.Equal(t, "rt-overflow-00000001", mustLoad(t, store, "L").RefreshToken, "pairs lost: 0")
	})
}

// A nil context is bad input, never a panic in the SDK's own goroutine.
func TestNilContextIsAnError(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	var nilCtx context.Context
	ts := env.app.tokenSource(store, testOAuthLoc)
	minted := newMinting(env.app, ts, ghltest.DefaultCompanyID, testOAuthLoc, nil)
	for name, call := range map[string]func() error{
		"refreshing":            func() error { _, err := ts.TokenContext(nilCtx); return err },
		"refreshing invalidate": func() error { return ts.InvalidateToken(nilCtx, &oauth2.Token{AccessToken: "x"}) },
		"minted":                func() error { _, err := minted.TokenContext(nilCtx); return err },
		"minted invalidate":     func() error { return minted.InvalidateToken(nilCtx, &oauth2.Token{AccessToken: "x"}) },
	} {
		err := call()
		var ipe *InvalidParamError
		require.ErrorAs(t, err, &ipe, name)
		assert.Equal(t, "ctx", ipe.Param, name)
	}
	assert.Len(t, env.rec.requests(), 1, "only the install was sent")
}

// A reinstall while a refresh of the key is in flight: the installed pair is saved after the
// refreshed one, never overwritten by it.
func TestInstallDuringRefreshKeepsNewPair(t *testing.T) {
	env := newOAuthEnv(t)
	store := NewMemoryTokenStore()
	env.install(t, store, testOAuthLoc, UserTypeLocation)
	backdate(t, store, testOAuthLoc)
	gate, entered := make(chan struct{}), make(chan struct{})
	env.rec.mu.Lock()
	env.rec.gate, env.rec.entered = gate, entered
	env.rec.mu.Unlock()
	refreshed := make(chan error, 1)
	go func() {
		_, err := env.app.tokenSource(store, testOAuthLoc).Token()
		refreshed <- err
	}()
	<-entered
	env.rec.mu.Lock()
	env.rec.gate = nil
	env.rec.mu.Unlock()
	installed := make(chan *oauth2.Token, 1)
	go func() {
		tok, err := env.app.ExchangeAndSave(context.Background(), store, env.srv.AuthorizationCode(testOAuthLoc), UserTypeLocation)
		assert.NoError(t, err)
		installed <- tok
	}()
	time.Sleep(20 * time.Millisecond) // the exchange is answered and waits for the refresh
	close(gate)
	require.NoError(t, <-refreshed)
	tok := <-installed
	assert.Equal(t, tok.RefreshToken, mustLoad(t, store, testOAuthLoc).RefreshToken, "the newest pair is kept")
	got, err := env.app.tokenSource(store, testOAuthLoc).Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
}
