package ghl

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Option configures NewClient. Options validate their input; NewClient returns the first
// error, an *InvalidParamError. WithLogger and WithObserver return a SharedOption, which also configures the webhook
// verifier, so one logger and one observer serve the whole SDK.
type Option interface {
	applyClient(*options) error
}

// optionFunc is every option that only a Client takes.
type optionFunc func(*options) error

func (f optionFunc) applyClient(o *options) error { return f(o) }

// telemetry is where the SDK reports what it does: the same two settings for the client and
// the webhook verifier.
type telemetry struct {
	logger   *slog.Logger
	observer Observer
}

// SharedOption configures both NewClient and NewWebhookVerifier: WithLogger and WithObserver
// return it, so the same value can be given to each.
type SharedOption struct {
	apply func(*telemetry) error
}

func (s SharedOption) applyClient(o *options) error {
	if s.apply == nil {
		return &InvalidParamError{Param: "SharedOption", Reason: "zero value (use WithLogger or WithObserver)"}
	}
	return s.apply(&o.telemetry)
}

type options struct {
	telemetry

	baseURL     string
	userAgent   string
	maxRetries  int
	retryPolicy RetryPolicy
	httpClient  *http.Client
	tokenSource oauth2.TokenSource
	limiter     Limiter
	locationID  string

	// apiVersion overrides the Version header of every API; apiVersions overrides one API's
	// and wins over apiVersion, whatever the order of the options.
	apiVersion  string
	apiVersions [numAPIs]string
}

// WithBaseURL points the client at another host, such as a ghltest server. It may carry a
// path prefix.
func WithBaseURL(raw string) Option {
	return optionFunc(func(o *options) error {
		bad := func(reason string) error { return &InvalidParamError{Param: "WithBaseURL", Reason: reason} }
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			return bad("not a URL")
		case u.Scheme != "https" && u.Scheme != "http":
			return bad(fmt.Sprintf("%q: scheme must be http or https", raw))
		case u.Host == "":
			return bad(fmt.Sprintf("%q: no host", raw))
		case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			return bad("must not carry a query, fragment or user info")
		}
		o.baseURL = strings.TrimRight(u.String(), "/")
		return nil
	})
}

// WithHTTPClient sets the HTTP client whose transport carries the requests. The client is
// copied and never modified: later changes to it do not affect this Client, and the copy's
// CheckRedirect refuses redirects to another host, so the Authorization header never leaves
// GHL. A client without a Transport gets the SDK's default transport.
//
// Give its transport as many idle connections per host as the calls you run at once
// (http.Transport.MaxIdleConnsPerHost, 2 by default in net/http): otherwise workers paced by
// the rate limiter close and reopen connections, a TLS handshake each against GHL.
//
// Its Timeout, if set, bounds each attempt including the wait for the rate limiter; prefer a
// deadline on the call's context and timeouts on the Transport.
func WithHTTPClient(hc *http.Client) Option {
	return optionFunc(func(o *options) error {
		if hc == nil {
			return &InvalidParamError{Param: "WithHTTPClient", Reason: "nil *http.Client"}
		}
		o.httpClient = hc
		return nil
	})
}

// WithAccessToken authenticates every request with a fixed token: a Private Integration
// Token or an OAuth access token that the caller refreshes elsewhere.
func WithAccessToken(token string) Option {
	return optionFunc(func(o *options) error {
		if strings.TrimSpace(token) == "" {
			return &InvalidParamError{Param: "WithAccessToken", Reason: "empty token"}
		}
		o.tokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: "Bearer"})
		return nil
	})
}

// WithTokenSource authenticates requests with tokens from ts. A source that also implements
// ContextTokenSource receives the request's context; one that implements TokenInvalidator is
// told when the API refuses its token, and the request is sent once more if the source then
// hands out a different token.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return optionFunc(func(o *options) error {
		if ts == nil {
			return &InvalidParamError{Param: "WithTokenSource", Reason: "nil token source"}
		}
		o.tokenSource = ts
		return nil
	})
}

// WithMaxRetries sets how many times a retryable request is retried (default 3; 0 disables
// retries).
func WithMaxRetries(n int) Option {
	return optionFunc(func(o *options) error {
		if n < 0 {
			return &InvalidParamError{Param: "WithMaxRetries", Reason: fmt.Sprintf("%d is negative", n)}
		}
		o.maxRetries = n
		return nil
	})
}

// WithRetryPolicy replaces the retry timing (backoff bounds and the Retry-After cap).
func WithRetryPolicy(p RetryPolicy) Option {
	return optionFunc(func(o *options) error {
		if err := p.validate(); err != nil {
			return err
		}
		o.retryPolicy = p
		return nil
	})
}

// WithRateLimiter replaces the default in-process limiter, for example with one shared by
// many processes.
func WithRateLimiter(l Limiter) Option {
	return optionFunc(func(o *options) error {
		if l == nil {
			return &InvalidParamError{Param: "WithRateLimiter", Reason: "nil limiter"}
		}
		o.limiter = l
		return nil
	})
}

// WithUserAgent appends s to the User-Agent header ("ghl-go/<version> s"), so GHL and proxies
// can tell which application sent a request.
func WithUserAgent(s string) Option {
	return optionFunc(func(o *options) error {
		if strings.ContainsAny(s, "\r\n") {
			return &InvalidParamError{Param: "WithUserAgent", Reason: "value contains a line break"}
		}
		o.userAgent = strings.TrimSpace(s)
		return nil
	})
}

// WithAPIVersion sends v as the Version header of every request, whatever its API. Each API
// has its own version by default (see API), so use this only to follow a change GHL makes
// before this SDK does, such as a move of every API to "v3"; WithAPIVersionFor changes one
// API's version and wins over WithAPIVersion.
func WithAPIVersion(v string) Option {
	return optionFunc(func(o *options) error {
		if err := checkVersion("WithAPIVersion", v); err != nil {
			return err
		}
		o.apiVersion = v
		return nil
	})
}

// WithAPIVersionFor sends v as the Version header of the requests to one API (e.g.
// WithAPIVersionFor(APICalendars, "v3")), leaving the others at their defaults.
func WithAPIVersionFor(api API, v string) Option {
	return optionFunc(func(o *options) error {
		if api <= apiUnset || api >= numAPIs {
			return &InvalidParamError{Param: "WithAPIVersionFor", Reason: fmt.Sprintf("unknown API %d", api)}
		}
		if err := checkVersion("WithAPIVersionFor", v); err != nil {
			return err
		}
		o.apiVersions[api] = v
		return nil
	})
}

func checkVersion(option, v string) error {
	if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "\r\n") {
		return &InvalidParamError{Param: option, Reason: fmt.Sprintf("version %q is empty or holds a line break", v)}
	}
	return nil
}

// WithLocationID names the location (sub-account) this client acts for. It keys the rate
// limiter, whose budget GHL counts per location, and fills in locationId in requests that need
// one and were given none.
func WithLocationID(id string) Option {
	return optionFunc(func(o *options) error {
		if err := checkID("locationID", id); err != nil {
			return err
		}
		o.locationID = id
		return nil
	})
}

// WithLogger sends the SDK's structured logs to l. By default nothing is logged. The same
// option configures NewClient and NewWebhookVerifier; the verifier logs rejections (warn),
// deliveries answered 429 (error when something failed, info for a copy in flight),
// duplicates (info) and accepted events (debug), with the reason, type, location and webhook
// ID, never the body or a signature.
func WithLogger(l *slog.Logger) SharedOption {
	return SharedOption{apply: func(t *telemetry) error {
		if l == nil {
			return &InvalidParamError{Param: "WithLogger", Reason: "nil logger"}
		}
		t.logger = l
		return nil
	}}
}

// WithObserver reports what the SDK does (attempts, retries, rate-limit waits, token
// refreshes, webhook verdicts) to obs, for metrics and tracing. The same option configures
// NewClient and NewWebhookVerifier.
func WithObserver(obs Observer) SharedOption {
	return SharedOption{apply: func(t *telemetry) error {
		if isNil(obs) {
			return &InvalidParamError{Param: "WithObserver", Reason: "nil observer"}
		}
		t.observer = obs
		return nil
	}}
}

// applyWebhook lets WithLogger and WithObserver configure NewWebhookVerifier too.
func (s SharedOption) applyWebhook(o *webhookOptions) error {
	if s.apply == nil {
		return &InvalidParamError{Param: "SharedOption", Reason: "zero value (use WithLogger or WithObserver)"}
	}
	return s.apply(&o.telemetry)
}
