// Command ghl-consumer uses the SDK's public API the way an application would. It lives in its
// own module, so it may import only public packages: if a public signature required an
// internal type, this would not compile.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

type metrics struct {
	ghl.NopObserver
	attempts int
}

func (m *metrics) OnAttempt(context.Context, ghl.AttemptInfo) { m.attempts++ }

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	srv := ghltest.NewServer()
	defer srv.Close()
	obs := &metrics{}
	limiter, err := ghl.NewLimiter(ghl.WithDefaultLimit(100, 10*time.Second))
	if err != nil {
		return err
	}
	client, err := ghl.NewClient(
		ghl.WithBaseURL(srv.URL),
		ghl.WithAccessToken(srv.Token()),
		ghl.WithLocationID(srv.LocationID()),
		ghl.WithRateLimiter(limiter),
		ghl.WithRetryPolicy(ghl.DefaultRetryPolicy()),
		ghl.WithObserver(obs),
	)
	if err != nil {
		return err
	}
	if _, err := srv.AddCustomField(srv.LocationID(), ghltest.CustomField{Name: "Source detail"}); err != nil {
		return err
	}
	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{
		FirstName:    "Ada",
		Email:        "ada@example.com",
		DND:          ghl.Ptr(false),
		CustomFields: []ghl.CustomFieldInput{{Key: "contact.source_detail", Value: "consumer"}},
	})
	if err != nil {
		return err
	}
	if _, _, err := client.Tags.Add(ctx, c.ID, []string{"called"}); err != nil {
		return err
	}
	if _, _, err := client.Notes.Create(ctx, c.ID, &ghl.NoteCreateRequest{Body: "first call"}); err != nil {
		return err
	}
	n := 0
	for contact, err := range client.Contacts.SearchAll(ctx, &ghl.SearchRequest{
		Filters: []ghl.SearchFilter{ghl.Where("email", ghl.OpEq, "ada@example.com")},
	}) {
		if err != nil {
			return err
		}
		var extra ghl.Extra = contact.Extra
		_ = extra
		n++
	}

	_, _, err = client.Contacts.Get(ctx, "NoSuchContact0000001")
	var apiErr *ghl.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ghl.ErrNotFound) {
		return fmt.Errorf("want a not-found APIError, got %v", err)
	}

	verifier, err := ghl.NewWebhookVerifier(ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()))
	if err != nil {
		return err
	}
	var handler http.Handler = verifier.Handler(func(ctx context.Context, e ghl.Event) error {
		if cc, ok := e.(*ghl.ContactCreateEvent); ok {
			_ = cc.EventLocationID()
		}
		return nil
	})
	_ = handler

	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: "id", ClientSecret: "secret", RedirectURL: "https://example.com/cb"})
	if err != nil {
		return err
	}
	_ = app.AuthCodeURL("state")
	store := ghl.NewMemoryTokenStore()
	var _ ghl.TokenStore = store

	fmt.Println("contacts found:", n, "attempts:", obs.attempts)
	return nil
}
