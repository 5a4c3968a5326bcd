package ghl_test

// The README's "First day" recipes, compiled and run here against ghltest.
// TestREADMERecipesAreCompiled keeps the README's copies identical to these functions.

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
)

// findOrCreateCaller returns the GHL contact of an incoming call's number, creating it if
// GHL has none.
func findOrCreateCaller(ctx context.Context, client *ghl.Client, callerID string) (*ghl.Contact, error) {
	phone, err := ghl.NormalizePhone(callerID, "US") // GHL stores and matches numbers in E.164
	if err != nil {
		return nil, err // a *ghl.PhoneError; nothing was sent
	}
	res, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Phone: phone, Source: "LinkedPhone"})
	if err != nil {
		return nil, err
	}
	return res.Contact, nil // res.New says whether it was just created
}

// noteAndFollowUp leaves a note on the contact and a task to call back.
func noteAndFollowUp(ctx context.Context, client *ghl.Client, contactID, summary string) error {
	if _, _, err := client.Notes.Create(ctx, contactID, &ghl.NoteCreateRequest{Body: summary}); err != nil {
		return err
	}
	_, _, err := client.Tasks.Create(ctx, contactID, &ghl.TaskCreateRequest{
		Title:   "Call back",
		DueDate: ghl.Time{Time: time.Now().Add(2 * time.Hour)},
	})
	return err
}

// webhookHandler verifies GHL's webhooks and hands each event to the application once.
func webhookHandler(onNewContact func(context.Context, *ghl.ContactCreateEvent) error, opts ...ghl.WebhookOption) (http.Handler, error) {
	verifier, err := ghl.NewWebhookVerifier(opts...) // GHL's published keys unless opts say otherwise
	if err != nil {
		return nil, err
	}
	return verifier.Handler(func(ctx context.Context, e ghl.Event) error {
		switch e := e.(type) {
		case *ghl.ContactCreateEvent:
			return onNewContact(ctx, e) // an error answers 429, and GHL delivers it again
		case *ghl.InboundMessageEvent:
			slog.InfoContext(ctx, "inbound message", "type", e.MessageType, "call_status", e.CallStatus)
		}
		return nil
	}), nil
}

// installRoutes serves the app's install flow: GHL's install page, then the callback that
// saves the location's tokens.
func installRoutes(mux *http.ServeMux, app *ghl.OAuthApp, store ghl.TokenStore, state string) {
	mux.HandleFunc("GET /install", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, app.AuthCodeURL(state), http.StatusFound)
	})
	mux.HandleFunc("GET /oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("state") != state {
			http.Error(w, "bad state", http.StatusBadRequest)
			return
		}
		tok, err := app.ExchangeAndSave(r.Context(), store, r.URL.Query().Get("code"), ghl.UserTypeLocation)
		if err != nil {
			http.Error(w, "install failed", http.StatusBadGateway) // err holds no token or secret
			return
		}
		_, _ = w.Write([]byte("installed for location " + ghl.TokenInfoOf(tok).LocationID))
	})
}

// TestCallerLookup is how a user's own test starts: a fake GHL and a client for it.
func TestCallerLookup(t *testing.T) {
	srv := ghltest.New(t)             // a fake GHL, as strict as GHL, closed when the test ends
	client, err := ghlclient.New(srv) // a *ghl.Client for the fake's location
	require.NoError(t, err)

	first, err := findOrCreateCaller(context.Background(), client, "(415) 555-0100")
	require.NoError(t, err)
	again, err := findOrCreateCaller(context.Background(), client, "+1 415-555-0100")
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, 1, srv.ContactCount(srv.LocationID()))
}

// TestFirstDay runs every recipe against the fake: the way a user's own test starts.
func TestFirstDay(t *testing.T) {
	ctx := context.Background()
	srv := ghltest.New(t, ghltest.WithOAuthApp("app-id", "app-secret"))
	client, err := ghlclient.New(srv)
	require.NoError(t, err)

	// A new caller, then the same caller dialling in another spelling.
	c, err := findOrCreateCaller(ctx, client, "(415) 555-0100")
	require.NoError(t, err)
	again, err := findOrCreateCaller(ctx, client, "+1 415 555 0100")
	require.NoError(t, err)
	assert.Equal(t, c.ID, again.ID, "one contact per number")
	assert.Equal(t, 1, srv.ContactCount(srv.LocationID()))
	_, err = findOrCreateCaller(ctx, client, "555-0100 ext. 12")
	var phoneErr *ghl.PhoneError
	require.ErrorAs(t, err, &phoneErr)

	require.NoError(t, noteAndFollowUp(ctx, client, c.ID, "Missed call, no voicemail"))
	notes := srv.Notes(srv.LocationID(), c.ID)
	require.Len(t, notes, 1)
	assert.Equal(t, "Missed call, no voicemail", notes[0].Body)
	tasks := srv.Tasks(srv.LocationID(), c.ID)
	require.Len(t, tasks, 1)
	assert.Equal(t, "Call back", tasks[0].Title)

	// Webhooks: the fake signs with its own key, so the verifier trusts that one.
	created := make(chan *ghl.ContactCreateEvent, 4)
	h, err := webhookHandler(func(_ context.Context, e *ghl.ContactCreateEvent) error {
		created <- e
		return nil
	}, ghlclient.VerifierOptions(srv)...)
	require.NoError(t, err)
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	srv.RegisterWebhook(receiver.URL)
	ada, err := findOrCreateCaller(ctx, client, "+1 212 555 0123")
	require.NoError(t, err)
	require.NoError(t, srv.FlushWebhooks(ctx))
	select {
	case e := <-created:
		assert.Equal(t, ada.ID, e.ID)
		assert.Equal(t, "+12125550123", e.Phone)
	case <-time.After(5 * time.Second):
		t.Fatal("no ContactCreate webhook")
	}

	// The install flow: GHL's install page would redirect to the callback with a code.
	base, err := ghl.NewClient(ghl.WithBaseURL(srv.URL))
	require.NoError(t, err)
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: "app-id", ClientSecret: "app-secret",
		RedirectURL: "https://example.com/oauth/callback", Client: base})
	require.NoError(t, err)
	store := ghl.NewMemoryTokenStore()
	mux := http.NewServeMux()
	installRoutes(mux, app, store, "s3cret-state")
	web := httptest.NewServer(mux)
	defer web.Close()

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(web.URL + "/install")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	u, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "s3cret-state", u.Query().Get("state"))

	resp, err = http.Get(web.URL + "/oauth/callback?state=s3cret-state&code=" + url.QueryEscape(srv.AuthorizationCode(srv.LocationID())))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	clients, err := app.LocationClients(store)
	require.NoError(t, err)
	oauthClient, err := clients.Client(srv.LocationID())
	require.NoError(t, err)
	got, _, err := oauthClient.Contacts.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "+14155550100", got.Phone)

	resp, err = http.Get(web.URL + "/oauth/callback?state=forged&code=x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// TestREADMERecipesAreCompiled checks that every recipe the README shows is, character for
// character, a function of this file, so the README cannot drift from code that compiles and
// runs.
func TestREADMERecipesAreCompiled(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "firstday_test.go", nil, parser.ParseComments)
	require.NoError(t, err)
	src, err := os.ReadFile("firstday_test.go")
	require.NoError(t, err)
	funcs := map[string]string{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			start := fset.Position(fd.Pos()).Offset
			if fd.Doc != nil {
				start = fset.Position(fd.Doc.Pos()).Offset
			}
			funcs[fd.Name.Name] = string(src[start:fset.Position(fd.End()).Offset])
		}
	}
	blocks := regexp.MustCompile("(?s)<!-- recipe: (\\w+) -->\\s*```go\\n(.*?)```").FindAllSubmatch(readme, -1)
	require.GreaterOrEqual(t, len(blocks), 5, "the README's first-day recipes")
	for _, b := range blocks {
		name, shown := string(b[1]), strings.TrimSpace(string(b[2]))
		want, ok := funcs[name]
		if !assert.True(t, ok, "README recipe %s is not a function of firstday_test.go", name) {
			continue
		}
		assert.Equal(t, strings.TrimSpace(want), shown, "README recipe %s differs from firstday_test.go", name)
	}
}
