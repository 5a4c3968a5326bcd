package ghl

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ReplayStore remembers webhook IDs so each delivery is processed once, across retries from
// GHL and across replicas that share the store. Implementations must be safe for concurrent
// use; Claim must be atomic.
type ReplayStore interface {
	// Claim reserves id for processing for up to ttl. It returns false if id is already
	// claimed or processed.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// MarkProcessed records id as processed, remembering it for ttl.
	MarkProcessed(ctx context.Context, id string, ttl time.Duration) error
	// Release drops a claim whose processing failed, so a redelivery is processed again.
	Release(ctx context.Context, id string) error
	// Processed reports whether id was recorded as processed.
	Processed(ctx context.Context, id string) (bool, error)
}

// Webhook verification errors, for errors.Is. A payload that verified but is not a usable
// event is a *WebhookPayloadError (errors.Is(err, ErrMalformedWebhook)).
var (
	// ErrMissingSignature: neither x-ghl-signature nor x-wh-signature carries a signature
	// (absent, empty or "N/A").
	ErrMissingSignature = errors.New("ghl: webhook has no signature")
	// ErrInvalidSignature: the signature does not verify over the body with any configured key.
	ErrInvalidSignature = errors.New("ghl: webhook signature is invalid")
	// ErrStaleWebhook: the payload's timestamp is missing, unreadable, or outside the
	// tolerance window (in the past or the future).
	ErrStaleWebhook = errors.New("ghl: webhook timestamp is outside the tolerance window")
	// ErrReplayedWebhook: the webhookId was already recorded as processed.
	ErrReplayedWebhook = errors.New("ghl: webhook was already processed")
	// ErrPayloadTooLarge: the body exceeds the verifier's size limit.
	ErrPayloadTooLarge = errors.New("ghl: webhook body is too large")
	// ErrReplayStoreFull: the in-memory replay store holds its maximum of live IDs.
	ErrReplayStoreFull = errors.New("ghl: webhook replay store is full")
)

// Signature headers, as GHL names them.
const (
	HeaderGHLSignature = "X-GHL-Signature" // Ed25519 (current)
	HeaderWHSignature  = "X-WH-Signature"  // RSA PKCS#1 v1.5 SHA-256 (legacy)
)

// GHL's published webhook public keys (SPKI PEM). GHL documents that keys may rotate: add new
// keys with WithEd25519PublicKeys or WithRSAPublicKeys.
const (
	GHLEd25519PublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----
`
	GHLRSAPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
`
)

// Defaults of NewWebhookVerifier.
const (
	DefaultWebhookTolerance    = 5 * time.Minute
	DefaultWebhookMaxBodyBytes = 1 << 20
	// webhookClaimTTL bounds how long a delivery being handled blocks its redeliveries, so a
	// crashed process does not block an event forever.
	webhookClaimTTL = 5 * time.Minute
)

// ParseEd25519PublicKeyPEM parses an Ed25519 public key in SPKI PEM form ("BEGIN PUBLIC KEY").
func ParseEd25519PublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	pub, err := parsePublicKeyPEM(data)
	if err != nil {
		return nil, err
	}
	k, ok := pub.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("ghl: PEM key is a %T, not an Ed25519 key", pub)
	}
	return k, nil
}

// ParseRSAPublicKeyPEM parses an RSA public key in SPKI PEM form ("BEGIN PUBLIC KEY") or
// PKCS#1 form ("BEGIN RSA PUBLIC KEY").
func ParseRSAPublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	pub, err := parsePublicKeyPEM(data)
	if err != nil {
		return nil, err
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("ghl: PEM key is a %T, not an RSA key", pub)
	}
	return k, nil
}

func parsePublicKeyPEM(data []byte) (any, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("ghl: no PEM block found")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ghl: parsing public key: %w", err)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ghl: parsing RSA public key: %w", err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("ghl: PEM block %q is not a public key", block.Type)
}

// WebhookOption configures a WebhookVerifier. NewWebhookVerifier returns the first error.
type WebhookOption func(*webhookOptions) error

type webhookOptions struct {
	noDefaults bool
	ed         []ed25519.PublicKey
	rsa        []*rsa.PublicKey
	tolerance  time.Duration
	clock      func() time.Time
	store      ReplayStore
	maxBody    int64
	observer   Observer
	logger     *slog.Logger
	replayTTL  time.Duration
}

// WithEd25519PublicKeys adds keys that x-ghl-signature may verify with, next to GHL's
// published key (for a rotation, or for a test signer such as ghltest).
func WithEd25519PublicKeys(keys ...ed25519.PublicKey) WebhookOption {
	return func(o *webhookOptions) error {
		for _, k := range keys {
			if len(k) != ed25519.PublicKeySize {
				return fmt.Errorf("ghl: WithEd25519PublicKeys: key of %d bytes, want %d", len(k), ed25519.PublicKeySize)
			}
			o.ed = append(o.ed, append(ed25519.PublicKey(nil), k...))
		}
		return nil
	}
}

// WithRSAPublicKeys adds keys that x-wh-signature may verify with, next to GHL's published
// key. Keys under 2048 bits are refused.
func WithRSAPublicKeys(keys ...*rsa.PublicKey) WebhookOption {
	return func(o *webhookOptions) error {
		for _, k := range keys {
			if k == nil || k.N == nil {
				return errors.New("ghl: WithRSAPublicKeys: nil key")
			}
			if k.N.BitLen() < 2048 {
				return fmt.Errorf("ghl: WithRSAPublicKeys: %d-bit key is too weak", k.N.BitLen())
			}
			o.rsa = append(o.rsa, k)
		}
		return nil
	}
}

// WithoutDefaultKeys drops GHL's published keys, so only the keys given with
// WithEd25519PublicKeys and WithRSAPublicKeys are trusted (to replace a rotated-out key, or to
// accept only a test signer).
func WithoutDefaultKeys() WebhookOption {
	return func(o *webhookOptions) error { o.noDefaults = true; return nil }
}

// WithTolerance sets how far the payload's timestamp may be from now, either way (default
// 5 minutes).
func WithTolerance(d time.Duration) WebhookOption {
	return func(o *webhookOptions) error {
		if d <= 0 {
			return fmt.Errorf("ghl: WithTolerance: %v is not positive", d)
		}
		o.tolerance = d
		return nil
	}
}

// WithClock makes the verifier (and its default replay store) read time from now.
func WithClock(now func() time.Time) WebhookOption {
	return func(o *webhookOptions) error {
		if now == nil {
			return errors.New("ghl: WithClock: nil clock")
		}
		o.clock = now
		return nil
	}
}

// WithReplayStore sets where processed webhook IDs are remembered, such as a store shared by
// every replica. The default is an in-memory store for this process.
func WithReplayStore(s ReplayStore) WebhookOption {
	return func(o *webhookOptions) error {
		if s == nil {
			return errors.New("ghl: WithReplayStore: nil store")
		}
		o.store = s
		return nil
	}
}

// WithMaxBodyBytes caps the body size (default 1 MiB); a larger body is ErrPayloadTooLarge.
func WithMaxBodyBytes(n int64) WebhookOption {
	return func(o *webhookOptions) error {
		if n <= 0 {
			return fmt.Errorf("ghl: WithMaxBodyBytes: %d is not positive", n)
		}
		o.maxBody = n
		return nil
	}
}

// WithWebhookObserver reports every verdict to o.OnWebhook.
func WithWebhookObserver(o Observer) WebhookOption {
	return func(opts *webhookOptions) error {
		if o == nil {
			return errors.New("ghl: WithWebhookObserver: nil observer")
		}
		opts.observer = o
		return nil
	}
}

// WithWebhookLogger logs rejections (warn), duplicates (info) and handler failures (error).
// Log lines carry the reason, type, location and webhook ID, never the body or a signature.
func WithWebhookLogger(l *slog.Logger) WebhookOption {
	return func(o *webhookOptions) error {
		if l == nil {
			return errors.New("ghl: WithWebhookLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithReplayTTL sets how long a processed webhook ID is remembered (default twice the
// tolerance plus a minute: by then the timestamp check rejects the event anyway).
func WithReplayTTL(d time.Duration) WebhookOption {
	return func(o *webhookOptions) error {
		if d <= 0 {
			return fmt.Errorf("ghl: WithReplayTTL: %v is not positive", d)
		}
		o.replayTTL = d
		return nil
	}
}

// WebhookVerifier checks GHL webhook deliveries: signature over the exact bytes received,
// body size, timestamp window and webhookId replay. It is safe for concurrent use.
//
// If x-ghl-signature is present (and not "N/A") it alone decides, with Ed25519; a delivery
// whose Ed25519 signature fails is rejected even if its x-wh-signature would verify, so a
// forger cannot downgrade to the legacy scheme. Otherwise x-wh-signature is checked with RSA
// PKCS#1 v1.5 over SHA-256. Every check fails closed: no signature, no key, an unreadable
// timestamp or a failing replay store all reject the delivery.
type WebhookVerifier struct {
	ed        []ed25519.PublicKey
	rsa       []*rsa.PublicKey
	tolerance time.Duration
	clock     func() time.Time
	store     ReplayStore
	maxBody   int64
	replayTTL time.Duration
	observer  Observer
	logger    *slog.Logger
}

// NewWebhookVerifier returns a verifier that trusts GHL's published keys (see the options
// to add or replace keys).
func NewWebhookVerifier(opts ...WebhookOption) (*WebhookVerifier, error) {
	o := webhookOptions{
		tolerance: DefaultWebhookTolerance,
		clock:     time.Now,
		maxBody:   DefaultWebhookMaxBodyBytes,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	v := &WebhookVerifier{
		tolerance: o.tolerance,
		clock:     o.clock,
		store:     o.store,
		maxBody:   o.maxBody,
		replayTTL: o.replayTTL,
		observer:  o.observer,
		logger:    o.logger,
	}
	if !o.noDefaults {
		edKey, err := ParseEd25519PublicKeyPEM([]byte(GHLEd25519PublicKeyPEM))
		if err != nil {
			return nil, err
		}
		rsaKey, err := ParseRSAPublicKeyPEM([]byte(GHLRSAPublicKeyPEM))
		if err != nil {
			return nil, err
		}
		v.ed = append(v.ed, edKey)
		v.rsa = append(v.rsa, rsaKey)
	}
	v.ed = append(v.ed, o.ed...)
	v.rsa = append(v.rsa, o.rsa...)
	if len(v.ed) == 0 && len(v.rsa) == 0 {
		return nil, errors.New("ghl: NewWebhookVerifier: no public keys (WithoutDefaultKeys needs WithEd25519PublicKeys or WithRSAPublicKeys)")
	}
	if v.replayTTL == 0 {
		v.replayTTL = 2*v.tolerance + time.Minute
	}
	if v.store == nil {
		v.store = &MemoryReplayStore{clock: v.clock, maxIDs: 100_000, entries: map[string]replayEntry{}}
	}
	if v.observer == nil {
		v.observer = NopObserver{}
	}
	if v.logger == nil {
		v.logger = slog.New(discardHandler{})
	}
	return v, nil
}

// Verify checks one delivery and decodes its event. body must be the request body exactly
// as received. It returns:
//   - ErrPayloadTooLarge, ErrMissingSignature or ErrInvalidSignature (wrapped) when the
//     delivery cannot be trusted;
//   - a *WebhookPayloadError when a valid signature covers something that is not a JSON
//     object, or has no webhookId;
//   - ErrStaleWebhook when the timestamp is missing or outside the window;
//   - ErrReplayedWebhook when the webhookId was already recorded as processed.
//
// Verify does not record the event. Once it is handled, call MarkProcessed so a redelivery
// is reported as ErrReplayedWebhook; the Handler does all of this for you, and also keeps two
// concurrent deliveries of one event from both being processed. Each verdict is reported to
// the Observer (WebhookAccepted meaning verified) and rejections are logged.
func (v *WebhookVerifier) Verify(ctx context.Context, header http.Header, body []byte) (Event, error) {
	ev, err := v.verify(ctx, header, body)
	if err != nil {
		v.report(ctx, ev, err, outcomeOf(err))
		return nil, err
	}
	v.report(ctx, ev, nil, WebhookAccepted)
	return ev, nil
}

// MarkProcessed records ev's webhookId as processed, so Verify reports a redelivery as
// ErrReplayedWebhook. Call it after the event was handled successfully.
func (v *WebhookVerifier) MarkProcessed(ctx context.Context, ev Event) error {
	if ev == nil || ev.EventWebhookID() == "" {
		return &InvalidParamError{Param: "ev", Reason: "has no webhookId"}
	}
	return v.store.MarkProcessed(ctx, ev.EventWebhookID(), v.replayTTL)
}

func outcomeOf(err error) string {
	if errors.Is(err, ErrReplayedWebhook) {
		return WebhookDuplicate
	}
	return WebhookRejected
}

// verify runs every check; on a replay it returns the event with the error.
func (v *WebhookVerifier) verify(ctx context.Context, header http.Header, body []byte) (Event, error) {
	if int64(len(body)) > v.maxBody {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrPayloadTooLarge, len(body), v.maxBody)
	}
	if err := v.checkSignature(header, body); err != nil {
		return nil, err
	}
	ev, err := parseEvent(append([]byte(nil), body...))
	if err != nil {
		return nil, err
	}
	env := ev.envelope()
	ts := env.Timestamp.Time
	if ts.IsZero() {
		if env.Timestamp.Raw == "" {
			return nil, fmt.Errorf("%w: payload has no timestamp", ErrStaleWebhook)
		}
		return nil, fmt.Errorf("%w: unreadable timestamp", ErrStaleWebhook)
	}
	if age := v.clock().Sub(ts); age > v.tolerance || age < -v.tolerance {
		return nil, fmt.Errorf("%w: timestamp is %v from now, tolerance %v", ErrStaleWebhook, age.Round(time.Second), v.tolerance)
	}
	if env.WebhookID == "" {
		return nil, &WebhookPayloadError{Reason: "no webhookId"}
	}
	done, err := v.store.Processed(ctx, env.WebhookID)
	if err != nil {
		return nil, fmt.Errorf("ghl: webhook replay store: %w", err)
	}
	if done {
		return ev, ErrReplayedWebhook
	}
	return ev, nil
}

func (v *WebhookVerifier) checkSignature(header http.Header, body []byte) error {
	if sig, ok, err := signatureHeader(header, HeaderGHLSignature); err != nil {
		return err
	} else if ok {
		if len(v.ed) == 0 {
			return fmt.Errorf("%w: no Ed25519 key is configured for %s", ErrInvalidSignature, HeaderGHLSignature)
		}
		var buf [ed25519.SignatureSize + 3]byte
		if base64.StdEncoding.DecodedLen(len(sig)) > len(buf) {
			return fmt.Errorf("%w: %s is not a base64 Ed25519 signature", ErrInvalidSignature, HeaderGHLSignature)
		}
		n, err := base64.StdEncoding.Decode(buf[:], []byte(sig))
		if err != nil || n != ed25519.SignatureSize {
			return fmt.Errorf("%w: %s is not a base64 Ed25519 signature", ErrInvalidSignature, HeaderGHLSignature)
		}
		for _, k := range v.ed {
			if ed25519.Verify(k, body, buf[:n]) {
				return nil
			}
		}
		return fmt.Errorf("%w: %s does not verify with any of %d Ed25519 key(s)", ErrInvalidSignature, HeaderGHLSignature, len(v.ed))
	}
	sig, ok, err := signatureHeader(header, HeaderWHSignature)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMissingSignature
	}
	if len(v.rsa) == 0 {
		return fmt.Errorf("%w: no RSA key is configured for %s", ErrInvalidSignature, HeaderWHSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: %s is not base64", ErrInvalidSignature, HeaderWHSignature)
	}
	sum := sha256.Sum256(body)
	for _, k := range v.rsa {
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], raw) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s does not verify with any of %d RSA key(s)", ErrInvalidSignature, HeaderWHSignature, len(v.rsa))
}

// signatureHeader returns the header's value; ok is false when it is absent, empty or "N/A".
// Header names are matched without regard to case, also in maps not built by net/http.
// Several values are refused: which one was meant is unknowable.
func signatureHeader(h http.Header, name string) (string, bool, error) {
	vals := h.Values(name)
	if len(vals) == 0 {
		for k, vs := range h {
			if strings.EqualFold(k, name) {
				vals = append(vals, vs...)
			}
		}
	}
	var found []string
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v != "" && !strings.EqualFold(v, "N/A") {
			found = append(found, v)
		}
	}
	switch len(found) {
	case 0:
		return "", false, nil
	case 1:
		return found[0], true, nil
	}
	return "", false, fmt.Errorf("%w: %d values of %s", ErrInvalidSignature, len(found), name)
}

func (v *WebhookVerifier) report(ctx context.Context, ev Event, err error, outcome string) {
	info := WebhookInfo{Outcome: outcome, Err: err}
	if ev != nil {
		info.Type = ev.EventType()
		info.LocationID = ev.EventLocationID()
		info.WebhookID = ev.EventWebhookID()
	}
	v.observer.OnWebhook(ctx, info)
	level, msg := slog.LevelDebug, "ghl: webhook accepted"
	switch outcome {
	case WebhookRejected:
		level, msg = slog.LevelWarn, "ghl: webhook rejected"
	case WebhookDuplicate:
		level, msg = slog.LevelInfo, "ghl: duplicate webhook acknowledged"
	case WebhookFailed:
		level, msg = slog.LevelError, "ghl: webhook handler failed"
	}
	if !v.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("outcome", outcome))
	if info.Type != "" {
		attrs = append(attrs, slog.String("type", info.Type))
	}
	if info.LocationID != "" {
		attrs = append(attrs, slog.String("location_id", info.LocationID))
	}
	if info.WebhookID != "" {
		attrs = append(attrs, slog.String("webhook_id", info.WebhookID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	v.logger.LogAttrs(ctx, level, msg, attrs...)
}

// Handler returns an http.Handler that receives GHL deliveries: it reads the body under the
// size limit, verifies it, drops replays, and calls fn with the event. It answers:
//
//	200 fn succeeded; or a duplicate (already processed, or being processed by a concurrent
//	    delivery), acknowledged so GHL stops retrying and fn is not called again
//	400 a valid signature over a payload that is not a usable event
//	401 missing or invalid signature, or a timestamp outside the window (a stale delivery is
//	    treated as unauthenticated: its signature no longer proves it is fresh)
//	405 a method other than POST
//	413 the body exceeds the limit
//	500 fn failed, or the replay store failed: the webhookId is released, so GHL's redelivery
//	    is processed again
//
// A webhookId is recorded as processed only after fn returned nil. fn runs on the request's
// goroutine; GHL expects a quick answer, so hand long work to a queue.
func (v *WebhookVerifier) Handler(fn func(context.Context, Event) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := v.readBody(w, r)
		if err != nil {
			v.reject(ctx, w, nil, err)
			return
		}
		ev, err := v.verify(ctx, r.Header, body)
		if err != nil {
			v.reject(ctx, w, ev, err)
			return
		}
		id := ev.EventWebhookID()
		claimed, err := v.store.Claim(ctx, id, webhookClaimTTL)
		if err != nil {
			v.reject(ctx, w, ev, fmt.Errorf("ghl: webhook replay store: %w", err))
			return
		}
		if !claimed {
			v.reject(ctx, w, ev, ErrReplayedWebhook)
			return
		}
		if err := v.dispatch(ctx, fn, ev); err != nil {
			// The event is not done: forget the claim so GHL's redelivery runs fn again.
			if rerr := v.store.Release(context.WithoutCancel(ctx), id); rerr != nil {
				err = errors.Join(err, fmt.Errorf("ghl: releasing webhook ID: %w", rerr))
			}
			v.report(ctx, ev, err, WebhookFailed)
			http.Error(w, "handler failed", http.StatusInternalServerError)
			return
		}
		if err := v.store.MarkProcessed(context.WithoutCancel(ctx), id, v.replayTTL); err != nil {
			// fn succeeded; answering 500 would only make GHL deliver the event again.
			v.logger.LogAttrs(ctx, slog.LevelError, "ghl: recording processed webhook ID failed",
				slog.String("webhook_id", id), slog.String("error", err.Error()))
		}
		v.report(ctx, ev, nil, WebhookAccepted)
		w.WriteHeader(http.StatusOK)
	})
}

// dispatch calls fn. If fn panics, the claim is released and the failure reported before the
// panic goes on to the server, which logs it as usual.
func (v *WebhookVerifier) dispatch(ctx context.Context, fn func(context.Context, Event) error, ev Event) (err error) {
	panicked := true
	defer func() {
		if panicked {
			rec := recover()
			_ = v.store.Release(context.WithoutCancel(ctx), ev.EventWebhookID())
			v.report(ctx, ev, fmt.Errorf("ghl: webhook handler panicked: %v", rec), WebhookFailed)
			if rec != nil {
				panic(rec)
			}
		}
	}()
	err = fn(ctx, ev)
	panicked = false
	return err
}

func (v *WebhookVerifier) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > v.maxBody {
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", ErrPayloadTooLarge, r.ContentLength, v.maxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, v.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("%w: limit %d", ErrPayloadTooLarge, v.maxBody)
		}
		return nil, fmt.Errorf("ghl: reading webhook body: %w", err)
	}
	return body, nil
}

// reject answers a delivery that was not dispatched, and reports it.
func (v *WebhookVerifier) reject(ctx context.Context, w http.ResponseWriter, ev Event, err error) {
	status := WebhookStatus(err)
	outcome := WebhookRejected
	if status == http.StatusOK {
		outcome = WebhookDuplicate
	}
	v.report(ctx, ev, err, outcome)
	if status == http.StatusOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

// WebhookStatus maps an error from Verify to the HTTP status the Handler answers with, for
// code that calls Verify in its own handler.
func WebhookStatus(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrReplayedWebhook):
		return http.StatusOK
	case errors.Is(err, ErrPayloadTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrStaleWebhook):
		return http.StatusUnauthorized
	case errors.Is(err, ErrMalformedWebhook):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// MemoryReplayStore is a ReplayStore for one process. Its memory is bounded: IDs expire after
// their TTL, and when it holds its maximum of live IDs, new claims fail with
// ErrReplayStoreFull (the delivery is answered 500 and GHL retries it later) rather than
// forget an ID early. Size the maximum above the number of deliveries in one replay TTL.
type MemoryReplayStore struct {
	clock  func() time.Time
	maxIDs int

	mu      sync.Mutex
	entries map[string]replayEntry
	order   []replayOrder // insertion order, for expiry; may hold stale items
	head    int
}

type replayEntry struct {
	expires   time.Time
	processed bool
}

type replayOrder struct {
	id      string
	expires time.Time
}

// MemoryReplayStoreOption configures a MemoryReplayStore.
type MemoryReplayStoreOption func(*MemoryReplayStore) error

// WithReplayStoreClock makes the store read time from now.
func WithReplayStoreClock(now func() time.Time) MemoryReplayStoreOption {
	return func(s *MemoryReplayStore) error {
		if now == nil {
			return errors.New("ghl: WithReplayStoreClock: nil clock")
		}
		s.clock = now
		return nil
	}
}

// WithReplayStoreMaxIDs sets how many live IDs the store holds (default 100,000, about 10 MB).
func WithReplayStoreMaxIDs(n int) MemoryReplayStoreOption {
	return func(s *MemoryReplayStore) error {
		if n <= 0 {
			return fmt.Errorf("ghl: WithReplayStoreMaxIDs(%d): must be positive", n)
		}
		s.maxIDs = n
		return nil
	}
}

// NewMemoryReplayStore returns an empty in-memory store. An invalid option is an error.
func NewMemoryReplayStore(opts ...MemoryReplayStoreOption) (*MemoryReplayStore, error) {
	s := &MemoryReplayStore{clock: time.Now, maxIDs: 100_000, entries: map[string]replayEntry{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Claim implements ReplayStore.
func (s *MemoryReplayStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if e, ok := s.entries[id]; ok && now.Before(e.expires) {
		return false, nil
	}
	if err := s.roomLocked(now, id); err != nil {
		return false, err
	}
	s.putLocked(id, replayEntry{expires: now.Add(ttl)})
	return true, nil
}

// MarkProcessed implements ReplayStore.
func (s *MemoryReplayStore) MarkProcessed(_ context.Context, id string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if err := s.roomLocked(now, id); err != nil {
		return err
	}
	s.putLocked(id, replayEntry{expires: now.Add(ttl), processed: true})
	return nil
}

// Release implements ReplayStore. It drops a claim, never a processed ID.
func (s *MemoryReplayStore) Release(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[id]; ok && !e.processed {
		delete(s.entries, id)
	}
	return nil
}

// Processed implements ReplayStore.
func (s *MemoryReplayStore) Processed(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	return ok && e.processed && s.clock().Before(e.expires), nil
}

// Len returns how many IDs the store holds, expired ones not yet swept included.
func (s *MemoryReplayStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *MemoryReplayStore) putLocked(id string, e replayEntry) {
	s.entries[id] = e
	s.order = append(s.order, replayOrder{id: id, expires: e.expires})
}

// roomLocked sweeps expired IDs and reports whether id may be added.
func (s *MemoryReplayStore) roomLocked(now time.Time, id string) error {
	s.sweepLocked(now)
	if _, ok := s.entries[id]; ok || len(s.entries) < s.maxIDs {
		return nil
	}
	// The front of the order may be a long-lived ID with expired ones behind it.
	for k, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, k)
		}
	}
	if len(s.entries) < s.maxIDs {
		return nil
	}
	return ErrReplayStoreFull
}

// sweepLocked drops expired IDs from the front of the insertion order. Entries are nearly
// in expiry order (TTLs are few and similar); one that outlives its neighbours waits for
// them, and lookups check expiry themselves.
func (s *MemoryReplayStore) sweepLocked(now time.Time) {
	for s.head < len(s.order) {
		o := s.order[s.head]
		if e, ok := s.entries[o.id]; ok && e.expires.Equal(o.expires) {
			if now.Before(e.expires) {
				break
			}
			delete(s.entries, o.id)
		}
		s.order[s.head] = replayOrder{}
		s.head++
	}
	// Compact when the consumed prefix dominates, so the slice does not grow without bound.
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0], s.order[s.head:]...)
		s.head = 0
	}
}
