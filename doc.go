// Package ghl is a client for the GoHighLevel (LeadConnector) API v2 Contacts API: contacts,
// search, upsert, duplicates, business, followers, campaigns, workflows, tasks, notes,
// appointments and tags, plus OAuth token handling and webhook verification.
//
// # Creating a client
//
// One Client serves any number of goroutines; create it once and share it.
//
//	client, err := ghl.NewClient(
//		ghl.WithAccessToken(pit),          // a Private Integration Token
//		ghl.WithLocationID(locationID),    // keys the rate limit; fills in locationId
//		ghl.WithUserAgent("linkedphone/2.3"),
//	)
//	contact, resp, err := client.Contacts.Get(ctx, contactID)
//
// Every method takes a context first, rejects empty or malformed IDs before sending anything
// (an *InvalidParamError naming the parameter), path-escapes every ID, and returns the
// decoded result, a *Response (the HTTP response plus the parsed X-RateLimit-* headers) and
// an error. Requests carry the Version header the Contacts API requires (2021-07-28;
// WithAPIVersion overrides it). Redirects to another host are refused, so the Authorization
// header never leaves GHL.
//
// Endpoints outside the typed surface (the Calendars API, say) are reachable with Client.Do,
// which sends a RawRequest through the same pipeline: token, rate limit, retries, typed
// errors and monitoring.
//
// # Authentication
//
// A Private Integration Token (Settings > Private Integrations) is a fixed token: pass it
// with WithAccessToken.
//
// A Marketplace app uses OAuth. GHL refresh tokens are single-use: every refresh returns a
// new pair and the old refresh token dies, so an SDK that refreshes twice at once, or uses a
// new token before saving it, locks the location out until the app is reinstalled. OAuthApp
// handles the install flow (AuthCodeURL, Exchange, ExchangeAndSave) and hands out token
// sources that refresh one key at a time (across processes when the TokenStore implements
// TokenLocker), save each new pair before it is used, finish a refresh even when the caller
// gives up, refresh a margin before expiry and once more on a 401. A refused refresh token
// becomes ErrReauthorizationRequired; a paused location becomes *LocationInactiveError and
// keeps its refresh token.
//
//	app, _ := ghl.NewOAuthApp(ghl.OAuthConfig{ClientID: id, ClientSecret: secret, RedirectURL: cb})
//	store, _ := ghl.NewFileTokenStore("/var/lib/linkedphone/ghl-tokens")
//	tok, err := app.ExchangeAndSave(ctx, store, code, ghl.UserTypeLocation)
//	loc := ghl.TokenInfoOf(tok).LocationID
//	client, _ := ghl.NewClient(ghl.WithLocationID(loc), ghl.WithTokenSource(app.TokenSource(store, loc)))
//
// Tokens persist through a TokenStore: NewMemoryTokenStore, NewFileTokenStore (0600 files,
// atomic writes), or the Redis store of the redisstore module for many replicas. An agency
// (Company) token cannot call the Contacts API; OAuthApp.LocationTokenSource mints location
// tokens from it.
//
// Many locations: a process serving thousands of GHL locations builds one base client and
// asks LocationClients (OAuthApp.LocationClients, or NewLocationClients with any token
// source) for a per-location client. Per-location clients share the transport, the rate
// limiter and the token store, and cost one small allocation.
//
// # Rate limits
//
// GHL allows each app 100 requests per 10 seconds and 200,000 per day per location, and says
// which limits apply in X-RateLimit-* headers. The default Limiter (NewLimiter) keeps one
// budget per location, shaped like the server's window: a sliding-window log stamped when
// each response arrives, updated from the headers of every response. It runs at the server's
// limit without 429s. When the daily budget is spent, calls fail at once with a
// *RateLimitError (Daily true, RetryAfter until the reset) instead of blocking for hours.
// Replicas that share a location share its budget through WithRateLimiter and the redisstore
// module.
//
// # Retries
//
// Transport errors, 408, 429 and 5xx other than 501 are retried with exponential backoff and
// jitter (WithMaxRetries, default 3; WithRetryPolicy for the timings); Retry-After is honoured
// up to a cap, and a done context stops the wait at once. GET, PUT and DELETE are retried;
// a POST only on 429 (the server did not act on it), when it is idempotent by nature
// (search, upsert, tag and follower changes), or when the context comes from
// IdempotentContext: GHL offers no idempotency key, and a resent create makes a duplicate
// contact. When retries run out the caller gets the last response as a typed error.
//
// # Pagination
//
// Contacts.SearchAll, Contacts.ListAll and the other iterators return iter.Seq2 values that
// fetch one page at a time, so memory stays flat however many contacts a location holds.
// SearchAll switches to GHL's searchAfter cursor, so it passes the 10,000-record limit of
// page numbers. Stop early with break; an error is yielded once and ends the iteration.
//
//	for c, err := range client.Contacts.SearchAll(ctx, &ghl.SearchRequest{
//		Filters: []ghl.SearchFilter{ghl.Where("tags", ghl.OpContains, "vip")},
//	}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(c.ID, c.Name)
//	}
//
// # Errors
//
// A non-2xx response is an *APIError with the status, GHL's message (a 422's list of messages
// joined), the error code, trace id and the body (capped at 1 MiB). A 429 is a
// *RateLimitError, which unwraps to its *APIError. Check with errors.As, or with errors.Is
// and the sentinels ErrNotFound, ErrUnauthorized, ErrForbidden, ErrValidation,
// ErrRateLimited and ErrServer. No error string, log line or panic ever contains a token,
// a client secret or an Authorization header; a server that echoes the request has the
// token removed from the error's body.
//
// # Models
//
// Models keep what the API sends that they do not name, in an Extra map, so fields survive a
// decode and re-encode and new fields are reachable before the SDK names them. Custom field
// values are raw JSON with typed accessors (CustomFieldValue.String, Float, Strings,
// Decode). Request types send only the fields that are set; list a field in Null to send an
// explicit null (to clear it). Timestamps use Time, which parses every form GHL sends and
// keeps the original text.
//
// # Webhooks
//
// WebhookVerifier checks GHL's signatures over the exact bytes received: Ed25519
// (X-GHL-Signature) when present, else the legacy RSA signature (X-WH-Signature), with GHL's
// published keys by default and more keys for rotation. It fails closed, caps the body, checks
// the timestamp within a window both ways and deduplicates webhookId through a ReplayStore.
// Its Handler answers GHL with the right status and dispatches typed events:
//
//	v, _ := ghl.NewWebhookVerifier()
//	http.Handle("/ghl/webhooks", v.Handler(func(ctx context.Context, e ghl.Event) error {
//		switch e := e.(type) {
//		case *ghl.ContactCreate:
//			return onNewContact(ctx, e)
//		case *ghl.TaskComplete:
//			return onTaskDone(ctx, e)
//		}
//		return nil
//	}))
//
// An event is remembered as processed only after the function returns nil, so an event that
// failed is processed again when GHL redelivers it. ParseEvent decodes without verifying.
//
// # Monitoring
//
// WithLogger sends structured logs through log/slog: a debug line per attempt, info and warn
// lines for retries, long rate-limit waits and token refreshes. WithObserver (and the
// matching options of the verifier and OAuthConfig) reports the same moments as typed
// events, to feed Prometheus, OpenTelemetry or expvar without the SDK depending on them.
//
// # Testing with ghltest
//
// Package ghltest is an in-process fake of the API: per-location state for all 32 Contacts
// operations, GHL's status codes and error bodies, OAuth with single-use refresh tokens,
// rate limits, fault injection, and signed webhook delivery.
//
//	srv := ghltest.NewServer()
//	defer srv.Close()
//	client, _ := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()),
//		ghl.WithLocationID(srv.LocationID()))
package ghl
