// Command oauth shows a marketplace app's install flow: the user is sent to GHL's
// authorization page, GHL redirects back with a code, the app exchanges the code for a token
// pair, saves it in a file store, and calls the API with a token source that refreshes and
// saves the pair as needed.
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
	app    *ghl.OAuthApp
	store  ghl.TokenStore
	logger *slog.Logger
	// installed receives the key (location or company ID) of each completed install.
	installed chan<- string
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
	tok, err := in.app.ExchangeAndSave(r.Context(), in.store, code, ghl.UserTypeLocation)
	if err != nil {
		in.logger.Error("install failed", "error", err) // the error never holds a token
		http.Error(w, "install failed", http.StatusBadGateway)
		return
	}
	key := ghl.TokenInfoOf(tok).Key()
	fmt.Fprintf(w, "Installed for location %s.\n", key)
	if in.installed != nil {
		in.installed <- key
	}
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
	const clientID, clientSecret, locationID = "demo-client-id", "demo-client-secret", "demo-location-1"
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
	in := &installer{store: store, logger: logger, installed: installed}
	// The app's own web server; its address is known before it starts serving.
	web := httptest.NewUnstartedServer(in.routes())
	webURL := "http://" + web.Listener.Addr().String()
	in.app, err = ghl.NewOAuthApp(ghl.OAuthConfig{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  webURL + "/oauth/callback",
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		BaseURL:      api.URL, // the token endpoint of the fake
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	web.Start()
	defer web.Close()

	// The browser opens /install and is redirected to GHL.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(webURL + "/install")
	if err != nil {
		return err
	}
	resp.Body.Close()
	authURL, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		return fmt.Errorf("install page did not redirect (status %d)", resp.StatusCode)
	}
	fmt.Println("1. redirected to", authURL.Scheme+"://"+authURL.Host+authURL.Path)

	// The user approves the app for a location; GHL redirects the browser back with a code.
	cb := authURL.Query().Get("redirect_uri") + "?" + url.Values{
		"code":  {api.AuthorizationCode(locationID)},
		"state": {authURL.Query().Get("state")},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cb, nil)
	if err != nil {
		return err
	}
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	cbResp, err := browser.Do(req)
	if err != nil {
		return err
	}
	cbResp.Body.Close()
	if cbResp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback answered %d", cbResp.StatusCode)
	}
	var key string
	select {
	case key = <-installed:
	case <-time.After(10 * time.Second):
		return errors.New("the install did not complete")
	}
	fmt.Println("2. code exchanged; token pair saved in the file store for", key)

	// Any later process: a client whose token source reads, refreshes and saves the stored pair.
	client, err := ghl.NewClient(ghl.WithBaseURL(api.URL), ghl.WithLocationID(key),
		ghl.WithTokenSource(in.app.TokenSource(store, key)), ghl.WithLogger(logger))
	if err != nil {
		return err
	}
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Caller", Email: "ada@example.com"})
	if err != nil {
		return err
	}
	fmt.Println("3. API call with the stored token: created contact", c.ID)
	if n := api.RefreshTokenReuses(); n != 0 {
		return fmt.Errorf("the fake saw %d refresh token(s) presented twice", n)
	}
	return nil
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
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{
		ClientID:     clientID,
		ClientSecret: os.Getenv("GHL_CLIENT_SECRET"),
		RedirectURL:  os.Getenv("GHL_REDIRECT_URL"),
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	addr := os.Getenv("GHL_LISTEN")
	if addr == "" {
		addr = ":8080"
	}
	in := &installer{app: app, store: store, logger: logger}
	logger.Info("serving the install flow", "addr", addr, "install", "/install")
	srv := &http.Server{Addr: addr, Handler: in.routes(), ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}
