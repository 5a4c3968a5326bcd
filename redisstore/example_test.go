package redisstore_test

import (
	"context"
	"log"
	"net/http"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every replica of a service builds the same setup over the same Redis: one budget, one
// token pair and one refresh at a time per location, and each webhook processed once.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithPrefix("linkedphone:ghl:"))
	if err != nil {
		log.Fatal(err)
	}

	base, err := ghl.NewClient(ghl.WithRateLimiter(store.Limiter()))
	if err != nil {
		log.Fatal(err)
	}
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: "client-id", ClientSecret: "client-secret", Client: base})
	if err != nil {
		log.Fatal(err)
	}
	clients, err := app.LocationClients(store) // tokens from store, refreshed under its lock
	if err != nil {
		log.Fatal(err)
	}
	_ = clients

	verifier, err := ghl.NewWebhookVerifier(ghl.WithReplayStore(store))
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/webhooks/ghl", verifier.Handler(func(ctx context.Context, ev ghl.Event) error {
		return nil // handle the event; an error makes GHL's redelivery run it again
	}))
}
