package ghl

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// The token sources of an OAuthApp. Both kinds (a key's pair in a TokenStore, refreshed; a
// location token minted from an agency token) keep what this process knows of their token in
// a tokenState of the app and renew it through the state's single flight.

// tokenCooldown is how long after renewing a key's token this process leaves a 401 to the
// caller instead of renewing again: a token issued moments ago and refused again is not
// stale, and renewing on every 401 would rotate the pair once per call.
const tokenCooldown = 10 * time.Second

// flight is one renewal that concurrent callers share.
type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

// tokenState is what this process knows about one key's token. Every source of the key made
// by one OAuthApp shares it, so a key has one renewal at a time in the process.
type tokenState struct {
	idleMeta

	mu sync.Mutex
	// tok is the current pair: saved by this process or read from the store. It is kept after
	// the API refuses it, so a store that has lost the key can be given it back.
	tok    *oauth2.Token
	flight *flight
	// rejected is an access token the API refused (401); it is not handed out again.
	rejected tokenID
	// renewedAt is when this process last refreshed or minted the key's token (app clock,
	// Unix nanoseconds; 0: never).
	renewedAt int64

	// Refreshed pairs only.
	// pending is a new pair whose Save failed. It is saved before anything else happens and
	// is not used until then.
	pending *oauth2.Token
	// spent is the last refresh token this process exchanged: it is dead and never sent again.
	spent tokenID
	// dead is a refresh token GHL refused (invalid_grant); it is never sent again.
	dead tokenID
	// unanswered is a refresh token whose refresh got no answer.
	unanswered tokenID

	// reread says the store may hold a pair newer than tok (a fresh install): read it before
	// handing a token out.
	reread bool
	// Minted tokens only: the store has been read once.
	loaded bool
}

// tokenID names a refresh token the state remembers without keeping the token itself (a
// hash; 0 for none).
type tokenID uint64

func (a *OAuthApp) idOf(token string) tokenID {
	if token == "" {
		return 0
	}
	return tokenID(maphash.String(a.seed, token)) | 1
}

func newTokenState() *tokenState { return &tokenState{} }

// busy reports whether dropping the state would lose something: a renewal in flight, or a
// pair that exists nowhere else.
func (st *tokenState) busy() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.flight != nil || st.pending != nil
}

// renewer obtains a key's next token; a tokenState's single flight runs it.
type renewer interface {
	obtain(ctx context.Context, st *tokenState) (*oauth2.Token, error)
}

// token returns the state's token while it is fresh, or else joins (or starts) the key's one
// renewal and waits for it or for ctx. The renewal runs on a context detached from ctx's
// cancellation and bounded by the app's RequestTimeout, so a caller that gives up cannot
// abandon a refresh whose new pair must be saved.
func (st *tokenState) token(ctx context.Context, app *OAuthApp, r renewer) (*oauth2.Token, error) {
	st.mu.Lock()
	if tok := st.tok; st.pending == nil && !st.reread && app.fresh(tok, st.rejected) {
		st.mu.Unlock()
		return tok, nil
	}
	f := st.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		st.flight = f
		dctx, cancel := app.detached(ctx)
		go func() {
			defer cancel()
			tok, err := r.obtain(dctx, st)
			st.mu.Lock()
			f.tok, f.err = tok, err
			st.flight = nil
			if err == nil {
				st.tok, st.reread = tok, false
			}
			st.mu.Unlock()
			close(f.done)
		}()
	}
	st.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// invalidate marks rejected as refused, so that the next call renews the token, unless it has
// been replaced already or this process renewed the key less than tokenCooldown ago: then the
// token stays, and the 401 reaches the caller.
func (st *tokenState) invalidate(ctx context.Context, app *OAuthApp, key string, rejected *oauth2.Token) error {
	if ctx == nil {
		return errNilContext()
	}
	if rejected == nil || rejected.AccessToken == "" {
		return nil
	}
	now := app.now()
	st.mu.Lock()
	cur := st.tok
	if cur != nil && cur.AccessToken != rejected.AccessToken {
		st.mu.Unlock()
		return nil // already replaced
	}
	if st.renewedAt != 0 && now.UnixNano()-st.renewedAt < int64(tokenCooldown) {
		st.mu.Unlock()
		app.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: the API refused a token issued moments ago; not renewing it again yet",
			slog.String("key", key))
		return nil
	}
	st.rejected = app.idOf(rejected.AccessToken)
	st.mu.Unlock()
	app.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: access token refused by the API; renewing it", slog.String("key", key))
	return nil
}

// forget drops what the state knows of the key's token, as when the app is uninstalled. What
// guards against sending a dead refresh token stays.
func (st *tokenState) forget() {
	st.mu.Lock()
	st.tok, st.pending, st.reread, st.rejected, st.unanswered, st.loaded = nil, nil, false, 0, 0, false
	st.mu.Unlock()
}

// isSpent reports whether tok carries a refresh token this process has already spent.
func (st *tokenState) isSpent(app *OAuthApp, tok *oauth2.Token) bool {
	id := app.idOf(tok.RefreshToken)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.spent != 0 && id == st.spent
}

// fresh reports whether tok may be handed out: not refused by the API and not within the
// refresh margin of its expiry.
func (a *OAuthApp) fresh(tok *oauth2.Token, rejected tokenID) bool {
	return a.usable(tok, rejected, a.margin)
}

// usable reports whether tok is not rejected and lasts longer than margin from now. The
// margin is at most half the token's lifetime, so a token that lives less than the margin is
// still used for a while rather than renewed on every call.
func (a *OAuthApp) usable(tok *oauth2.Token, rejected tokenID, margin time.Duration) bool {
	if tok == nil || tok.AccessToken == "" || (rejected != 0 && a.idOf(tok.AccessToken) == rejected) {
		return false
	}
	if tok.Expiry.IsZero() {
		return true
	}
	if secs := tok.ExpiresIn; secs > 0 && secs <= int64(maxTokenLifetime/time.Second) {
		margin = min(margin, time.Duration(secs)*time.Second/2)
	}
	return a.now().Add(margin).Before(tok.Expiry)
}

// lockStore takes the store's lock of key when it has one, and returns its release. known
// are the key's tokens the caller holds: a lock error that quotes one is scrubbed of it.
func (a *OAuthApp) lockStore(ctx context.Context, store TokenStore, key string, known ...*oauth2.Token) (func(), error) {
	locker, ok := store.(TokenLocker)
	if !ok {
		return func() {}, nil
	}
	unlock, err := locker.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("ghl: locking the token of %q: %w", key, scrubError(err, a.secrets(known...)))
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
		defer cancel()
		if err := unlock(uctx); err != nil {
			a.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: releasing the token lock failed",
				slog.String("key", key), slog.String("error", err.Error()))
		}
	}, nil
}

// install makes tok, from a code exchange, key's current pair: it is saved after any renewal
// of the key in flight, under the store's lock, so that no older pair can overwrite it. A
// pair whose save fails is kept pending and saved before the key's next token is handed out.
func (a *OAuthApp) install(ctx context.Context, store TokenStore, key string, tok *oauth2.Token) error {
	st := a.refreshing.acquire(key, a.now(), newTokenState)
	defer st.release()
	var f *flight
	for f == nil {
		st.mu.Lock()
		if cur := st.flight; cur != nil {
			st.mu.Unlock()
			<-cur.done // bounded by that renewal's own timeout
			continue
		}
		f = &flight{done: make(chan struct{})}
		st.flight = f
		st.mu.Unlock()
	}
	err := a.saveLocked(ctx, store, key, tok)
	st.mu.Lock()
	// A fresh install replaces whatever this process remembered about the key. The pair is
	// held for a store that loses it; the next call reads the store first all the same.
	st.rejected, st.unanswered, st.loaded = 0, 0, false
	if err != nil {
		st.pending, st.tok = tok, nil
	} else {
		st.pending, st.tok, st.reread = nil, tok, true
		f.tok = tok
	}
	f.err = err
	st.flight = nil
	st.mu.Unlock()
	close(f.done)
	return err
}

func (a *OAuthApp) saveLocked(ctx context.Context, store TokenStore, key string, tok *oauth2.Token) error {
	unlock, err := a.lockStore(ctx, store, key, tok)
	if err != nil {
		return newTokenSaveError(key, err, a.secrets(tok))
	}
	defer unlock()
	if err := store.Save(ctx, key, tok); err != nil {
		return newTokenSaveError(key, err, a.secrets(tok))
	}
	return nil
}

// refreshingSource hands out the access token saved under one key of a TokenStore, refreshing
// it RefreshMargin before it expires and after the API refuses it (401). It implements
// oauth2.TokenSource, ContextTokenSource and TokenInvalidator.
//
// For each key, one refresh runs at a time in the process; when the store implements
// TokenLocker the refresh also holds the store's lock and re-reads the store after taking it,
// in case another process refreshed first. The new pair is saved before anyone uses it. A
// refused refresh token (invalid_grant) is reported as ErrReauthorizationRequired and never
// sent again; "Location is not active" is a *LocationInactiveError and keeps the refresh token.
type refreshingSource struct {
	idleMeta // when LocationClients keeps it
	*binding
	key string
}

// binding is what the sources over one store share.
type binding struct {
	app   *OAuthApp
	store TokenStore
}

// tokenSource returns the refreshing token source of key (a location ID, or a company ID for
// an agency token) in store. Every source of one key from this app shares its state, so they
// must all use the same store.
func (a *OAuthApp) tokenSource(store TokenStore, key string) *refreshingSource {
	return &refreshingSource{binding: &binding{app: a, store: store}, key: key}
}

// Token returns a valid access token; it implements oauth2.TokenSource.
func (s *refreshingSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns a valid access token, refreshing it first if needed. If ctx ends while
// a refresh is running, TokenContext returns ctx's error and the refresh goes on.
func (s *refreshingSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil {
		return nil, errNilContext()
	}
	if err := checkID("key", s.key); err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, &InvalidParamError{Param: "store", Reason: "must not be nil"}
	}
	st := s.app.refreshing.acquire(s.key, s.app.now(), newTokenState)
	defer st.release()
	return st.token(ctx, s.app, s)
}

// InvalidateToken tells the source that the API refused rejected; it implements
// TokenInvalidator. The next call refreshes, unless this process renewed the key's token less
// than tokenCooldown ago: then the token stays, and the caller gets the 401.
func (s *refreshingSource) InvalidateToken(ctx context.Context, rejected *oauth2.Token) error {
	if err := checkID("key", s.key); err != nil {
		return err
	}
	st := s.app.refreshing.acquire(s.key, s.app.now(), newTokenState)
	defer st.release()
	return st.invalidate(ctx, s.app, s.key, rejected)
}

// obtain returns a usable token: the store's, or a refreshed one.
func (s *refreshingSource) obtain(ctx context.Context, st *tokenState) (*oauth2.Token, error) {
	app := s.app
	st.mu.Lock()
	pending, rejected, held := st.pending, st.rejected, st.tok
	st.mu.Unlock()

	var loaded *oauth2.Token
	if pending == nil {
		// Most renewals only need the store's current token; take no lock for that.
		tok, err := s.load(ctx)
		loaded = tok
		switch {
		case errors.Is(err, ErrTokenNotFound) && held != nil:
			// The store lost the key: the pair held here is written back under the lock.
		case err != nil:
			return nil, err
		case app.fresh(tok, rejected) && !st.isSpent(app, tok):
			return tok, nil
		}
	}

	unlock, err := app.lockStore(ctx, s.store, s.key, pending, loaded, held)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if pending != nil {
		// A new pair exists only here: save it before anything else; its refresh token is the
		// only live one.
		if err := s.store.Save(ctx, s.key, pending); err != nil {
			serr := newTokenSaveError(s.key, err, app.secrets(pending))
			app.logger.LogAttrs(ctx, slog.LevelError, "ghl: saving the new token failed again; it is kept in memory",
				slog.String("key", s.key), slog.String("error", serr.Error()))
			return nil, serr
		}
		app.logger.LogAttrs(ctx, slog.LevelInfo, "ghl: new token saved", slog.String("key", s.key))
		st.mu.Lock()
		st.pending, st.tok = nil, pending
		st.mu.Unlock()
		if app.usable(pending, rejected, 0) {
			return pending, nil
		}
	}

	// Re-read under the lock: another process may have refreshed while we waited.
	cur, err := s.load(ctx)
	if errors.Is(err, ErrTokenNotFound) {
		cur, err = s.writeBack(ctx, st)
	}
	if err != nil {
		return nil, err
	}
	if st.isSpent(app, cur) {
		// The store went back to a pair this process already rotated; the newer one is ours.
		st.mu.Lock()
		mine := st.tok
		st.mu.Unlock()
		if mine == nil || mine.RefreshToken == cur.RefreshToken {
			return nil, newTokenError(GrantRefreshToken, s.key, nil, errors.New("the stored refresh token was already used"))
		}
		if err := s.store.Save(ctx, s.key, mine); err != nil {
			return nil, newTokenSaveError(s.key, err, app.secrets(mine, cur))
		}
		cur = mine
	}
	st.mu.Lock()
	rejected, dead := st.rejected, st.dead
	st.mu.Unlock()
	if app.fresh(cur, rejected) {
		return cur, nil
	}
	if cur.RefreshToken == "" {
		e := newTokenError(GrantRefreshToken, s.key, nil, errors.New("the token expired and there is no refresh token"))
		e.reauth = true
		return nil, e
	}
	if app.idOf(cur.RefreshToken) == dead {
		e := newTokenError(GrantRefreshToken, s.key, nil, errors.New("GHL refused the stored refresh token"))
		e.reauth = true
		return nil, e
	}
	return s.refresh(ctx, st, cur)
}

// load reads the key's token from the store.
func (s *refreshingSource) load(ctx context.Context) (*oauth2.Token, error) {
	tok, err := s.store.Load(ctx, s.key)
	switch {
	case errors.Is(err, ErrTokenNotFound):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("ghl: loading the token of %q: %w", s.key, scrubTransportError(err, s.app.secrets()))
	case tok == nil:
		return nil, fmt.Errorf("ghl: loading the token of %q: store returned no token: %w", s.key, ErrTokenNotFound)
	}
	return tok, nil
}

// writeBack saves again the pair this process holds for a key the store has lost (a Delete, a
// Redis restart without persistence): its refresh token may be the only live one.
func (s *refreshingSource) writeBack(ctx context.Context, st *tokenState) (*oauth2.Token, error) {
	st.mu.Lock()
	mine, dead := st.tok, st.dead
	st.mu.Unlock()
	if mine == nil || (mine.RefreshToken != "" && s.app.idOf(mine.RefreshToken) == dead) {
		return nil, fmt.Errorf("ghl: loading the token of %q: %w", s.key, ErrTokenNotFound)
	}
	if err := s.store.Save(ctx, s.key, mine); err != nil {
		return nil, newTokenSaveError(s.key, err, s.app.secrets(mine))
	}
	s.app.logger.LogAttrs(ctx, slog.LevelWarn, "ghl: the store had lost the token; the pair held in memory was saved again",
		slog.String("key", s.key))
	return mine, nil
}

// refresh spends cur's refresh token and saves the new pair.
func (s *refreshingSource) refresh(ctx context.Context, st *tokenState, cur *oauth2.Token) (*oauth2.Token, error) {
	app := s.app
	form := url.Values{
		"client_id":     {app.conf.ClientID},
		"client_secret": {app.conf.ClientSecret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {cur.RefreshToken},
	}
	if ut := TokenInfoOf(cur).UserType; ut != "" {
		form.Set("user_type", string(ut))
	}
	start := time.Now()
	next, err := app.postToken(ctx, GrantRefreshToken, s.key, tokenPath, form, "", app.secrets(cur))
	if err != nil {
		err = s.refreshError(st, cur, err)
		app.report(ctx, s.key, GrantRefreshToken, start, err)
		return nil, err
	}
	if next.RefreshToken == "" {
		// No rotation in this answer: the old refresh token is still the live one.
		next.RefreshToken = cur.RefreshToken
	}
	next = mergeExtra(next, cur)
	st.mu.Lock()
	if next.RefreshToken != cur.RefreshToken {
		st.spent = app.idOf(cur.RefreshToken)
	}
	st.renewedAt, st.unanswered = app.now().UnixNano(), 0
	st.mu.Unlock()
	if err := s.store.Save(ctx, s.key, next); err != nil {
		serr := newTokenSaveError(s.key, err, app.secrets(next, cur))
		st.mu.Lock()
		if st.pending == nil { // else a newer install is pending
			st.pending, st.tok = next, nil
		}
		st.mu.Unlock()
		app.report(ctx, s.key, GrantRefreshToken, start, serr)
		return nil, serr
	}
	st.mu.Lock()
	st.rejected = 0
	st.mu.Unlock()
	app.report(ctx, s.key, GrantRefreshToken, start, nil)
	return next, nil
}

// refreshError classifies a failed refresh of cur.
func (s *refreshingSource) refreshError(st *tokenState, cur *oauth2.Token, err error) error {
	var te *TokenError
	if !errors.As(err, &te) {
		return err
	}
	id := s.app.idOf(cur.RefreshToken)
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case te.API != nil && containsFold(te.API.Message, "location is not active"):
		return &LocationInactiveError{Key: s.key, Err: te}
	case te.reauth:
		st.dead = id
		te.lostAnswer = st.unanswered == id
	case te.unanswered:
		// GHL may have rotated the pair: the next renewal tries this refresh token again,
		// which either works (it was not spent) or tells that the new pair is lost.
		st.unanswered = id
		return &RefreshOutcomeUnknownError{Key: s.key, Err: te}
	}
	return te
}

// mintKey names a location token minted from an agency's token.
type mintKey struct{ companyID, locationID string }

// mintingSource mints location tokens from an agency (Company) token with
// POST /oauth/locationToken, and mints a new one RefreshMargin before the current one expires
// or after the API refuses it. Minting spends nothing, so renewal never needs the location's
// refresh token; if GHL sends one it is kept on the token (and saved, with a store). It
// implements oauth2.TokenSource, ContextTokenSource and TokenInvalidator.
type mintingSource struct {
	idleMeta // when LocationClients keeps it
	*agency
	locationID string
}

// agency is what the minting sources of one agency share.
type agency struct {
	binding                      // store nil: minted tokens are not saved
	company   oauth2.TokenSource // the agency token of companyID
	companyID string
}

// Token returns a valid location token; it implements oauth2.TokenSource.
func (s *mintingSource) Token() (*oauth2.Token, error) {
	return s.TokenContext(context.Background())
}

// TokenContext returns a valid location token, minting one first if needed.
func (s *mintingSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil {
		return nil, errNilContext()
	}
	st := s.app.minted.acquire(mintKey{s.companyID, s.locationID}, s.app.now(), newTokenState)
	defer st.release()
	return st.token(ctx, s.app, s)
}

// InvalidateToken tells the source that the API refused rejected, so the next call mints a
// new token (unless this process minted one less than tokenCooldown ago).
func (s *mintingSource) InvalidateToken(ctx context.Context, rejected *oauth2.Token) error {
	st := s.app.minted.acquire(mintKey{s.companyID, s.locationID}, s.app.now(), newTokenState)
	defer st.release()
	return st.invalidate(ctx, s.app, s.locationID, rejected)
}

func (s *mintingSource) obtain(ctx context.Context, st *tokenState) (*oauth2.Token, error) {
	st.mu.Lock()
	rejected, loaded := st.rejected, st.loaded
	st.loaded = true
	st.mu.Unlock()
	if s.store != nil && !loaded {
		if tok, err := s.store.Load(ctx, s.locationID); err == nil && s.app.fresh(tok, rejected) {
			return tok, nil
		}
	}
	start := time.Now()
	tok, err := s.mint(ctx)
	s.app.report(ctx, s.locationID, GrantLocationToken, start, err)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.renewedAt = s.app.now().UnixNano()
	st.mu.Unlock()
	if s.store != nil {
		if err := s.store.Save(ctx, s.locationID, tok); err != nil {
			return nil, newTokenSaveError(s.locationID, err, s.app.secrets(tok))
		}
	}
	return tok, nil
}

// mint asks GHL for a location token. If the agency token is refused, its source is told, and
// the mint is tried once more with the agency token that replaces it; not when GHL refuses
// what the token may do (a scope it lacks), which a new agency token would not cure.
func (s *mintingSource) mint(ctx context.Context) (*oauth2.Token, error) {
	ctok, err := companyToken(ctx, s.company)
	if err != nil {
		return nil, fmt.Errorf("ghl: minting a location token for %q: getting the agency token: %w", s.locationID, err)
	}
	tok, err := s.mintWith(ctx, ctok)
	var te *TokenError
	if !errors.As(err, &te) || te.API == nil || te.API.StatusCode != http.StatusUnauthorized || te.API.refusal() != nil {
		return tok, err
	}
	inv, ok := s.company.(TokenInvalidator)
	if !ok || inv.InvalidateToken(ctx, ctok) != nil {
		return nil, err
	}
	if next, cerr := companyToken(ctx, s.company); cerr == nil && next.AccessToken != ctok.AccessToken {
		return s.mintWith(ctx, next)
	}
	return nil, err
}

func (s *mintingSource) mintWith(ctx context.Context, ctok *oauth2.Token) (*oauth2.Token, error) {
	form := url.Values{"companyId": {s.companyID}, "locationId": {s.locationID}}
	tok, err := s.app.postToken(ctx, GrantLocationToken, s.locationID, locationTokenPath, form, ctok.AccessToken, s.app.secrets(ctok))
	if err != nil {
		return nil, err
	}
	raw := map[string]any{}
	for _, k := range tokenExtraKeys {
		if v := tok.Extra(k); v != nil {
			raw[k] = v
		}
	}
	// A minted token is a location token of this company even if the answer omits it.
	if raw["userType"] == nil {
		raw["userType"] = string(UserTypeLocation)
	}
	if raw["locationId"] == nil {
		raw["locationId"] = s.locationID
	}
	if raw["companyId"] == nil {
		raw["companyId"] = s.companyID
	}
	return tok.WithExtra(raw), nil
}

func companyToken(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	if cts, ok := ts.(ContextTokenSource); ok {
		return cts.TokenContext(ctx)
	}
	return ts.Token()
}

// idleStateTTL is how long per-location state nobody uses is kept: what the app knows of a
// key's token, and a location's client. A process that serves many locations over time then
// holds state only for those it serves now.
const idleStateTTL = time.Hour

// idleMeta is the bookkeeping of an idleMap value.
type idleMeta struct {
	refs atomic.Int32 // callers using the value now
	used atomic.Int64 // app clock of the last use, in Unix nanoseconds
}

func (m *idleMeta) meta() *idleMeta { return m }

// release ends a use that idleMap.acquire began.
func (m *idleMeta) release() { m.refs.Add(-1) }

type idler interface{ meta() *idleMeta }

// idleMap holds values by key and drops those unused for idleStateTTL. A value in use
// (between acquire and release) or busy is never dropped. Sweeps run on access, at most once
// per idleStateTTL, so the cost is spread over the calls.
type idleMap[K comparable, V idler] struct {
	mu        sync.RWMutex
	m         map[K]V
	nextSweep atomic.Int64
	busy      func(V) bool // nil: never busy
}

// acquire returns the value of key, made by newV if there is none, and marks it in use until
// its release.
func (t *idleMap[K, V]) acquire(key K, now time.Time, newV func() V) V {
	n := now.UnixNano()
	t.sweep(key, n)
	t.mu.RLock()
	v, ok := t.m[key]
	if ok {
		hold(v, n)
	}
	t.mu.RUnlock()
	if ok {
		return v
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok = t.m[key]; !ok {
		v = newV()
		if t.m == nil {
			t.m = map[K]V{}
		}
		t.m[key] = v
	}
	hold(v, n)
	return v
}

func hold[V idler](v V, now int64) {
	m := v.meta()
	m.refs.Add(1)
	m.used.Store(now)
}

// remove drops key's value.
func (t *idleMap[K, V]) remove(key K) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// len returns how many values the map holds.
func (t *idleMap[K, V]) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m)
}

// sweep drops the values idle for idleStateTTL, except the one of key, which is being used.
func (t *idleMap[K, V]) sweep(key K, now int64) {
	next := t.nextSweep.Load()
	if now < next || !t.nextSweep.CompareAndSwap(next, now+int64(idleStateTTL)) {
		return
	}
	cutoff := now - int64(idleStateTTL)
	t.mu.Lock()
	defer t.mu.Unlock()
	dropped := 0
	for k, v := range t.m {
		m := v.meta()
		if k == key || m.refs.Load() > 0 || m.used.Load() > cutoff || (t.busy != nil && t.busy(v)) {
			continue
		}
		delete(t.m, k)
		dropped++
	}
	// A Go map keeps its buckets after deletes: rebuild one that lost most of its keys.
	if dropped > len(t.m) {
		m2 := make(map[K]V, len(t.m))
		for k, v := range t.m {
			m2[k] = v
		}
		t.m = m2
	}
}
