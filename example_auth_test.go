package ghl_test

import (
	"context"
	"fmt"
	"os"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// A sub-account's Private Integration Token (Settings > Private Integrations) is a fixed
// token: no refresh, no store.
func ExampleWithAccessToken() {
	srv := ghltest.NewServer() // stands in for services.leadconnectorhq.com
	defer srv.Close()

	client, err := ghl.NewClient(
		ghl.WithBaseURL(srv.URL), // omit against GHL
		ghl.WithAccessToken(srv.Token()),
		ghl.WithLocationID(srv.LocationID()),
	)
	if err != nil {
		panic(err)
	}
	c, _, err := client.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", Email: "ada@example.com"})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.FirstName)
	// Output: Ada
}

// The install flow of a marketplace app, and a client whose tokens are refreshed and saved
// as needed.
func ExampleOAuthApp() {
	srv := ghltest.NewServer(ghltest.WithOAuthApp("my-client-id", "my-client-secret"))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "tokens")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// The base client: transport, host, logger, observer, rate limiter and retries, for the
	// token requests and every location's client.
	base, err := ghl.NewClient(ghl.WithBaseURL(srv.URL)) // omit WithBaseURL against GHL
	if err != nil {
		panic(err)
	}
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{
		ClientID:     "my-client-id",
		ClientSecret: "my-client-secret",
		RedirectURL:  "https://example.com/oauth/callback",
		Scopes:       []string{"contacts.readonly", "contacts.write"},
		Client:       base,
	})
	if err != nil {
		panic(err)
	}
	store, err := ghl.NewFileTokenStore(dir)
	if err != nil {
		panic(err)
	}

	// 1. The install page redirects the user to GHL.
	fmt.Println(app.AuthCodeURL("")[:60])

	// 2. GHL redirects back with ?code=...; exchange it and save the pair.
	code := srv.AuthorizationCode("location-1") // what GHL would send
	tok, err := app.ExchangeAndSave(ctx, store, code, ghl.UserTypeLocation)
	if err != nil {
		panic(err)
	}
	info := ghl.TokenInfoOf(tok)
	fmt.Println(info.UserType, info.LocationID)

	// 3. Call the API; the app refreshes the token before expiry and after a 401, saving each
	// new pair before it is used.
	clients, err := app.LocationClients(store)
	if err != nil {
		panic(err)
	}
	client, err := clients.Client(info.LocationID)
	if err != nil {
		panic(err)
	}
	srv.ExpireAccessTokens() // a day later
	if _, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada"}); err != nil {
		panic(err)
	}
	fmt.Println("refreshes:", srv.RefreshCount(), "refresh tokens reused:", srv.RefreshTokenReuses())
	// Output:
	// https://marketplace.gohighlevel.com/v2/oauth/chooselocation?
	// Location location-1
	// refreshes: 1 refresh tokens reused: 0
}

// One process serving many locations: per-location clients share the transport, the rate
// limiter and the token store.
func ExampleLocationClients() {
	srv := ghltest.NewServer(ghltest.WithOAuthApp("my-client-id", "my-client-secret"))
	defer srv.Close()
	ctx := context.Background()
	base, err := ghl.NewClient(ghl.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	app, _ := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: "my-client-id", ClientSecret: "my-client-secret", Client: base})
	store := ghl.NewMemoryTokenStore()
	for _, loc := range []string{"location-1", "location-2"} {
		if _, err := app.ExchangeAndSave(ctx, store, srv.AuthorizationCode(loc), ghl.UserTypeLocation); err != nil {
			panic(err)
		}
	}

	clients, err := app.LocationClients(store)
	if err != nil {
		panic(err)
	}
	for _, loc := range []string{"location-1", "location-2"} {
		c, err := clients.Client(loc) // cheap: call it per request
		if err != nil {
			panic(err)
		}
		ct, _, err := c.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada"})
		if err != nil {
			panic(err)
		}
		fmt.Println(c.LocationID(), ct.FirstName)
	}
	fmt.Println("refresh tokens reused:", srv.RefreshTokenReuses())
	// Output:
	// location-1 Ada
	// location-2 Ada
	// refresh tokens reused: 0
}

// An agency app mints location tokens from its agency token.
func ExampleOAuthApp_AgencyLocationClients() {
	srv := ghltest.NewServer(ghltest.WithOAuthApp("my-client-id", "my-client-secret"))
	defer srv.Close()
	ctx := context.Background()
	base, _ := ghl.NewClient(ghl.WithBaseURL(srv.URL))
	app, _ := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: "my-client-id", ClientSecret: "my-client-secret", Client: base})
	store := ghl.NewMemoryTokenStore()
	tok, err := app.ExchangeAndSave(ctx, store, srv.AuthorizationCode("location-1"), ghl.UserTypeCompany)
	if err != nil {
		panic(err)
	}
	companyID := ghl.TokenInfoOf(tok).CompanyID

	clients, err := app.AgencyLocationClients(store, companyID)
	if err != nil {
		panic(err)
	}
	c, _ := clients.Client("location-1")
	if _, _, err := c.Contacts.Create(ctx, &ghl.ContactCreateRequest{FirstName: "Ada"}); err != nil {
		panic(err)
	}
	fmt.Println("location tokens minted:", srv.LocationTokensMinted(), "refresh tokens reused:", srv.RefreshTokenReuses())
	// Output: location tokens minted: 1 refresh tokens reused: 0
}
