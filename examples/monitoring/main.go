// Command monitoring shows how to watch what the SDK does in production. An Observer
// (counting.Observer, in counting/) counts the figures an operator needs (requests by status,
// retries by reason, time waited on the rate limit, daily budget left per location, token
// refreshes that worked or failed, webhooks by outcome), the standard library's expvar names
// them, and a loopback HTTP server publishes them at /debug/vars for any scraper.
//
// It runs a short sync of two locations against an in-process ghltest server that injects 5xx
// answers, connection resets and 429 storms, with a low rate limit, so retries and waits
// happen; one location's token is refused and refreshed (once failing while the location is
// paused). The same server delivers signed webhooks to the receiver. At the end it fetches
// /debug/vars over HTTP and prints the counters:
//
//	go run ./examples/monitoring
//
// The SDK's own logs (retries, token refreshes, rejected webhooks) go to stderr at info level.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/examples/monitoring/counting"
	"github.com/linkedphone/ghl-go/ghltest"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "monitoring:", err)
		os.Exit(1)
	}
}

// published is the program's one entry in expvar's process-wide registry; each run points it
// at its own observer.
var published = expvar.NewMap("ghl")

// publish makes the observer's totals the "ghl" variable of /debug/vars, named for a scraper:
// requests by HTTP status ("transport_error" when no response came), retries by reason
// (ghl.RetryReason*), rate-limit waits and seconds waited, the daily budget left per location,
// token refreshes that worked or failed, webhooks by outcome (ghl.Webhook*) and rejections by
// reason (ghl.WebhookReject*). Each read takes a fresh snapshot.
func publish(obs *counting.Observer) {
	published.Init()
	counts := func(f func(counting.Counts) any) expvar.Func {
		return func() any { return f(obs.Counts()) }
	}
	published.Set("requests_by_status", counts(func(c counting.Counts) any {
		out := map[string]int64{}
		for status, n := range c.AttemptsByStatus {
			key := "transport_error"
			if status != 0 {
				key = strconv.Itoa(status)
			}
			out[key] = n
		}
		return out
	}))
	published.Set("retries_by_reason", counts(func(c counting.Counts) any { return c.RetriesByReason }))
	published.Set("ratelimit_waits", counts(func(c counting.Counts) any { return c.RateLimitWaits }))
	published.Set("ratelimit_wait_seconds", counts(func(c counting.Counts) any { return c.RateLimitWaited.Seconds() }))
	published.Set("daily_budget_remaining", counts(func(c counting.Counts) any {
		out := map[string]int{}
		for loc, l := range c.Locations {
			if l.DailyLimit > 0 {
				out[loc] = l.DailyRemaining
			}
		}
		return out
	}))
	published.Set("token_refreshes", counts(func(c counting.Counts) any {
		return map[string]int64{"ok": c.TokenRefreshes, "failed": c.TokenRefreshFailures}
	}))
	published.Set("webhooks_by_outcome", counts(func(c counting.Counts) any { return c.Webhooks }))
	published.Set("webhook_rejections_by_reason", counts(func(c counting.Counts) any { return c.WebhookRejections }))
}

const (
	pitLocation   = "demo-location-pit"
	oauthLocation = "demo-location-oauth"
	contactsEach  = 20
)

// run starts the fake and the monitoring endpoint, syncs, and writes the snapshot to out.
func run(ctx context.Context, out io.Writer, logger *slog.Logger) error {
	m := &counting.Observer{}
	publish(m)

	srv := ghltest.NewServer(
		ghltest.WithLocation(pitLocation, "demo-pit-token"),
		ghltest.WithSeed(42),
		// A low budget (scaled down from GHL's 100 per 10 s) so the client's limiter has to
		// pace the sync and waits show up in the counters.
		ghltest.WithRateLimit(ghltest.RateLimitConfig{Limit: 10, Window: 250 * time.Millisecond, DailyLimit: 1000}),
		ghltest.WithFaults(ghltest.FaultConfig{
			ServerErrors: 0.06, Resets: 0.04, Storms: 0.02, StormLength: 300 * time.Millisecond,
			Match: func(r *http.Request) bool { return r.URL.Path != "/oauth/token" },
		}),
	)
	defer srv.Close()
	srv.SetWebhookRetries(3, 10*time.Millisecond)

	verifier, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()),
		ghl.WithObserver(m), ghl.WithLogger(logger))
	if err != nil {
		return err
	}
	var failOnce sync.Once
	mux := http.NewServeMux()
	mux.Handle("GET /debug/vars", expvar.Handler())
	mux.Handle("POST /webhooks/ghl", verifier.Handler(func(_ context.Context, ev ghl.Event) error {
		// The first event fails once, as a busy database would; GHL (here the fake) redelivers it.
		failed := false
		failOnce.Do(func() { failed = true })
		if failed {
			return errors.New("database busy")
		}
		return nil
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0") // loopback only: the counters are not public
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	srv.RegisterWebhook(base + "/webhooks/ghl")

	// One location with a Private Integration Token, one installed through OAuth.
	pit, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken("demo-pit-token"), ghl.WithLocationID(pitLocation),
		ghl.WithObserver(m), ghl.WithLogger(logger),
		// More retries than the default: the fake fails about one request in eight, and its
		// 429 storms (300 ms, without Retry-After) must not use up a call's retries:
		// backoff reaches 400 ms, so a storm costs a call about four attempts of its nine.
		ghl.WithMaxRetries(8),
		ghl.WithRetryPolicy(ghl.RetryPolicy{MinWait: 25 * time.Millisecond, MaxWait: 400 * time.Millisecond, MaxRetryAfter: 2 * time.Second}))
	if err != nil {
		return err
	}
	app, err := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: ghltest.DefaultClientID, ClientSecret: ghltest.DefaultClientSecret,
		Client: pit})
	if err != nil {
		return err
	}
	store := ghl.NewMemoryTokenStore()
	if _, err := app.ExchangeAndSave(ctx, store, srv.AuthorizationCode(oauthLocation), ghl.UserTypeLocation); err != nil {
		return err
	}
	oauthClients, err := app.LocationClients(store)
	if err != nil {
		return err
	}
	oauth, err := oauthClients.Client(oauthLocation)
	if err != nil {
		return err
	}
	clients := []*ghl.Client{pit, oauth}

	ids, err := eachLocation(ctx, clients, func(ctx context.Context, c *ghl.Client, i int) (string, error) {
		res, _, err := c.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{LocationID: c.LocationID(),
			FirstName: "Contact", LastName: strconv.Itoa(i), Email: fmt.Sprintf("contact%d@example.com", i)})
		if err != nil {
			return "", err
		}
		return res.Contact.ID, nil
	})
	if err != nil {
		return fmt.Errorf("upserting contacts: %w", err)
	}

	// GHL refuses the OAuth location's access token while the location is paused: the
	// refresh fails (and is counted), then succeeds once it is active again.
	srv.ExpireAccessTokens()
	srv.SetLocationActive(oauthLocation, false)
	if _, _, err := oauth.Contacts.Get(ctx, ids[1][0]); !errors.Is(err, ghl.ErrLocationInactive) {
		return fmt.Errorf("expected the refresh to fail while the location is paused, got %v", err)
	}
	srv.SetLocationActive(oauthLocation, true)

	if _, err := eachLocation(ctx, clients, func(ctx context.Context, c *ghl.Client, i int) (string, error) {
		loc := 0
		if c == oauth {
			loc = 1
		}
		_, _, err := c.Contacts.Update(ctx, ids[loc][i], &ghl.ContactUpdateRequest{City: ghl.Ptr("Atlanta")})
		return "", err
	}); err != nil {
		return fmt.Errorf("updating contacts: %w", err)
	}

	// Let the fake finish its deliveries, have it redeliver one (a duplicate), and post one
	// with a forged signature (rejected).
	if err := srv.FlushWebhooks(ctx); err != nil {
		return err
	}
	if d := srv.Deliveries(); len(d) > 0 {
		if err := srv.Redeliver(d[0].WebhookID); err != nil {
			return err
		}
	}
	if err := postForged(ctx, base+"/webhooks/ghl"); err != nil {
		return err
	}
	if err := srv.FlushWebhooks(ctx); err != nil {
		return err
	}

	return printSnapshot(ctx, out, base+"/debug/vars")
}

// eachLocation runs fn for contactsEach items in every location at once, one worker per
// location, and returns what fn returned, by location.
func eachLocation(ctx context.Context, clients []*ghl.Client, fn func(context.Context, *ghl.Client, int) (string, error)) ([][]string, error) {
	out := make([][]string, len(clients))
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for li, c := range clients {
		out[li] = make([]string, contactsEach)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range contactsEach {
				v, err := fn(ctx, c, i)
				if err != nil {
					errs[li] = fmt.Errorf("%s: %w", c.LocationID(), err)
					return
				}
				out[li][i] = v
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func postForged(ctx context.Context, url string) error {
	body := []byte(`{"type":"ContactDelete","locationId":"` + pitLocation + `","id":"x","webhookId":"forged"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ghl.HeaderGHLSignature, "bm90IGEgc2lnbmF0dXJl")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("forged webhook answered %s", resp.Status)
	}
	return nil
}

// printSnapshot fetches /debug/vars as a scraper would and prints the "ghl" variable.
func printSnapshot(ctx context.Context, out io.Writer, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /debug/vars: %s", resp.Status)
	}
	var vars map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return fmt.Errorf("decoding /debug/vars: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, vars["ghl"], "", "  "); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "GET %s -> \"ghl\":\n%s\n", url, pretty.Bytes())
	return err
}
