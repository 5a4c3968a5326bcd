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
		pad := strings.Repeat("x", defaultWebhookMaxBodyBytes)
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
		{"timestamp older than GHL redelivers", func() delivery {
			b := contactPayload(webhookTestNow.Add(-80*time.Minute-time.Second).Format(time.RFC3339), "wh-old")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"timestamp too far ahead", func() delivery {
			b := contactPayload(webhookTestNow.Add(5*time.Minute+time.Second).Format(time.RFC3339), "wh-new")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, ErrStaleWebhook, 401},
		{"timestamp at the window's past edge: the tolerance plus GHL's redelivery horizon", func() delivery {
			b := contactPayload(webhookTestNow.Add(-80*time.Minute).Format(time.RFC3339), "wh-edge")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, nil, 200},
		{"timestamp at the window's future edge", func() delivery {
			b := contactPayload(webhookTestNow.Add(5*time.Minute).Format(time.RFC3339), "wh-edge-ahead")
			return delivery{hdr("x-ghl-signature", signer.edSig(b)), b}
		}, nil, nil, 200},
		{"timestamp of a redelivery an hour after the first", func() delivery {
			b := contactPayload(webhookTestNow.Add(-time.Hour).Format(time.RFC3339), "wh-redelivered")
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
				assert.Equal(t, tc.wantStatus, webhookStatus(err))
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
			hv := newTestVerifier(t, signer, clock, WithObserver(obs))
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

func TestWebhookLogsRejectionsWithoutSecrets(t *testing.T) {
	signer := newTestSigner(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithLogger(logger))
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

func TestNewWebhookVerifierKeysAndOptions(t *testing.T) {
	ed, err := parseEd25519PublicKeyPEM([]byte(ghlEd25519PublicKeyPEM))
	require.NoError(t, err)
	assert.Equal(t, "8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8", hex.EncodeToString(ed))
	rk, err := parseRSAPublicKeyPEM([]byte(ghlRSAPublicKeyPEM))
	require.NoError(t, err)
	assert.Equal(t, 4096, rk.N.BitLen())

	_, err = parseEd25519PublicKeyPEM([]byte(ghlRSAPublicKeyPEM))
	assert.Error(t, err)
	_, err = parseRSAPublicKeyPEM([]byte(ghlEd25519PublicKeyPEM))
	assert.Error(t, err)
	_, err = parseRSAPublicKeyPEM([]byte("not pem"))
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

	var nilStore *memoryReplayStore
	var nilObserver *recordingObserver
	for _, tc := range []struct {
		opts []WebhookOption
		want string
	}{
		{[]WebhookOption{WithoutDefaultKeys()}, "ghl: invalid opts: no public keys (WithoutDefaultKeys needs WithEd25519PublicKeys or WithRSAPublicKeys)"},
		{[]WebhookOption{nil}, "ghl: invalid opts: option 0 is nil"},
		{[]WebhookOption{WithTolerance(time.Second), nil}, "ghl: invalid opts: option 1 is nil"},
		{[]WebhookOption{WithEd25519PublicKeys()}, "ghl: invalid WithEd25519PublicKeys: no keys given"},
		{[]WebhookOption{WithEd25519PublicKeys(nil)}, "ghl: invalid WithEd25519PublicKeys: key of 0 bytes, want 32"},
		{[]WebhookOption{WithEd25519PublicKeys(ed25519.PublicKey{1, 2, 3})}, "ghl: invalid WithEd25519PublicKeys: key of 3 bytes, want 32"},
		{[]WebhookOption{WithRSAPublicKeys()}, "ghl: invalid WithRSAPublicKeys: no keys given"},
		{[]WebhookOption{WithRSAPublicKeys(nil)}, "ghl: invalid WithRSAPublicKeys: nil key"},
		{[]WebhookOption{WithRSAPublicKeys(&rsa.PublicKey{})}, "ghl: invalid WithRSAPublicKeys: nil key"},
		{[]WebhookOption{WithRSAPublicKeys(&rsa.PublicKey{N: big.NewInt(1 << 40), E: 65537})}, "ghl: invalid WithRSAPublicKeys: 41-bit key is too weak"},
		{[]WebhookOption{WithTolerance(0)}, "ghl: invalid WithTolerance: 0s is not positive"},
		{[]WebhookOption{WithTolerance(-time.Second)}, "ghl: invalid WithTolerance: -1s is not positive"},
		{[]WebhookOption{WithClock(nil)}, "ghl: invalid WithClock: nil clock"},
		{[]WebhookOption{WithReplayStore(nil)}, "ghl: invalid WithReplayStore: nil store"},
		{[]WebhookOption{WithReplayStore(nilStore)}, "ghl: invalid WithReplayStore: nil store"},
		{[]WebhookOption{WithMaxBodyBytes(0)}, "ghl: invalid WithMaxBodyBytes: 0 is not positive"},
		{[]WebhookOption{WithObserver(nil)}, "ghl: invalid WithObserver: nil observer"},
		{[]WebhookOption{WithObserver(nilObserver)}, "ghl: invalid WithObserver: nil observer"},
		{[]WebhookOption{WithLogger(nil)}, "ghl: invalid WithLogger: nil logger"},
	} {
		v, err := NewWebhookVerifier(tc.opts...)
		assert.Nil(t, v, tc.want)
		var pe *InvalidParamError
		if assert.ErrorAs(t, err, &pe, tc.want) {
			assert.EqualError(t, err, tc.want)
			assert.ErrorIs(t, err, ErrInvalidParam)
		}
	}
}

// TestWebhookEntryPointsRefuseNilInputs: bad input is a typed error or a safe answer, never a
// panic.
func TestWebhookEntryPointsRefuseNilInputs(t *testing.T) {
	signer := newTestSigner(t)
	body := contactPayload(webhookTestNow.Format(time.RFC3339), "wh-nil")
	h := http.Header{HeaderGHLSignature: {signer.edSig(body)}}

	var nilVerifier *WebhookVerifier
	ev, err := nilVerifier.Verify(context.Background(), h, body)
	assert.Nil(t, ev)
	assert.EqualError(t, err, "ghl: invalid WebhookVerifier: nil verifier")
	assert.ErrorIs(t, err, ErrInvalidParam)

	v := newTestVerifier(t, signer, &testClock{now: webhookTestNow})
	//lint:ignore SA1012 a nil context is the input under test
	ev, err = v.Verify(nil, h, body)
	assert.Nil(t, ev)
	assert.EqualError(t, err, "ghl: invalid ctx: must not be nil")

	ev, err = v.Verify(context.Background(), nil, nil)
	assert.Nil(t, ev)
	assert.ErrorIs(t, err, ErrMissingSignature)

	// A nil verifier's Handler keeps every event coming back.
	rec := httptest.NewRecorder()
	nilVerifier.Handler(func(context.Context, Event) error { return nil }).ServeHTTP(rec, signedRequest(signer, body))
	assertRetryAnswer(t, rec, "webhook receiver is not configured; retry later\n")

	// A nil function fails every delivery, as a typed error, and the event stays retryable.
	obs := &recordingObserver{}
	hv := newTestVerifier(t, signer, &testClock{now: webhookTestNow}, WithObserver(obs))
	rec = httptest.NewRecorder()
	hv.Handler(nil).ServeHTTP(rec, signedRequest(signer, body))
	assertRetryAnswer(t, rec, "webhook handler failed; retry later\n")
	require.Len(t, obs.infos, 1)
	assert.Equal(t, WebhookFailed, obs.infos[0].Outcome)
	var pe *InvalidParamError
	require.ErrorAs(t, obs.infos[0].Err, &pe)
	assert.Equal(t, "fn", pe.Param)

	_, err = ParseEvent(nil)
	assert.ErrorIs(t, err, ErrMalformedWebhook)
}

func TestWebhookToleranceAndHeaderForms(t *testing.T) {
	signer := newTestSigner(t)
	clock := &testClock{now: webhookTestNow}
	v := newTestVerifier(t, signer, clock, WithTolerance(time.Minute))
	assert.Equal(t, 78*time.Minute, v.replayTTL, "twice the tolerance, GHL's 75 minutes and one more")
	body := contactPayload(webhookTestNow.Add(2*time.Minute).Format(time.RFC3339), "wh-tol")
	_, err := v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.ErrorIs(t, err, ErrStaleWebhook)
	assert.EqualError(t, err, "ghl: webhook timestamp is outside the accepted window: timestamp is 2m0s ahead, tolerance 1m0s")
	body = contactPayload(webhookTestNow.Add(-76*time.Minute-time.Second).Format(time.RFC3339), "wh-tol")
	_, err = v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.EqualError(t, err, "ghl: webhook timestamp is outside the accepted window: timestamp is 1h16m1s old, older than GHL redelivers (1h16m0s with the tolerance)")
	body = contactPayload(webhookTestNow.Add(-76*time.Minute).Format(time.RFC3339), "wh-tol")
	_, err = v.Verify(context.Background(), http.Header{HeaderGHLSignature: {signer.edSig(body)}}, body)
	assert.NoError(t, err)

	// Header maps built by hand, with names in any case, are read too.
	body = contactPayload(webhookTestNow.Format(time.RFC3339), "wh-case")
	_, err = v.Verify(context.Background(), http.Header{"x-ghl-signature": {signer.edSig(body)}}, body)
	assert.NoError(t, err)
}

func TestWebhookEndToEndWithGhltest(t *testing.T) {
	srv := ghltest.NewServer()
	defer srv.Close()
	obs := &recordingObserver{}
	v, err := NewWebhookVerifier(WithoutDefaultKeys(),
		WithEd25519PublicKeys(srv.WebhookPublicKey()), WithRSAPublicKeys(srv.WebhookRSAPublicKey()),
		WithObserver(obs))
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
		hr := http.Header{headerWHSignature: {signer.rsaSig(body)}}
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
