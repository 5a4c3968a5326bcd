// Package ghl is a client for the GoHighLevel (LeadConnector) API v2: Contacts (contacts,
// search, tasks, notes, tags, appointments), Conversations (call logs, texts, recordings,
// transcripts), Calendars (free slots, booking), Users and Locations (custom fields by key),
// with OAuth token handling, per-location rate limiting and webhook verification.
//
// # The map
//
// One Client, made by NewClient and shared by any number of goroutines, carries a service per
// API: Client.Contacts, Tasks, Notes, Tags, Appointments, Conversations, Calendars, Users and
// Locations. Every method takes a context first, checks and path-escapes every ID before
// sending anything (an *InvalidParamError names a bad parameter), and returns the value, a
// *Response (the HTTP response and the parsed X-RateLimit-* budget) and an error. Listings
// that page are iter.Seq2 iterators (Contacts.SearchAll, Conversations.Messages,
// Calendars.Events, ...). Client.Do reaches any other endpoint through the same pipeline.
//
// Around the services:
//
//   - Options (options.go) configure a client: WithAccessToken or WithTokenSource, WithLocationID,
//     WithHTTPClient, WithBaseURL, WithRateLimiter, WithMaxRetries, WithRetryPolicy,
//     WithAPIVersion and WithAPIVersionFor; WithLogger and WithObserver also configure the
//     webhook verifier.
//   - OAuthApp (auth.go) runs a marketplace app's install flow and hands out a client per
//     location (LocationClients, AgencyLocationClients); its token sources (tokensource.go)
//     refresh GHL's single-use refresh tokens one at a time and never lose a pair; a
//     TokenStore (tokenstore.go) keeps them: NewMemoryTokenStore, NewFileTokenStore, or the
//     redisstore module for many replicas.
//   - WebhookVerifier (webhook.go) verifies GHL's signatures over the raw bytes, refuses stale
//     and replayed deliveries, and its Handler answers GHL the way GHL retries; events are
//     typed (webhook_events*.go), names ending in Event.
//   - NormalizePhone (phone.go) puts a number in E.164, the form GHL stores and matches.
//   - Errors (errors*.go): *APIError, *RateLimitError and sentinels for errors.Is.
//
// # First day
//
// Find or create the caller of an incoming call, then leave a note and a task:
//
//	client, err := ghl.NewClient(ghl.WithAccessToken(pit), ghl.WithLocationID(locationID))
//	phone, err := ghl.NormalizePhone("(415) 555-0100", "US") // +14155550100
//	res, _, err := client.Contacts.Upsert(ctx, &ghl.ContactUpsertRequest{Phone: phone})
//	_, _, err = client.Notes.Create(ctx, res.Contact.ID, &ghl.NoteCreateRequest{Body: "Missed call"})
//	_, _, err = client.Tasks.Create(ctx, res.Contact.ID, &ghl.TaskCreateRequest{
//		Title: "Call back", DueDate: ghl.Time{Time: time.Now().Add(2 * time.Hour)}})
//
// Receive webhooks; an error from the function answers 429, the only status GHL redelivers:
//
//	verifier, err := ghl.NewWebhookVerifier()
//	http.Handle("/ghl/webhooks", verifier.Handler(func(ctx context.Context, e ghl.Event) error {
//		switch e := e.(type) {
//		case *ghl.ContactCreateEvent:
//			return onNewContact(ctx, e)
//		case *ghl.InboundMessageEvent:
//			return onCallOrText(ctx, e)
//		}
//		return nil
//	}))
//
// Install a marketplace app and call the API for any location that installed it:
//
//	base, _ := ghl.NewClient(ghl.WithLogger(logger))
//	app, _ := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: id, ClientSecret: secret, RedirectURL: cb, Client: base})
//	store, _ := ghl.NewFileTokenStore("/var/lib/linkedphone/ghl-tokens")
//	http.Redirect(w, r, app.AuthCodeURL(state), http.StatusFound)                      // install page
//	tok, err := app.ExchangeAndSave(ctx, store, code, ghl.UserTypeLocation)           // callback
//	clients, _ := app.LocationClients(store)
//	c, _ := clients.Client(ghl.TokenInfoOf(tok).LocationID)
//
// Test it against the fake (packages ghltest and ghltest/ghlclient):
//
//	srv := ghltest.New(t)
//	client, err := ghlclient.New(srv)
//
// The README's first-day section has these as whole functions, compiled and run by the tests.
//
// # Rate limits and retries
//
// GHL allows each app 100 requests per 10 seconds and 200,000 per day per location, and says
// which limits apply in X-RateLimit-* headers. The default Limiter keeps one budget per
// location, shaped like GHL's window and fed by every response, and runs at the limit without
// 429s. A wait that would outlast the context's deadline, or a spent daily budget, fails at
// once with a *RateLimitError. Transport errors, 408, 429 and 5xx other than 501 are retried
// with backoff and jitter, honouring Retry-After up to a cap. GET, PUT and DELETE are retried;
// a POST only after a 429, when it is idempotent by nature, or when its context comes from
// IdempotentContext: GHL offers no idempotency key, and a resent create makes a duplicate.
//
// # API versions
//
// Each request carries the Version header its API declares, from one table (Contacts, Users,
// Locations and OAuth 2021-07-28; Conversations and Calendars 2021-04-15). WithAPIVersionFor
// overrides one API's and WithAPIVersion every API's, so following GHL to its named "v3" is
// one option until the SDK follows.
//
// # Errors
//
// A non-2xx response is an *APIError; a 429 is a *RateLimitError. Check with errors.As, or
// errors.Is and the sentinels (ErrNotFound, ErrUnauthorized, ErrInsufficientScope,
// ErrValidation, ErrRateLimited, ErrServer, ErrEmptyResponse, ErrReauthorizationRequired, ...).
// No error string, error value, log line or panic ever holds a token, a client secret or an
// Authorization header.
//
// # Models
//
// Models keep what the API sends that they do not name, in an Extra map, so fields survive a
// decode and re-encode. Custom field values are raw JSON with typed accessors, and
// Locations.ContactFields reads and writes them by key. Requests send only the fields that are
// set: Ptr sets a field of an update, and a field named in Null is sent as null. Timestamps
// use Time, which parses every form GHL sends and keeps the original text.
//
// # Monitoring
//
// WithLogger sends structured logs through log/slog; WithObserver reports attempts, retries,
// rate-limit waits, token refreshes and webhook outcomes as typed events, to feed Prometheus,
// OpenTelemetry or expvar without the SDK depending on them. Requests are named by route
// template (RouteFromContext), never by a path holding IDs.
package ghl
