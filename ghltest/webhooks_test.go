package ghltest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type receivedHook struct {
	header http.Header
	body   []byte
}

// hookReceiver records every delivery and answers with status(n), n counting from 1.
type hookReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []receivedHook
	count atomic.Int32
}

func newHookReceiver(t *testing.T, status func(n int) int) *hookReceiver {
	t.Helper()
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		assert.NoError(t, err)
		assert.Equal(t, http.MethodPost, req.Method)
		r.mu.Lock()
		r.got = append(r.got, receivedHook{header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		w.WriteHeader(status(int(r.count.Add(1))))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) received() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedHook(nil), r.got...)
}

func ok200(int) int { return http.StatusOK }

func flush(t *testing.T, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.FlushWebhooks(ctx))
}

// requireSigned checks X-GHL-Signature against the server's key, and that X-WH-Signature is
// present (and valid) only when the server sends the legacy header.
func requireSigned(t *testing.T, srv *Server, h http.Header, body []byte) {
	t.Helper()
	edSig, err := base64.StdEncoding.DecodeString(h.Get("X-GHL-Signature"))
	require.NoError(t, err)
	require.True(t, ed25519.Verify(srv.WebhookPublicKey(), body, edSig), "X-GHL-Signature")
	assert.Equal(t, "application/json", h.Get("Content-Type"))
	if !srv.hooks.cfg.legacyRSA {
		assert.Empty(t, h.Values("X-WH-Signature"), "GHL no longer sends the legacy header")
		return
	}
	rsaSig, err := base64.StdEncoding.DecodeString(h.Get("X-WH-Signature"))
	require.NoError(t, err)
	sum := sha256.Sum256(body)
	require.NoError(t, rsa.VerifyPKCS1v15(srv.WebhookRSAPublicKey(), crypto.SHA256, sum[:], rsaSig), "X-WH-Signature")
}

func TestWebhooksFollowStateChanges(t *testing.T) {
	srv := newAPIServer(t)
	rcv := newHookReceiver(t, ok200)
	srv.RegisterWebhook(rcv.URL + "/hooks")
	loc := srv.LocationID()

	cid := createContactAPI(t, srv, map[string]any{"firstName": "Ada", "email": "ada@example.com", "tags": []string{"Lead"}})
	res := callAPI(t, srv, http.MethodPut, "/contacts/"+cid, map[string]any{"city": "London", "tags": []string{"lead", "vip"}})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/tasks", map[string]any{"title": "Call", "dueDate": "2025-02-01T10:00:00Z", "completed": false})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	tid := res.body["task"].(map[string]any)["id"].(string)
	res = callAPI(t, srv, http.MethodPut, "/contacts/"+cid+"/tasks/"+tid+"/completed", map[string]any{"completed": true})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/notes", map[string]any{"body": "Called back"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	_, err := srv.BookAppointment(loc, cid, Appointment{StartTime: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	res = callAPI(t, srv, http.MethodDelete, "/contacts/"+cid, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	flush(t, srv)

	got := rcv.received()
	var types []string
	ids := map[string]bool{}
	for _, h := range got {
		requireSigned(t, srv, h.header, h.body)
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, h.body))
		assert.Equal(t, compact.String(), string(h.body), "compact JSON")

		ev, err := ghl.ParseEvent(h.body)
		require.NoError(t, err)
		types = append(types, ev.EventType())
		assert.Equal(t, loc, ev.EventLocationID())
		assert.False(t, ids[ev.EventWebhookID()], "webhookId is unique")
		ids[ev.EventWebhookID()] = true
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, ev.EventWebhookID())
		var raw struct {
			Timestamp string `json:"timestamp"`
		}
		require.NoError(t, json.Unmarshal(h.body, &raw))
		_, err = time.Parse(time.RFC3339, raw.Timestamp)
		assert.NoError(t, err, "timestamp is RFC 3339")
		assert.True(t, bytes.HasPrefix(h.body, []byte(`{"type":"`+ev.EventType()+`","locationId":`)), "type leads, as GHL sends it")

		switch e := ev.(type) {
		case *ghl.ContactCreateEvent:
			assert.Equal(t, cid, e.ID)
			assert.Equal(t, "ada@example.com", e.Email)
			assert.Equal(t, []string{"lead"}, e.Tags)
			assert.NotContains(t, e.Extra, "emailLowerCase", "API-only fields are not in webhooks")
			assert.JSONEq(t, `[]`, string(e.Attachments))
		case *ghl.ContactUpdateEvent:
			assert.Equal(t, "London", e.City)
		case *ghl.ContactTagUpdateEvent:
			assert.Equal(t, []string{"lead", "vip"}, e.Tags)
		case *ghl.TaskCreateEvent:
			assert.Equal(t, "Call", e.Title)
			assert.Equal(t, cid, e.ContactID)
		case *ghl.TaskCompleteEvent:
			assert.Equal(t, tid, e.ID)
		case *ghl.NoteCreateEvent:
			assert.Equal(t, "Called back", e.Body)
		case *ghl.AppointmentCreateEvent:
			require.NotNil(t, e.Appointment)
			assert.Equal(t, cid, e.Appointment.ContactID)
			assert.True(t, e.Appointment.StartTime.Equal(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)))
		case *ghl.ContactDeleteEvent:
			assert.Equal(t, cid, e.ID)
		default:
			t.Errorf("unexpected event %T", ev)
		}
	}
	assert.Equal(t, []string{"ContactCreate", "ContactUpdate", "ContactTagUpdate", "TaskCreate", "TaskComplete",
		"NoteCreate", "AppointmentCreate", "ContactDelete"}, types)

	deliveries := srv.Deliveries()
	require.Len(t, deliveries, len(got))
	for i, d := range deliveries {
		assert.True(t, d.Delivered)
		assert.Equal(t, 1, d.Attempts)
		assert.Equal(t, 200, d.StatusCode)
		assert.Equal(t, rcv.URL+"/hooks", d.URL)
		assert.Equal(t, got[i].body, d.Body)
	}
}

func TestWebhooksVerifyWithTheSDK(t *testing.T) {
	srv := New(t, WithLegacyWebhookSignature())
	v, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(),
		ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()), ghl.WithRSAPublicKeys(srv.WebhookRSAPublicKey()))
	require.NoError(t, err)
	var events []ghl.Event
	var mu sync.Mutex
	rcv := httptest.NewServer(v.Handler(func(_ context.Context, ev ghl.Event) error {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}))
	defer rcv.Close()
	srv.RegisterWebhook(rcv.URL)
	id := srv.EmitWebhook("", "INSTALL", map[string]any{"appId": "app1", "companyId": "co1"})
	require.NotEmpty(t, id)
	flush(t, srv)
	require.NoError(t, srv.Redeliver(id))
	flush(t, srv)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 1, "the redelivery is acknowledged, not dispatched")
	in := events[0].(*ghl.AppInstallEvent)
	assert.Equal(t, "app1", in.AppID)
	assert.Empty(t, in.LocationID, "agency-level install")

	// RSA alone verifies too, and SignWebhook signs hand-made payloads.
	body := []byte(`{"type":"NoteCreate","locationId":"L","timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `","webhookId":"hand-1"}`)
	h := srv.SignWebhook(body)
	h.Del("X-GHL-Signature")
	_, err = v.Verify(context.Background(), h, body)
	assert.NoError(t, err)
}

// GHL retries a delivery only while the receiver answers 429, six times; any other answer,
// and a connection that fails, ends it.
func TestWebhooksRetryOnlyOn429(t *testing.T) {
	srv := newAPIServer(t)
	srv.SetWebhookRetries(DefaultWebhookRetries, time.Millisecond)
	var mu sync.Mutex
	answers := map[string][]int{ // by note body: the answers to give, in order; then 200
		"retried":   {429, 429, 204},
		"final 500": {500, 200},
		"final 400": {400, 200},
		"final 503": {503, 200},
		"gives up":  {429, 429, 429, 429, 429, 429, 429, 200},
	}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct{ Body string }
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&ev))
		mu.Lock()
		code := http.StatusOK
		if a := answers[ev.Body]; len(a) > 0 {
			code, answers[ev.Body] = a[0], a[1:]
		}
		mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rcv.Close)
	srv.RegisterWebhook(rcv.URL)
	for _, body := range []string{"retried", "final 500", "final 400", "final 503", "gives up"} {
		srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": body})
	}
	flush(t, srv)

	type outcome struct {
		attempts, status int
		delivered        bool
	}
	got := map[string]outcome{}
	for _, d := range srv.Deliveries() {
		var ev struct{ Body string }
		require.NoError(t, json.Unmarshal(d.Body, &ev))
		got[ev.Body] = outcome{d.Attempts, d.StatusCode, d.Delivered}
	}
	assert.Equal(t, map[string]outcome{
		"retried":   {3, 204, true},
		"final 500": {1, 500, false},
		"final 400": {1, 400, false},
		"final 503": {1, 503, false},
		"gives up":  {7, 429, false}, // one attempt and six retries
	}, got)

	// A receiver that cannot be reached gets one attempt.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	srv.RegisterWebhook(down.URL)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": "down"})
	flush(t, srv)
	d := srv.Deliveries()
	last := d[len(d)-1]
	assert.Equal(t, 1, last.Attempts)
	assert.Zero(t, last.StatusCode)
	assert.NotEmpty(t, last.Err)
	assert.False(t, last.Delivered)
}

// A retry sends the same bytes with the same signature, after the configured spacing.
func TestWebhooksRetrySpacing(t *testing.T) {
	srv := newAPIServer(t)
	srv.SetWebhookRetries(2, 30*time.Millisecond)
	var mu sync.Mutex
	var times []time.Time
	rcv := newHookReceiver(t, func(n int) int {
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if n < 3 {
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	})
	srv.RegisterWebhook(rcv.URL)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": "a"})
	flush(t, srv)
	got := rcv.received()
	require.Len(t, got, 3)
	for _, h := range got {
		assert.Equal(t, got[0].body, h.body, "a retry sends the same bytes")
		assert.Equal(t, got[0].header.Get("X-GHL-Signature"), h.header.Get("X-GHL-Signature"))
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		gap := times[i].Sub(times[i-1])
		assert.GreaterOrEqual(t, gap, 30*time.Millisecond, "spacing")
	}
	assert.True(t, srv.Deliveries()[0].Delivered)
}

func TestWebhooksRedeliverAndOrder(t *testing.T) {
	srv := newAPIServer(t)
	rcv := newHookReceiver(t, ok200)
	assert.Empty(t, srv.EmitWebhook(srv.LocationID(), "NoteCreate", nil), "no URL: nothing is sent")
	srv.RegisterWebhook(rcv.URL)

	var ids []string
	for i := 0; i < 40; i++ {
		ids = append(ids, srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": i}))
	}
	flush(t, srv)
	got := rcv.received()
	require.Len(t, got, 40)
	for i, h := range got {
		var p struct {
			WebhookID string `json:"webhookId"`
		}
		require.NoError(t, json.Unmarshal(h.body, &p))
		assert.Equal(t, ids[i], p.WebhookID, "in order for a location")
	}

	require.NoError(t, srv.Redeliver(ids[3]))
	flush(t, srv)
	got = rcv.received()
	require.Len(t, got, 41)
	assert.Equal(t, got[3].body, got[40].body, "same bytes")
	assert.Equal(t, got[3].header.Get("X-GHL-Signature"), got[40].header.Get("X-GHL-Signature"))
	assert.Equal(t, got[3].header.Get("X-WH-Signature"), got[40].header.Get("X-WH-Signature"))
	d := srv.Deliveries()
	assert.True(t, d[40].Redelivery)

	assert.Error(t, srv.Redeliver("no-such-id"))
	srv.RegisterWebhook("")
	assert.Error(t, srv.Redeliver(ids[0]), "no URL")
}

func TestWebhooksCloseStopsDelivery(t *testing.T) {
	srv := NewServer()
	srv.SetWebhookRetries(5, time.Hour)
	rcv := newHookReceiver(t, func(int) int { return http.StatusTooManyRequests })
	srv.RegisterWebhook(rcv.URL)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", nil)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", nil)
	require.Eventually(t, func() bool { return rcv.count.Load() == 1 }, 10*time.Second, time.Millisecond)

	done := make(chan struct{})
	go func() {
		srv.Close() // must not wait out the hour of backoff
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop delivery")
	}
	assert.NoError(t, srv.FlushWebhooks(context.Background()), "nothing is pending after Close")
	d := srv.Deliveries()
	require.Len(t, d, 2)
	assert.Equal(t, 1, d[0].Attempts)
	assert.False(t, d[0].Delivered)
	assert.True(t, d[1].Dropped)
	assert.Empty(t, srv.EmitWebhook(srv.LocationID(), "NoteCreate", nil))
}

func TestFlushWebhooksHonoursContext(t *testing.T) {
	srv := newAPIServer(t)
	release := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer rcv.Close()
	defer close(release)
	srv.RegisterWebhook(rcv.URL)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, srv.FlushWebhooks(ctx), context.Canceled)
}

// Every delivery carries appId (the client ID's part before the dash), versionId, timestamp
// and webhookId; the timestamp comes from the server's clock, WithWebhookClock or EmitAt.
func TestWebhookEnvelope(t *testing.T) {
	fixed := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	srv := New(t, WithOAuthApp("6650b1c8e4ad1f3b6e9d-lx2k3j4h", "secret"), WithWebhookClock(func() time.Time { return fixed }))
	rcv := newHookReceiver(t, ok200)
	srv.RegisterWebhook(rcv.URL)
	createContactAPI(t, srv, map[string]any{"email": "env@example.com"})
	stale := fixed.Add(-2 * time.Hour)
	srv.EmitWebhook(srv.LocationID(), "NoteCreate", map[string]any{"body": "old"}, EmitAt(stale))
	srv.EmitWebhook("", "INSTALL", map[string]any{"appId": "other-app"})
	flush(t, srv)

	got := rcv.received()
	require.Len(t, got, 3)
	envs, raw := map[string]map[string]any{}, map[string]receivedHook{}
	for _, h := range got {
		requireSigned(t, srv, h.header, h.body)
		var env map[string]any
		require.NoError(t, json.Unmarshal(h.body, &env))
		envs[env["type"].(string)], raw[env["type"].(string)] = env, h
	}
	created := envs["ContactCreate"]
	assert.Equal(t, "6650b1c8e4ad1f3b6e9d", created["appId"])
	assert.Equal(t, DefaultVersionID, created["versionId"])
	assert.Equal(t, "2026-03-01T09:30:00.000Z", created["timestamp"])
	assert.NotEmpty(t, created["webhookId"])
	assert.Equal(t, "2026-03-01T07:30:00.000Z", envs["NoteCreate"]["timestamp"], "EmitAt dates one event")
	assert.Equal(t, "other-app", envs["INSTALL"]["appId"], "a payload's own appId wins")
	assert.NotContains(t, envs["INSTALL"], "locationId", "an agency-level event has no location")

	// A verifier refuses an event older than its window (tolerance plus GHL's redelivery horizon).
	v, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()),
		ghl.WithClock(func() time.Time { return fixed }))
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), raw["NoteCreate"].header, raw["NoteCreate"].body)
	assert.ErrorIs(t, err, ghl.ErrStaleWebhook)
	_, err = v.Verify(context.Background(), raw["ContactCreate"].header, raw["ContactCreate"].body)
	assert.NoError(t, err)
}

// GHL stopped sending the RSA X-WH-Signature in 2026; the fake sends it only when asked.
func TestWebhookLegacySignatureOnlyWhenAsked(t *testing.T) {
	body := []byte(`{"type":"NoteCreate"}`)
	plain := New(t)
	assert.Empty(t, plain.SignWebhook(body).Values("X-WH-Signature"))
	assert.NotEmpty(t, plain.SignWebhook(body).Get("X-GHL-Signature"))
	legacy := New(t, WithLegacyWebhookSignature())
	h := legacy.SignWebhook(body)
	requireSigned(t, legacy, h, body)
	assert.True(t, legacy.SendsLegacyWebhookSignature())
}
