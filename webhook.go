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
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"time"
)

// HeaderGHLSignature carries GHL's Ed25519 signature of the body, the one GHL sends today.
// The legacy RSA signature (X-WH-Signature, which GHL stopped sending in 2026) is still
// accepted when this header is absent.
const HeaderGHLSignature = "X-GHL-Signature"

const headerWHSignature = "X-WH-Signature" // RSA PKCS#1 v1.5 SHA-256 (legacy)

// GHL's published webhook public keys (SPKI PEM).
const (
	ghlEd25519PublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----
`
	ghlRSAPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
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
	defaultWebhookTolerance    = 5 * time.Minute
	defaultWebhookMaxBodyBytes = 1 << 20
	// defaultReplayStoreMaxIDs bounds the in-memory replay store (about 65 MB): some 95
	// deliveries a second, each remembered for the default 86 minutes.
	defaultReplayStoreMaxIDs = 500_000
)

// ghlRedeliveryHorizon is how long after a webhook's timestamp GHL may still deliver it: it
// redelivers a webhook answered 429 six times, ten minutes apart plus jitter, about 70
// minutes in all (GHL's "Automated Webhook Retries" guide, help.gohighlevel.com article
// 155000007071; highlevel-api-docs#257), with 5 minutes more for the jitter. GHL does not say
// whether a redelivery carries a new timestamp, so the verifier assumes it keeps the first
// one: a window of only the tolerance would refuse every redelivery with a final 401, and
// the event a 429 asked for would be lost.
const ghlRedeliveryHorizon = 75 * time.Minute

func parseEd25519PublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
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

func parseRSAPublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
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
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("ghl: PEM block %q is not a public key", block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ghl: parsing public key: %w", err)
	}
	return pub, nil
}

// WebhookOption configures NewWebhookVerifier. NewWebhookVerifier returns the first error.
type WebhookOption interface {
	applyWebhook(*webhookOptions) error
}

// webhookOptionFunc is every option that only the verifier takes.
type webhookOptionFunc func(*webhookOptions) error

func (f webhookOptionFunc) applyWebhook(o *webhookOptions) error { return f(o) }

type webhookOptions struct {
	telemetry
	noDefaults bool
	ed         []ed25519.PublicKey
	rsa        []*rsa.PublicKey
	tolerance  time.Duration
	clock      func() time.Time
	store      ReplayStore
	maxBody    int64
}

// WithEd25519PublicKeys adds keys that x-ghl-signature may verify with, next to GHL's
// published key (for a rotation, or for a test signer such as ghltest). A key GHL sends as
// PEM ("BEGIN PUBLIC KEY") is read with pem.Decode and x509.ParsePKIXPublicKey.
func WithEd25519PublicKeys(keys ...ed25519.PublicKey) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if len(keys) == 0 {
			return &InvalidParamError{Param: "WithEd25519PublicKeys", Reason: "no keys given"}
		}
		for _, k := range keys {
			if len(k) != ed25519.PublicKeySize {
				return &InvalidParamError{Param: "WithEd25519PublicKeys",
					Reason: fmt.Sprintf("key of %d bytes, want %d", len(k), ed25519.PublicKeySize)}
			}
			o.ed = append(o.ed, append(ed25519.PublicKey(nil), k...))
		}
		return nil
	})
}

// WithRSAPublicKeys adds keys that x-wh-signature may verify with, next to GHL's published
// key. Keys under 2048 bits are refused.
func WithRSAPublicKeys(keys ...*rsa.PublicKey) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if len(keys) == 0 {
			return &InvalidParamError{Param: "WithRSAPublicKeys", Reason: "no keys given"}
		}
		for _, k := range keys {
			if k == nil || k.N == nil {
				return &InvalidParamError{Param: "WithRSAPublicKeys", Reason: "nil key"}
			}
			if k.N.BitLen() < 2048 {
				return &InvalidParamError{Param: "WithRSAPublicKeys", Reason: fmt.Sprintf("%d-bit key is too weak", k.N.BitLen())}
			}
			o.rsa = append(o.rsa, k)
		}
		return nil
	})
}

// WithoutDefaultKeys drops GHL's published keys, so only the keys given with
// WithEd25519PublicKeys and WithRSAPublicKeys are trusted (to replace a rotated-out key, or to
// accept only a test signer).
func WithoutDefaultKeys() WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error { o.noDefaults = true; return nil })
}

// WithTolerance sets how far the payload's timestamp may be from now (default 5 minutes): the
// allowance for clocks that disagree. A timestamp in the future is accepted up to the
// tolerance ahead. A timestamp in the past is accepted up to the tolerance plus 75 minutes,
// GHL's redelivery horizon: GHL redelivers a webhook answered 429 for about 70 minutes (six
// times, ten minutes apart, plus jitter), and a redelivery may carry the first delivery's
// timestamp. Replays inside that window are refused by their webhookId: handled IDs are
// remembered for the whole window (twice the tolerance, plus 75 minutes, plus a minute; 86
// minutes by default), so a replay is refused by its ID or by its age.
func WithTolerance(d time.Duration) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if d <= 0 {
			return &InvalidParamError{Param: "WithTolerance", Reason: fmt.Sprintf("%v is not positive", d)}
		}
		o.tolerance = d
		return nil
	})
}

// WithClock sets the webhook verifier's clock: the "now" its timestamp window is measured
// from, and the time its default replay store expires IDs by. It is a WebhookOption, for
// NewWebhookVerifier only; tests use it to verify fixed payloads.
func WithClock(now func() time.Time) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if now == nil {
			return &InvalidParamError{Param: "WithClock", Reason: "nil clock"}
		}
		o.clock = now
		return nil
	})
}

// WithReplayStore sets where handled webhook IDs are remembered, such as a store shared by
// every replica (redisstore). The store must keep an ID for the TTL it is given (86 minutes
// for handled IDs with the default tolerance; see WithTolerance). The default is an in-memory
// store for this process that holds up to 500,000 live IDs (about 65 MB; some 95 deliveries
// a second); when it is full, new deliveries are answered 429 rather than an ID forgotten
// early.
func WithReplayStore(s ReplayStore) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if isNil(s) {
			return &InvalidParamError{Param: "WithReplayStore", Reason: "nil store"}
		}
		o.store = s
		return nil
	})
}

// WithMaxBodyBytes caps the body size (default 1 MiB); a larger body is ErrPayloadTooLarge.
func WithMaxBodyBytes(n int64) WebhookOption {
	return webhookOptionFunc(func(o *webhookOptions) error {
		if n <= 0 {
			return &InvalidParamError{Param: "WithMaxBodyBytes", Reason: fmt.Sprintf("%d is not positive", n)}
		}
		o.maxBody = n
		return nil
	})
}

// isNil reports whether v is nil or a nil pointer in an interface, which would panic when
// called later, far from the mistake.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// WebhookVerifier checks GHL webhook deliveries: signature over the exact bytes received,
// body size, timestamp window and webhookId replay. It is safe for concurrent use.
//
// The timestamp window is wider in the past than in the future: GHL redelivers a webhook
// answered 429 for about 70 minutes, possibly with its first timestamp, so a timestamp is
// accepted from the tolerance ahead of now to the tolerance plus 75 minutes behind it (see
// WithTolerance). Inside that window a replay is refused by its webhookId, which the replay
// store remembers for longer than the window.
//
// If x-ghl-signature is present (and not "N/A") it alone decides, with Ed25519; a delivery
// whose Ed25519 signature fails is rejected even if its x-wh-signature would verify, so a
// forger cannot downgrade to the legacy scheme. Otherwise x-wh-signature is checked with RSA
// PKCS#1 v1.5 over SHA-256. Every check fails closed: no signature, no key, an unreadable
// timestamp or a failing replay store all refuse the delivery.
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
// to add or replace keys). A nil or invalid option is an *InvalidParamError.
func NewWebhookVerifier(opts ...WebhookOption) (*WebhookVerifier, error) {
	o := webhookOptions{
		tolerance: defaultWebhookTolerance,
		clock:     time.Now,
		maxBody:   defaultWebhookMaxBodyBytes,
	}
	for i, opt := range opts {
		if isNil(opt) {
			return nil, &InvalidParamError{Param: "opts", Reason: fmt.Sprintf("option %d is nil", i)}
		}
		if err := opt.applyWebhook(&o); err != nil {
			return nil, err
		}
	}
	v := &WebhookVerifier{
		tolerance: o.tolerance,
		clock:     o.clock,
		store:     o.store,
		maxBody:   o.maxBody,
		replayTTL: replayTTL(o.tolerance),
		observer:  o.observer,
		logger:    o.logger,
	}
	if !o.noDefaults {
		edKey, err := parseEd25519PublicKeyPEM([]byte(ghlEd25519PublicKeyPEM))
		if err != nil {
			return nil, err
		}
		rsaKey, err := parseRSAPublicKeyPEM([]byte(ghlRSAPublicKeyPEM))
		if err != nil {
			return nil, err
		}
		v.ed = append(v.ed, edKey)
		v.rsa = append(v.rsa, rsaKey)
	}
	v.ed = append(v.ed, o.ed...)
	v.rsa = append(v.rsa, o.rsa...)
	if len(v.ed) == 0 && len(v.rsa) == 0 {
		return nil, &InvalidParamError{Param: "opts", Reason: "no public keys (WithoutDefaultKeys needs WithEd25519PublicKeys or WithRSAPublicKeys)"}
	}
	if v.store == nil {
		v.store = newMemoryReplayStore(v.clock, defaultReplayStoreMaxIDs)
	}
	if v.observer == nil {
		v.observer = NopObserver{}
	}
	if v.logger == nil {
		v.logger = slog.New(discardHandler{})
	}
	return v, nil
}

// replayTTL is how long a handled webhookId is remembered: longer than a copy of it can pass
// the timestamp check. A delivery accepted at t has a timestamp at most the tolerance ahead
// of t, and that timestamp passes until tolerance + ghlRedeliveryHorizon after it, so until
// t + 2*tolerance + ghlRedeliveryHorizon; a minute more covers the time fn runs before the ID
// is recorded and a store whose clock is a little behind.
func replayTTL(tolerance time.Duration) time.Duration {
	return 2*tolerance + ghlRedeliveryHorizon + time.Minute
}

// Verify checks one delivery and decodes its event. body must be the request body exactly
// as received. It returns:
//   - ErrPayloadTooLarge, ErrMissingSignature or ErrInvalidSignature (wrapped) when the
//     delivery cannot be trusted;
//   - a *WebhookPayloadError when a valid signature covers something that is not a JSON
//     object, or has no webhookId;
//   - ErrStaleWebhook when the timestamp is missing, unreadable, more than the tolerance
//     ahead, or older than the tolerance plus GHL's redelivery horizon (75 minutes; see
//     WithTolerance);
//   - ErrReplayedWebhook when the Handler already handled this webhookId;
//   - another error when the replay store failed.
//
// Verify records nothing: the Handler does, after your function succeeds, and also keeps
// concurrent copies of one delivery from being handled twice; prefer it. Code that calls
// Verify in a handler of its own should answer as the Handler does, because GHL redelivers a
// webhook only when it is answered 429: 2xx for nil and ErrReplayedWebhook, 413, 401 or 400
// for the errors above, and 429 for any other error. Each verdict is reported to the
// Observer (WebhookAccepted meaning verified) and logged.
func (v *WebhookVerifier) Verify(ctx context.Context, header http.Header, body []byte) (Event, error) {
	if v == nil {
		return nil, &InvalidParamError{Param: "WebhookVerifier", Reason: "nil verifier"}
	}
	if ctx == nil {
		return nil, &InvalidParamError{Param: "ctx", Reason: "must not be nil"}
	}
	ev, err := v.verify(ctx, header, body)
	if err != nil {
		v.report(ctx, ev, err, outcomeOf(err))
		return nil, err
	}
	v.report(ctx, ev, nil, WebhookAccepted)
	return ev, nil
}

// verify runs every check; on a replay it returns the event with the error.
func (v *WebhookVerifier) verify(ctx context.Context, header http.Header, body []byte) (Event, error) {
	if int64(len(body)) > v.maxBody {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrPayloadTooLarge, len(body), v.maxBody)
	}
	if err := v.checkSignature(header, body); err != nil {
		return nil, err
	}
	ev, err := parseEvent(ownCopy(body))
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
	switch age := v.clock().Sub(ts); {
	case age > v.tolerance+ghlRedeliveryHorizon:
		return nil, fmt.Errorf("%w: timestamp is %v old, older than GHL redelivers (%v with the tolerance)",
			ErrStaleWebhook, age.Round(time.Second), v.tolerance+ghlRedeliveryHorizon)
	case age < -v.tolerance:
		return nil, fmt.Errorf("%w: timestamp is %v ahead, tolerance %v", ErrStaleWebhook, (-age).Round(time.Second), v.tolerance)
	}
	if env.WebhookID == "" {
		return nil, &WebhookPayloadError{Reason: "no webhookId"}
	}
	done, err := v.store.Processed(ctx, env.WebhookID)
	if err != nil {
		return ev, &replayStoreError{op: "Processed", err: err}
	}
	if done {
		return ev, ErrReplayedWebhook
	}
	return ev, nil
}

// replayStoreError is a failure of the ReplayStore: the delivery may succeed when it comes
// again.
type replayStoreError struct {
	op  string
	err error
}

func (e *replayStoreError) Error() string {
	return "ghl: webhook replay store " + e.op + ": " + e.err.Error()
}
func (e *replayStoreError) Unwrap() error { return e.err }

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
	sig, ok, err := signatureHeader(header, headerWHSignature)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMissingSignature
	}
	if len(v.rsa) == 0 {
		return fmt.Errorf("%w: no RSA key is configured for %s", ErrInvalidSignature, headerWHSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%w: %s is not base64", ErrInvalidSignature, headerWHSignature)
	}
	sum := sha256.Sum256(body)
	for _, k := range v.rsa {
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], raw) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: %s does not verify with any of %d RSA key(s)", ErrInvalidSignature, headerWHSignature, len(v.rsa))
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

// report tells the observer and the logger about one verdict.
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
	case WebhookInFlight:
		level, msg = slog.LevelInfo, "ghl: webhook copy in flight, answered 429 for a redelivery"
	case WebhookFailed:
		level, msg = slog.LevelError, "ghl: webhook failed, answered 429 for a redelivery"
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
