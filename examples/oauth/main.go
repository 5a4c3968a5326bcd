// Command oauth shows a marketplace app's install flow: the user is sent to GHL's
// authorization page, GHL redirects back with a code, the app exchanges the code for a token
// pair, saves it in a file store, and calls the API with a per-location client whose pair the
// app refreshes and saves as needed. It then installs the app for an agency, whose location
// tokens are minted from the agency token, and uninstalls it from the first location.
//
// By default it runs against an in-process ghltest server and plays the browser itself, so it
// needs no account and no network:
//
//	go run ./examples/oauth
//
// With GHL_CLIENT_ID set it serves the flow for real on GHL_LISTEN (default :8080): open
// http://localhost:8080/install in a browser. It reads GHL_CLIENT_SECRET, GHL_REDIRECT_URL
// (which must be registered for the app, e.g. http://localhost:8080/oauth/callback) and
// GHL_TOKEN_DIR (default ./ghl-tokens).
package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	if id := os.Getenv("GHL_CLIENT_ID"); id != "" {
		err = runReal(logger, id)
	} else {
		err = runDemo(context.Background(), logger)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oauth:", err)
		os.Exit(1)
	}
}

// installer serves the two pages of the install flow.
type installer struct {
	app      *ghl.OAuthApp
	store    ghl.TokenStore
	logger   *slog.Logger
	userType ghl.UserType // ghl.UserTypeLocation for a sub-account app, ghl.UserTypeCompany for an agency app
	// installed receives the key (location or company ID) of each completed install.
	installed chan<- string
}

// tokenRequests counts the app's token requests by kind, as a metrics exporter would.
type tokenRequests struct {
	ghl.NopObserver
	mu     sync.Mutex
	counts map[string]int
}

func (t *tokenRequests) OnTokenRefresh(_ context.Context, info ghl.TokenRefreshInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch info.Kind {
	case ghl.GrantAuthorizationCode:
		t.counts["installs"]++
	case ghl.GrantRefreshToken:
		t.counts["refreshes"]++
	case ghl.GrantLocationToken:
		t.counts["location tokens minted"]++
	}
}

func (t *tokenRequests) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("installs=%d refreshes=%d minted=%d", t.counts["installs"], t.counts["refreshes"], t.counts["location tokens minted"])
}

const stateCookie = "ghl_oauth_state"

// start sends the browser to GHL's authorization page.
func (in *installer) start(w http.ResponseWriter, r *http.Request) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	state := hex.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, in.app.AuthCodeURL(state), http.StatusFound)
}

// callback exchanges the code and saves the pair before anything uses it.
func (in *installer) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// GHL does not document that it passes state back; when it does, it must match.
	if state := q.Get("state"); state != "" {
		c, err := r.Cookie(stateCookie)
		if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
			http.Error(w, "state mismatch", http.StatusBadRequest)
			return
		}
	}
	code := q.Get("code")
	if code == "" {
		http.Error(w, "missing code", http.StatusBadRequest)
		return
	}
	tok, err := in.app.ExchangeAndSave(r.Context(), in.store, code, in.userType)
	if err != nil {
		// The error never holds a token.
		in.logger.Error("install failed", "error", err, "action", operatorAction(err))
		http.Error(w, "install failed", http.StatusBadGateway)
		return
	}
	key := ghl.TokenInfoOf(tok).Key()
	fmt.Fprintf(w, "Installed for %s.\n", key)
	if in.installed != nil {
		in.installed <- key
	}
}

// operatorAction says what an operator should do about an error of the OAuth app.
func operatorAction(err error) string {
	var unknown *ghl.RefreshOutcomeUnknownError
	var saveErr *ghl.TokenSaveError
	var inactive *ghl.LocationInactiveError
	var tokenErr *ghl.TokenError
	switch {
	case errors.Is(err, ghl.ErrReauthorizationRequired):
		return "the app must be installed again for this location"
	case errors.Is(err, ghl.ErrTokenNotFound):
		return "the app is not installed for this location"
	case errors.As(err, &unknown):
		return "a refresh got no answer: if the next call reports that the app must be installed again, reinstall it for " + unknown.Key
	case errors.As(err, &saveErr):
		return "the token store failed; the new pair is kept in memory and saved again: fix the store before this process stops"
	case errors.As(err, &inactive):
		return "the location " + inactive.Key + " is paused; its token works again once it is active"
	case errors.As(err, &tokenErr):
		return "GHL's token endpoint failed (" + tokenErr.Grant + "); retry later"
	}
	return "none"
}

func (in *installer) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /install", in.start)
	mux.HandleFunc("GET /oauth/callback", in.callback)
	return mux
}

// runDemo runs the whole flow against ghltest, playing both the user's browser and GHL's
// authorization page.
func runDemo(ctx context.Context, logger *slog.Logger) error {
	const clientID, clientSecret = "demo-client-id", "demo-client-secret"
	const locationID, agencyLocationID = "demo-location-1", "demo-location-2"
	api := ghltest.NewServer(ghltest.WithOAuthApp(clientID, clientSecret))
	defer api.Close()

	dir, err := os.MkdirTemp("", "ghl-tokens-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := ghl.NewFileTokenStore(dir)
	if err != nil {
		return err
	}

	installed := make(chan string, 1)
	in := &installer{store: store, logger: logger, userType: ghl.UserTypeLocation, installed: installed}
	// The app's own web server; its address is known before it starts serving.
	web := httptest.NewUnstartedServer(in.routes())
	webURL := "http://" + web.Listener.Addr().String()
	// The base client: the token requests and every location's client use its transport,
	// host, logger and observer.
	counts := &tokenRequests{counts: map[string]int{}}
	base, err := ghl.NewClient(ghl.WithBaseURL(api.URL), ghl.WithLogger(logger), ghl.WithObserver(counts))
	if err != nil {
		return err
	}
	in.app, err = ghl.NewOAuthApp(ghl.OAuthConfig{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  webURL + "/oauth/callback",
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		Client:       base,
	})
	if err != nil {
		return err
	}
	web.Start()
	defer web.Close()

	key, err := browse(ctx, webURL, api, locationID, installed)
	if err != nil {
		return err
	}
	fmt.Println("1. the install page sent the browser to GHL; the user approved the app")
	fmt.Println("2. code exchanged; token pair saved in the file store for", key)

	// Any later process: a client whose pair the app reads, refreshes and saves.
	clients, err := in.app.LocationClients(store)
	if err != nil {
		return err
	}
	client, err := clients.Client(key)
	if err != nil {
		return err
	}
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Caller", Email: "ada@example.com"})
	if err != nil {
		return err
	}
	fmt.Println("3. API call with the stored token: created contact", c.ID)
	api.ExpireAccessTokens() // a day later: GHL refuses the token, the app refreshes it once
	if _, _, err := client.Contacts.Get(ctx, c.ID); err != nil {
		return err
	}

	// An agency installs the app: its token mints a token for each of its locations.
	in.userType = ghl.UserTypeCompany
	companyID, err := browse(ctx, webURL, api, agencyLocationID, installed)
	if err != nil {
		return err
	}
	agency, err := in.app.AgencyLocationClients(store, companyID)
	if err != nil {
		return err
	}
	ac, err := agency.Client(agencyLocationID)
	if err != nil {
		return err
	}
	if _, _, err := ac.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Grace", Email: "grace@example.com"}); err != nil {
		return err
	}
	fmt.Println("4. agency", companyID, "installed; called the API for", agencyLocationID, "with a minted token")

	// The app is uninstalled from the first location (GHL sends an AppUninstall webhook):
	// forget its client and delete its pair.
	clients.Forget(key)
	if err := store.Delete(ctx, key); err != nil {
		return err
	}
	fmt.Println("5. uninstalled from", key+";", "token requests:", counts)
	_, _, err = client.Contacts.Get(ctx, c.ID)
	if !errors.Is(err, ghl.ErrTokenNotFound) {
		return fmt.Errorf("a call after the uninstall: want ErrTokenNotFound, got %v", err)
	}
	fmt.Println("6. a later call for", key, "fails; what to do:", operatorAction(err))
	if n := api.RefreshTokenReuses(); n != 0 {
		return fmt.Errorf("the fake saw %d refresh token(s) presented twice", n)
	}
	return nil
}

// browse plays the browser and GHL's authorization page: it opens /install, follows the
// redirect to GHL, approves the app for locationID and follows GHL's redirect back with a
// code. It returns the key of the completed install.
func browse(ctx context.Context, webURL string, api *ghltest.Server, locationID string, installed <-chan string) (string, error) {
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, webURL+"/install", nil)
	if err != nil {
		return "", err
	}
	resp, err := browser.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	authURL, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("install page did not redirect (status %d)", resp.StatusCode)
	}

	// The user approves the app; GHL redirects the browser back with a code.
	cb := authURL.Query().Get("redirect_uri") + "?" + url.Values{
		"code":  {api.AuthorizationCode(locationID)},
		"state": {authURL.Query().Get("state")},
	}.Encode()
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, cb, nil)
	if err != nil {
		return "", err
	}
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	cbResp, err := browser.Do(req)
	if err != nil {
		return "", err
	}
	cbResp.Body.Close()
	if cbResp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("callback answered %d", cbResp.StatusCode)
	}
	select {
	case key := <-installed:
		return key, nil
	case <-time.After(10 * time.Second):
		return "", errors.New("the install did not complete")
	}
}

// runReal serves the flow against GHL. Tokens are saved in GHL_TOKEN_DIR.
func runReal(logger *slog.Logger, clientID string) error {
	dir := os.Getenv("GHL_TOKEN_DIR")
	if dir == "" {
		dir = "ghl-tokens"
	}
	store, err := ghl.NewFileTokenStore(dir)
	if err != nil {
		return err
	}
	base, err := ghl.NewClient(ghl.WithLogger(logger))
	if err != nil {
		return err
	}
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{
		ClientID:     clientID,
		ClientSecret: os.Getenv("GHL_CLIENT_SECRET"),
		RedirectURL:  os.Getenv("GHL_REDIRECT_URL"),
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		Client:       base,
	})
	if err != nil {
		return err
	}
	addr := os.Getenv("GHL_LISTEN")
	if addr == "" {
		addr = ":8080"
	}
	in := &installer{app: app, store: store, logger: logger, userType: ghl.UserTypeLocation}
	logger.Info("serving the install flow", "addr", addr, "install", "/install")
	srv := &http.Server{Addr: addr, Handler: in.routes(), ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}
