package ghl

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSigner signs payloads the way GHL does, with keys made for the test run.
type testSigner struct {
	edPub  ed25519.PublicKey
	edPriv ed25519.PrivateKey
	rsa    *rsa.PrivateKey
}

// RSA key generation is slow under -race; one key pair serves every test.
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newTestSigner(t testing.TB) *testSigner {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return &testSigner{edPub: pub, edPriv: priv, rsa: testRSAKey()}
}

func (s *testSigner) edSig(body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.edPriv, body))
}

func (s *testSigner) rsaSig(body []byte) string {
	sum := sha256.Sum256(body)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.rsa, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var webhookTestNow = time.Date(2025, 1, 28, 14, 35, 0, 0, time.UTC)

// contactPayload returns a compact ContactCreate payload with the given timestamp and ID.
func contactPayload(ts, webhookID string) []byte {
	return []byte(`{"type":"ContactCreate","locationId":"ve9EPM428h8vShlRW1KT","id":"nmFmQEsNgz6AVpgLVUJ0","email":"john@example.com","tags":["vip"],"dateAdded":"2021-11-26T12:41:02.193Z","timestamp":"` + ts + `","webhookId":"` + webhookID + `"}`)
}

func newTestVerifier(t testing.TB, s *testSigner, clock *testClock, opts ...WebhookOption) *WebhookVerifier {
	t.Helper()
	all := append([]WebhookOption{
		WithoutDefaultKeys(),
		WithEd25519PublicKeys(s.edPub),
		WithRSAPublicKeys(&s.rsa.PublicKey),
		WithClock(clock.Now),
	}, opts...)
	v, err := NewWebhookVerifier(all...)
	require.NoError(t, err)
	return v
}

// recordingObserver keeps the webhook verdicts.
type recordingObserver struct {
	NopObserver
	mu    sync.Mutex
	infos []WebhookInfo
}

func (o *recordingObserver) OnWebhook(_ context.Context, info WebhookInfo) {
	o.mu.Lock()
	o.infos = append(o.infos, info)
	o.mu.Unlock()
}

func (o *recordingObserver) outcomes() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, i := range o.infos {
		out = append(out, i.Outcome)
	}
	return out
}

func TestWebhookVerifyTable(t *testing.T) {
	signer := newTestSigner(t)
	other := newTestSigner(t)
	now := webhookTestNow.Format(time.RFC3339)
	good := contactPayload(now, "wh-1")

	bigBody := func() []byte {
		pad := strings.Repeat("x", DefaultWebhookMaxBodyBytes)
		return []byte(`{"type":"NoteCreate","body":"` + pad + `","timestamp":"` + now + `","webhookId":"wh-big"}`)
	}()

	type delivery struct {
		header http.Header
		body   []byte
	}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	cases := []struct {
		name       string
		make       func() delivery
		processed  []string // webhook IDs already recorded as processed
		wantErr    error
		wantStatus int
	}{
		{"valid Ed25519", func() delivery {
			return delivery{hdr("x-ghl-signature", signer.edSig(good)), good}
		}, nil, nil, 200},
		{"valid RSA", func() delivery {
			return delivery{hdr("x-wh-signature", signer.rsaSig(good)), good}
		}, nil, nil, 200},
		{"valid Ed25519 and RSA", func() delivery {
			return delivery{hdr("x-ghl-signature", signer.edSig(good), "x-wh-signature", signer.rsaSig(good)), good}
		}, nil, nil, 200},
		{"one byte changed", func() delivery {
			b := bytes.Clone(good)
			b[bytes.Index(b, []byte("john"))] = 'J'
			return delivery{hdr("x-ghl-signature", signer.edSig(good)), b}
		}, nil, ErrInvalidSignature, 401},
		{"one byte changed, RSA", func() delivery {
			b := bytes.Clone(good)
			b[bytes.Index(b, []byte("john"))] = 'J'
			return delivery{hdr("x-wh-signature", signer.rsaSig(good)), b}
		}, nil, ErrInvalidSignature, 401},
		{"wrong Ed25519 key", func() delivery {
			return delivery{hdr("x-ghl-signature", other.edSig(good)), good}
		}, nil, ErrInvalidSignature, 401},
		{"wrong RSA key", func() delivery {
			k, err := rsa.GenerateKey(rand.Reader, 1024) // fast; only its signature matters
			require.NoError(t, err)
			sum := sha256.Sum256(good)
			sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
			require.NoError(t, err)
			return delivery{hdr("x-wh-signature", base64.StdEncoding.EncodeToString(sig)), good}
		}, nil, ErrInvalidSignature, 401},
		{"Ed25519 bad with RSA good", func() delivery {
			return delivery{hdr("x-ghl-signature", other.edSig(good), "x-wh-signature", signer.rsaSig(good)), good}
		}, nil, ErrInvalidSignature, 401},
		{"missing headers", func() delivery {
			return delivery{http.Header{}, good}
		}, nil, ErrMissingSignature, 401},
		{"empty headers", func() delivery {
			return delivery{hdr("x-ghl-signature", "", "x-wh-signature", " "), good}
		}, nil, ErrMissingSignature, 401},
		{"N/A in both", func() delivery {
			return delivery{hdr("x-ghl-signature", "N/A", "x-wh-signature", "N/A"), good}
		}, nil, ErrMissingSignature, 401},
		{"N/A Ed25519 falls to RSA", func() delivery {
			return delivery{hdr("x-ghl-signature", "N/A", "x-wh-signature", signer.rsaSig(good)), good}
		}, nil, nil, 200},
		{"signature not base64", func() delivery {
			return delivery{hdr("x-ghl-signature", "%%%not-base64%%%"), good}
		}, nil, ErrInvalidSignature, 401},
		{"signature too long", func() delivery {
			return delivery{hdr("x-ghl-signature", base64.StdEncoding.EncodeToString(make([]byte, 200))), good}
		}, nil, ErrInvalidSignature, 401},
		{"two signature values", func() delivery {
			return delivery{hdr("x-ghl-signature", signer.edSig(good), "x-ghl-signature", other.edSig(good)), good}
		}, nil, ErrInvalidSignature, 401},
		{"timestamp too old", func() delivery {
			b := contactPayload(webhookTestNow.Add(-5*time.Minute-time.Second).Format(time.RFC3339), "wh-old")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"timestamp too far ahead", func() delivery {
			b := contactPayload(webhookTestNow.Add(5*time.Minute+time.Second).Format(time.RFC3339), "wh-new")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"timestamp at the window's edges", func() delivery {
			b := contactPayload(webhookTestNow.Add(-5*time.Minute).Format(time.RFC3339), "wh-edge")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, nil, 200},
		{"timestamp missing", func() delivery {
			b := []byte(`{"type":"ContactCreate","locationId":"L1","webhookId":"wh-nots"}`)
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"timestamp unreadable", func() delivery {
			b := []byte(`{"type":"ContactCreate","locationId":"L1","timestamp":"yesterday","webhookId":"wh-bad-ts"}`)
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"replayed webhookId", func() delivery {
			return delivery{hdr("x-ghl-signature", signer.edSig(good)), good}
		}, []string{"wh-1"}, ErrReplayedWebhook, 200},
		{"oversized body", func() delivery {
			return delivery{hdr("x-ghl-signature", signer.edSig(bigBody)), bigBody}
		}, nil, ErrPayloadTooLarge, 413},
		{"whitespace re-formatted body", func() delivery {
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, good, "", "  "))
			return delivery{hdr("x-ghl-signature", signer.edSig(good), "x-wh-signature", signer.rsaSig(good)), pretty.Bytes()}
		}, nil, ErrInvalidSignature, 401},
		{"valid signature over malformed JSON", func() delivery {
			b := []byte(`{"type":"ContactCreate","timestamp":"` + now + `","webhookId":"wh-2",}`)
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrMalformedWebhook, 400},
		{"valid signature over a JSON array", func() delivery {
			b := []byte(`[{"type":"ContactCreate"}]`)
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrMalformedWebhook, 400},
		{"valid signature, no webhookId", func() delivery {
			b := []byte(`{"type":"ContactCreate","timestamp":"` + now + `"}`)
			return delivery{hdr("x-wh-signature", signer.rsaSig(b)), b}
		}, nil, ErrMalformedWebhook, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.make()
			ctx := context.Background()

			// Verify, on a verifier of its own.
			clock := &testClock{now: webhookTestNow}
			v := newTestVerifier(t, signer, clock)
			for _, id := range tc.processed {
				require.NoError(t, v.store.MarkProcessed(ctx, id, time.Hour))
			}
			ev, err := v.Verify(ctx, d.header, d.body)
			if tc.wantErr == nil {
				require.NoError(t, err)
				require.NotNil(t, ev)
				assert.Equal(t, d.body, ev.Raw())
			} else {
				require.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, ev)
				assert.Equal(t, tc.wantStatus, WebhookStatus(err))
				if errors.Is(tc.wantErr, ErrMalformedWebhook) {
					var perr *WebhookPayloadError
					assert.ErrorAs(t, err, &perr, "a malformed payload is a typed error")
				}
				for _, s := range []string{d.header.Get("x-ghl-signature"), d.header.Get("x-wh-signature")} {
					if len(s) > 8 {
						assert.NotContains(t, err.Error(), s, "error strings never carry a signature")
					}
				}
			}

			// The Handler, on another verifier with the same state.
			obs := &recordingObserver{}
			hv := newTestVerifier(t, signer, clock, WithWebhookObserver(obs))
			for _, id := range tc.processed {
				require.NoError(t, hv.store.MarkProcessed(ctx, id, time.Hour))
			}
			var calls atomic.Int32
			h := hv.Handler(func(_ context.Context, ev Event) error {
				calls.Add(1)
				assert.Equal(t, d.body, ev.Raw())
				return nil
			})
			req := httptest.NewRequest(http.MethodPost, "/webhooks/ghl", bytes.NewReader(d.body))
			req.Header = d.header.Clone()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tc.wantStatus, rec.Code)
			wantCalls := int32(0)
			if tc.wantErr == nil {
				wantCalls = 1
			}
			assert.Equal(t, wantCalls, calls.Load(), "dispatches")
			require.Len(t, obs.infos, 1, "one verdict per delivery")
			switch {
			case tc.wantErr == nil:
				assert.Equal(t, WebhookAccepted, obs.infos[0].Outcome)
			case errors.Is(tc.wantErr, ErrReplayedWebhook):
				assert.Equal(t, WebhookDuplicate, obs.infos[0].Outcome)
				assert.Equal(t, "wh-1", obs.infos[0].WebhookID)
			default:
				assert.Equal(t, WebhookRejected, obs.infos[0].Outcome)
				assert.ErrorIs(t, obs.infos[0].Err, tc.wantErr)
			}
		})
	}
}

func TestWebhookHandlerDedupesAndRetriesFailures(t *testing.T) {
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	obs := &recordingObserver{}
	v := newTestVerifier(t, signer, clock, WithWebhookObserver(obs))
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-retry")

	fail := true
	var calls int
	h := v.Handler(func(_ context.Context, ev Event) error {
		calls++
		assert.IsType(t, &ContactCreateEvent{}, ev)
		if fail {
			return errors.New("database is down")
		}
		return nil
	})
	post := func() int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set(HeaderGHLSignature, signer.edSig(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}

	assert.Equal(t, 500, post(), "the caller's function failed")
	assert.Equal(t, 1, calls)
	fail = false
	assert.Equal(t, 200, post(), "GHL's retry is processed again")
	assert.Equal(t, 2, calls)
	assert.Equal(t, 200, post(), "a duplicate is acknowledged")
	assert.Equal(t, 2, calls, "and not dispatched")
	assert.Equal(t, []string{WebhookFailed, WebhookAccepted, WebhookDuplicate}, obs.outcomes())

	// Verify on its own now reports the replay too.
	_, err := v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.ErrorIs(t, err, ErrReplayedWebhook)
}

func TestWebhookHandlerConcurrentDeliveriesDispatchOnce(t *testing.T) {
	signer := newTestSigner(t)
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow})
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-concurrent")
	sig := signer.edSig(body)
	var calls atomic.Int32
	release := make(chan struct{})
	h := v.Handler(func(context.Context, Event) error {
		calls.Add(1)
		<-release
		return nil
	})
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set(HeaderGHLSignature, sig)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			codes[i] = rec.Code
		}()
	}
	// Seven duplicates are answered while the first is still being handled.
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	for _, c := range codes {
		assert.Equal(t, 200, c)
	}
}

func TestWebhookHandlerPanicReleasesClaim(t *testing.T) {
	signer := newTestSigner(t)
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow})
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-panic")
	panics := true
	h := v.Handler(func(context.Context, Event) error {
		if panics {
			panic("boom")
		}
		return nil
	})
	serve := func() int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set(HeaderGHLSignature, signer.edSig(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.PanicsWithValue(t, "boom", func() { serve() })
	panics = false
	assert.Equal(t, 200, serve(), "the redelivery is processed")
}

func TestWebhookHandlerMethodsAndBodyLimit(t *testing.T) {
	signer := newTestSigner(t)
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithMaxBodyBytes(64))
	h := v.Handler(func(context.Context, Event) error {
		t.Error("dispatched")
		return nil
	})
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, "/", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
	}

	// A body over the limit without a Content-Length is cut off while reading.
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-chunked")
	req := httptest.NewRequest(http.MethodPost, "/", struct{ *bytes.Reader }{bytes.NewReader(body)})
	req.ContentLength = -1
	req.Header.Set(HeaderGHLSignature, signer.edSig(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	_, err := v.Verify(context.Background(), req.Header, body)
	assert.ErrorIs(t, err, ErrPayloadTooLarge)
}

func TestWebhookLogsRejectionsWithoutSecrets(t *testing.T) {
	signer := newTestSigner(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithWebhookLogger(logger))
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-log")
	sig := newTestSigner(t).edSig(body) // a wrong key
	h := v.Handler(func(context.Context, Event) error { return nil })
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set(HeaderGHLSignature, sig)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, 401, rec.Code)

	out := logs.String()
	assert.Contains(t, out, `"level":"WARN"`)
	assert.Contains(t, out, "webhook rejected")
	assert.Contains(t, out, "signature is invalid")
	assert.NotContains(t, out, sig)
	assert.NotContains(t, out, "john@example.com", "no body in logs")
	assert.NotContains(t, rec.Body.String(), sig)
}

func TestWebhookVerifyThenMarkProcessed(t *testing.T) {
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	v := newTestVerifier(t, signer, clock)
	ctx := context.Background()
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-manual")
	h := http.Header{HeaderWHSignature: {signer.rsaSig(body)}}

	ev, err := v.Verify(ctx, h, body)
	require.NoError(t, err)
	ev2, err := v.Verify(ctx, h, body)
	require.NoError(t, err, "not recorded until MarkProcessed")
	require.NoError(t, v.MarkProcessed(ctx, ev))
	_, err = v.Verify(ctx, h, body)
	assert.ErrorIs(t, err, ErrReplayedWebhook)
	assert.Equal(t, ev.Raw(), ev2.Raw())

	// Processed IDs are kept for twice the tolerance plus a minute; by then the timestamp
	// check rejects the delivery anyway.
	clock.Add(10*time.Minute + 59*time.Second)
	_, err = v.Verify(ctx, h, body)
	assert.ErrorIs(t, err, ErrStaleWebhook)

	var pe *InvalidParamError
	assert.ErrorAs(t, v.MarkProcessed(ctx, &UnknownEvent{}), &pe)
}

func TestNewWebhookVerifierKeysAndOptions(t *testing.T) {
	ed, err := ParseEd25519PublicKeyPEM([]byte(GHLEd25519PublicKeyPEM))
	require.NoError(t, err)
	assert.Equal(t, "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8", hex.EncodeToString(ed))
	rk, err := ParseRSAPublicKeyPEM([]byte(GHLRSAPublicKeyPEM))
	require.NoError(t, err)
	assert.Equal(t, 4096, rk.N.BitLen())

	_, err = ParseEd25519PublicKeyPEM([]byte(GHLRSAPublicKeyPEM))
	assert.Error(t, err)
	_, err = ParseRSAPublicKeyPEM([]byte(GHLEd25519PublicKeyPEM))
	assert.Error(t, err)
	_, err = ParseRSAPublicKeyPEM([]byte("not pem"))
	assert.Error(t, err)

	v, err := NewWebhookVerifier()
	require.NoError(t, err)
	assert.Equal(t, []ed25519.PublicKey{ed}, v.ed)
	require.Len(t, v.rsa, 1)
	assert.True(t, rk.Equal(v.rsa[0]))
	assert.Equal(t, 5*time.Minute, v.tolerance)
	assert.Equal(t, int64(1<<20), v.maxBody)

	// Added keys verify next to GHL's (rotation); WithoutDefaultKeys replaces GHL's.
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-rot")
	added, err := NewWebhookVerifier(WithEd25519PublicKeys(signer.edPub), WithClock(clock.Now))
	require.NoError(t, err)
	assert.Len(t, added.ed, 2)
	_, err = added.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.NoError(t, err)
	onlyRSA, err := NewWebhookVerifier(WithoutDefaultKeys(), WithRSAPublicKeys(&signer.rsa.PublicKey), WithClock(clock.Now))
	require.NoError(t, err)
	_, err = onlyRSA.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.ErrorIs(t, err, ErrInvalidSignature, "no Ed25519 key: fail closed")

	for name, opts := range map[string][]WebhookOption{
		"no keys":        {WithoutDefaultKeys()},
		"short ed key":   {WithEd25519PublicKeys(ed25519.PublicKey{1, 2, 3})},
		"nil rsa key":    {WithRSAPublicKeys(nil)},
		"weak rsa key":   {WithRSAPublicKeys(&rsa.PublicKey{N: big.NewInt(1 << 40), E: 65537})},
		"zero tolerance": {WithTolerance(0)},
		"nil clock":      {WithClock(nil)},
		"nil store":      {WithReplayStore(nil)},
		"zero body":      {WithMaxBodyBytes(0)},
		"nil observer":   {WithWebhookObserver(nil)},
		"nil logger":     {WithWebhookLogger(nil)},
		"zero ttl":       {WithReplayTTL(0)},
	} {
		_, err := NewWebhookVerifier(opts...)
		assert.Error(t, err, name)
	}
}

func TestWebhookToleranceAndHeaderForms(t *testing.T) {
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	v := newTestVerifier(t, signer, clock, WithTolerance(time.Minute))
	body := contactPayload(webhookTestNow.Add(-2*time.Minute).Format(time.RFC3339), "wh-tol")
	_, err := v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.ErrorIs(t, err, ErrStaleWebhook)

	// Header maps built by hand, with names in any case, are read too.
	body = contactPayload(webhookTestNow.Format(time.RFC3339), "wh-case")
	_, err = v.Verify(context.Background(), http.Header{"x-ghl-signature": {signer.edSig(body)}}, body)
	assert.NoError(t, err)
}

func TestMemoryReplayStore(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: webhookTestNow}
	s, err := NewMemoryReplayStore(WithReplayStoreClock(clock.Now), WithReplayStoreMaxIDs(3))
	require.NoError(t, err)

	ok, err := s.Claim(ctx, "a", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.False(t, ok, "already claimed")
	done, _ := s.Processed(ctx, "a")
	assert.False(t, done, "claimed is not processed")

	require.NoError(t, s.Release(ctx, "a"))
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.True(t, ok, "released claims can be taken again")

	require.NoError(t, s.MarkProcessed(ctx, "a", 10*time.Minute))
	done, _ = s.Processed(ctx, "a")
	assert.True(t, done)
	require.NoError(t, s.Release(ctx, "a"))
	done, _ = s.Processed(ctx, "a")
	assert.True(t, done, "Release never forgets a processed ID")
	ok, _ = s.Claim(ctx, "a", time.Minute)
	assert.False(t, ok, "processed IDs cannot be claimed")

	// A claim expires, so a crashed handler does not block the event forever.
	ok, _ = s.Claim(ctx, "b", time.Minute)
	require.True(t, ok)
	clock.Add(time.Minute)
	ok, _ = s.Claim(ctx, "b", time.Minute)
	assert.True(t, ok, "expired claim")

	// Full of live IDs: fail closed rather than forget one early.
	ok, _ = s.Claim(ctx, "c", time.Minute)
	require.True(t, ok)
	_, err = s.Claim(ctx, "d", time.Minute)
	assert.ErrorIs(t, err, ErrReplayStoreFull)
	assert.ErrorIs(t, s.MarkProcessed(ctx, "d", time.Minute), ErrReplayStoreFull)
	assert.NoError(t, s.MarkProcessed(ctx, "c", time.Minute), "an ID already held needs no room")

	// Expiry makes room, also for IDs behind a longer-lived one.
	clock.Add(2 * time.Minute)
	ok, err = s.Claim(ctx, "d", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 2, s.Len(), "a (processed, 10 min) and d")
	clock.Add(10 * time.Minute)
	done, _ = s.Processed(ctx, "a")
	assert.False(t, done, "processed IDs expire")
}

func TestMemoryReplayStoreMemoryStaysBounded(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{now: webhookTestNow}
	s, err := NewMemoryReplayStore(WithReplayStoreClock(clock.Now), WithReplayStoreMaxIDs(100))
	require.NoError(t, err)
	for i := 0; i < 20000; i++ {
		id := fmt.Sprint("id-", i)
		ok, err := s.Claim(ctx, id, time.Second)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, s.MarkProcessed(ctx, id, time.Second))
		clock.Add(100 * time.Millisecond)
	}
	assert.LessOrEqual(t, s.Len(), 100)
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Less(t, len(s.order)-s.head, 100, "the expiry queue is swept")
	assert.Less(t, cap(s.order), 5000, "and compacted")
}

func TestWebhookEndToEndWithGhltest(t *testing.T) {
	srv := ghltest.NewServer()
	defer srv.Close()
	obs := &recordingObserver{}
	v, err := NewWebhookVerifier(WithoutDefaultKeys(),
		WithEd25519PublicKeys(srv.WebhookPublicKey()), WithRSAPublicKeys(srv.WebhookRSAPublicKey()),
		WithWebhookObserver(obs))
	require.NoError(t, err)

	got := make(chan Event, 16)
	receiver := httptest.NewServer(v.Handler(func(_ context.Context, ev Event) error {
		got <- ev
		return nil
	}))
	defer receiver.Close()
	srv.RegisterWebhook(receiver.URL + "/webhooks/ghl")

	client, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(srv.Token()), WithLocationID(srv.LocationID()))
	require.NoError(t, err)
	ctx := context.Background()
	c, _, err := client.Contacts.Create(ctx, &ContactCreateRequest{FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", Tags: []string{"vip"}})
	require.NoError(t, err)
	require.NoError(t, srv.FlushWebhooks(ctx))

	var ev Event
	select {
	case ev = <-got:
	default:
		t.Fatal("no event arrived")
	}
	cc, ok := ev.(*ContactCreateEvent)
	require.True(t, ok, "got %T", ev)
	assert.Equal(t, c.ID, cc.ID)
	assert.Equal(t, srv.LocationID(), cc.LocationID)
	assert.Equal(t, "ada@example.com", cc.Email)
	assert.Equal(t, "Ada Lovelace", cc.Name)
	assert.Equal(t, []string{"vip"}, cc.Tags)
	assert.NotEmpty(t, cc.WebhookID)
	assert.WithinDuration(t, time.Now(), cc.EventTime(), time.Minute)

	deliveries := srv.Deliveries()
	require.Len(t, deliveries, 1)
	assert.True(t, deliveries[0].Delivered)
	assert.Equal(t, cc.WebhookID, deliveries[0].WebhookID)
	assert.Equal(t, deliveries[0].Body, cc.Raw(), "verified over the bytes sent")

	// A redelivery is acknowledged and not dispatched again.
	require.NoError(t, srv.Redeliver(cc.WebhookID))
	require.NoError(t, srv.FlushWebhooks(ctx))
	deliveries = srv.Deliveries()
	require.Len(t, deliveries, 2)
	assert.True(t, deliveries[1].Redelivery)
	assert.Equal(t, 200, deliveries[1].StatusCode)
	assert.Equal(t, 1, deliveries[1].Attempts)
	assert.Len(t, got, 0, "not dispatched again")
	assert.Equal(t, []string{WebhookAccepted, WebhookDuplicate}, obs.outcomes())
}

// webhookBenchBody returns a ContactCreate payload of about 1 KB, compact, as GHL sends it.
func webhookBenchBody(tb testing.TB) []byte {
	body := []byte(`{"type":"ContactCreate","locationId":"ve9EPM428h8vShlRW1KT","id":"nmFmQEsNgz6AVpgLVUJ0","address1":"3535 1st St N","city":"ruDolomitebika","state":"AL","companyName":"Loram ipsum GmbH","country":"DE","source":"xyz web form","dateAdded":"2021-11-26T12:41:02.193Z","dateOfBirth":"2000-01-05T00:00:00.000Z","dnd":true,"email":"JohnDeo@gmail.comm","name":"John Deo","firstName":"John","lastName":"Deo","phone":"+919509597501","postalCode":"452001","tags":["id magna sed Lorem","Duis dolor commodo aliqua","customer","newsletter","vip","webinar-2025"],"website":"https://www.google.com/","attachments":[],"assignedTo":"nmFmQEsNgz6AVpgLVUJ0","customFields":[{"id":"BcdmQEsNgz6AVpgLVUJ0","value":"XYZ Corp"},{"id":"BcdmQEsNgz6AVpgLVUJ1","value":42},{"id":"BcdmQEsNgz6AVpgLVUJ2","value":["a","b"]},{"id":"BcdmQEsNgz6AVpgLVUJ3","value":"Follow up after the demo call next week about the annual plan and the two extra seats"}],"timestamp":"` +
		webhookTestNow.Format(time.RFC3339) + `","webhookId":"7f2c1e4a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}`)
	if len(body) < 1000 || len(body) > 1050 {
		tb.Fatalf("bench body is %d bytes, want about 1 KB", len(body))
	}
	return body
}

// BenchmarkWebhookVerify compares Verify of a 1 KB Ed25519-signed event (signature, size,
// JSON decode into the typed event, timestamp, replay lookup) with a bare ed25519.Verify of
// the same bytes. Run with:
//
//	go test -run '^$' -bench 'BenchmarkWebhookVerify' -benchmem -cpu 1 -count 5 .
func BenchmarkWebhookVerify(b *testing.B) {
	signer := newTestSigner(b)
	body := webhookBenchBody(b)
	sig := ed25519.Sign(signer.edPriv, body)
	h := http.Header{}
	h.Set(HeaderGHLSignature, base64.StdEncoding.EncodeToString(sig))
	v := newTestVerifier(b, signer, &testClock{now: webhookTestNow})
	ctx := context.Background()

	b.Run("ed25519.Verify", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for i := 0; i < b.N; i++ {
			if !ed25519.Verify(signer.edPub, body, sig) {
				b.Fatal("bad signature")
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := v.Verify(ctx, h, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseEvent", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := ParseEvent(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("VerifyRSA2048", func(b *testing.B) {
		hr := http.Header{HeaderWHSignature: {signer.rsaSig(body)}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := v.Verify(ctx, hr, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWebhookVerifyRatio interleaves a bare ed25519.Verify and a full Verify of the same
// 1 KB event in every iteration and reports the ratio of their median times, so load on a
// shared machine (and a preempted iteration) affects both sides alike. The target is a ratio
// of at most 1.2.
func BenchmarkWebhookVerifyRatio(b *testing.B) {
	signer := newTestSigner(b)
	body := webhookBenchBody(b)
	sig := ed25519.Sign(signer.edPriv, body)
	h := http.Header{}
	h.Set(HeaderGHLSignature, base64.StdEncoding.EncodeToString(sig))
	v := newTestVerifier(b, signer, &testClock{now: webhookTestNow})
	ctx := context.Background()
	bare := make([]time.Duration, b.N)
	full := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if !ed25519.Verify(signer.edPub, body, sig) {
			b.Fatal("bad signature")
		}
		t1 := time.Now()
		if _, err := v.Verify(ctx, h, body); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bare[i], full[i] = t1.Sub(t0), t2.Sub(t1)
	}
	b.StopTimer()
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Nanoseconds())
	}
	mb, mf := median(bare), median(full)
	b.ReportMetric(mb, "bare-ns/op")
	b.ReportMetric(mf, "verify-ns/op")
	b.ReportMetric(mf/mb, "ratio")
}

func TestMemoryReplayStoreOptionsValidate(t *testing.T) {
	_, err := NewMemoryReplayStore(WithReplayStoreMaxIDs(0))
	require.EqualError(t, err, "ghl: WithReplayStoreMaxIDs(0): must be positive")
	_, err = NewMemoryReplayStore(WithReplayStoreClock(nil))
	require.EqualError(t, err, "ghl: WithReplayStoreClock: nil clock")
}
