package ghltest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Webhooks: when a registered URL is set, every state change made through the API (contact
// created, updated, deleted or re-tagged; task created, completed or deleted; note created,
// updated or deleted; appointment booked, changed or deleted; a message added to a
// conversation, a conversation's unread count or star changed: conversations_webhooks.go) is
// delivered there as GHL delivers it: a compact JSON payload with type, locationId, appId,
// versionId, timestamp and a unique webhookId, signed with Ed25519 in X-GHL-Signature by the
// server's own test key. Delivery is asynchronous and in order for each location. Like GHL,
// the fake retries a delivery only when the receiver answers 429, six times at a fixed spacing
// (GHL's ten minutes, scaled down to 10 ms by default; SetWebhookRetries changes both); any
// other answer, 5xx included, and a failed connection end it. Events raised while no URL is
// registered are not delivered. A text sent through a conversation provider is also posted,
// unsigned, to the provider's Delivery URL, in a queue of its own.
//
//	verifier, _ := ghlclient.NewVerifier(srv) // package ghltest/ghlclient
//	srv.RegisterWebhook(receiver.URL)

const (
	webhookQueueLimit  = 1000 // pending events per location; more are dropped and recorded
	webhookKeepSent    = 1000 // delivered events kept for Redeliver
	webhookRSABits     = 2048 // GHL's key is 4096 bits; 2048 keeps key generation fast in tests
	webhookHTTPTimeout = 5 * time.Second
	// DefaultWebhookRetries is how often GHL retries a delivery answered 429.
	DefaultWebhookRetries = 6
	// DefaultWebhookRetrySpacing is the fake's wait between those retries: GHL waits about ten
	// minutes, with jitter; the fake scales that down so tests run fast.
	DefaultWebhookRetrySpacing = 10 * time.Millisecond
)

type webhookConfig struct {
	legacyRSA bool             // also sign with RSA in X-WH-Signature
	clock     func() time.Time // timestamps; nil: the server's clock
}

// WithLegacyWebhookSignature makes deliveries carry X-WH-Signature (RSA-SHA256) beside
// X-GHL-Signature, as GHL's did until it stopped sending the legacy header in mid-2026.
// Without it a receiver that only checks RSA sees no signature it can verify, as with GHL now.
func WithLegacyWebhookSignature() ServerOption {
	return func(c *config) { c.hooks.legacyRSA = true }
}

// WithWebhookClock sets the clock that dates webhook deliveries (the payload's timestamp), so
// a test can send events that a verifier finds stale or from the future. By default
// deliveries are dated by the server's clock (WithClock).
func WithWebhookClock(now func() time.Time) ServerOption {
	return func(c *config) { c.hooks.clock = now }
}

// WebhookDelivery records one event the server delivered, or tried to.
type WebhookDelivery struct {
	WebhookID  string `json:"webhookId"`
	Type       string `json:"type"`
	LocationID string `json:"locationId"`
	URL        string `json:"url"`
	// Body is exactly the bytes sent; Header holds the signature and content-type headers.
	Body   []byte      `json:"body"`
	Header http.Header `json:"header"`
	// Attempts counts HTTP attempts, retries included.
	Attempts int `json:"attempts"`
	// StatusCode is the last attempt's status; 0 when no response arrived.
	StatusCode int `json:"statusCode"`
	// Err is the last attempt's transport error, if any.
	Err string `json:"error,omitempty"`
	// Delivered reports that an attempt got a 2xx answer.
	Delivered bool `json:"delivered"`
	// Redelivery marks a delivery made by Redeliver.
	Redelivery bool `json:"redelivery"`
	// Dropped reports that the event was never sent: the location's queue was full or the
	// server closed first.
	Dropped bool `json:"dropped"`
	// MessageID names the message of a ProviderOutboundMessage delivery, which has no
	// webhookId (Type "ProviderOutboundMessage", URL the provider's Delivery URL).
	MessageID string `json:"messageId,omitempty"`
}

type webhookEvent struct {
	id, typ, loc string
	body         []byte
	// target is the URL of a delivery that does not go to the app's webhook URL (a
	// conversation provider's Delivery URL), and messageID the message it carries. Such a
	// delivery is unsigned, as GHL's are, and has its own queue.
	target, messageID string

	signOnce sync.Once
	header   http.Header
}

type queuedWebhook struct {
	ev         *webhookEvent
	redelivery bool
}

// key is what the server remembers the event by for a redelivery.
func (ev *webhookEvent) key() string {
	if ev.target != "" {
		return "provider-message:" + ev.messageID
	}
	return ev.id
}

// queue is the delivery queue of the event: one per location for the app's webhooks, and one
// per location for provider deliveries, so a receiver answering 429 does not hold the other.
func (ev *webhookEvent) queue() string {
	if ev.target != "" {
		return ev.loc + " provider"
	}
	return ev.loc
}

// record starts the delivery record of an event.
func (ev *webhookEvent) record(url string, redelivery bool) WebhookDelivery {
	if ev.target != "" {
		url = ev.target
	}
	return WebhookDelivery{WebhookID: ev.id, Type: ev.typ, LocationID: ev.loc, URL: url, Body: ev.body,
		Redelivery: redelivery, MessageID: ev.messageID}
}

type webhookState struct {
	cfg       webhookConfig
	appID     string
	versionID string

	edPub  ed25519.PublicKey
	edPriv ed25519.PrivateKey

	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
	rsaErr  error

	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	url       string
	retries   int
	spacing   time.Duration
	closed    bool
	queues    map[string][]queuedWebhook
	running   map[string]bool
	pending   int
	idle      chan struct{} // closed while nothing is pending
	sent      map[string]*webhookEvent
	sentOrder []string
	log       []WebhookDelivery
}

func (h *webhookState) init(cfg webhookConfig, app oauthConfig) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("ghltest: generating the webhook signing key: " + err.Error())
	}
	h.cfg = cfg
	h.appID, h.versionID = app.appID(), DefaultVersionID
	h.edPub, h.edPriv = pub, priv
	h.client = &http.Client{
		Timeout:   webhookHTTPTimeout,
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		// GHL does not follow redirects of webhook deliveries.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.retries = DefaultWebhookRetries
	h.spacing = DefaultWebhookRetrySpacing
	h.queues = map[string][]queuedWebhook{}
	h.running = map[string]bool{}
	h.sent = map[string]*webhookEvent{}
	h.idle = make(chan struct{})
	close(h.idle)
}

// close stops delivery: queued events are dropped, in-flight attempts are cancelled, and it
// returns once every delivery goroutine has ended.
func (h *webhookState) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	if t, ok := h.client.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// WebhookPublicKey returns the Ed25519 key that verifies X-GHL-Signature.
func (s *Server) WebhookPublicKey() ed25519.PublicKey {
	return append(ed25519.PublicKey(nil), s.hooks.edPub...)
}

// SendsLegacyWebhookSignature reports whether deliveries carry X-WH-Signature
// (WithLegacyWebhookSignature).
func (s *Server) SendsLegacyWebhookSignature() bool { return s.hooks.cfg.legacyRSA }

// WebhookRSAPublicKey returns the RSA key that verifies X-WH-Signature (sent only with
// WithLegacyWebhookSignature). The key pair is made on first use.
func (s *Server) WebhookRSAPublicKey() *rsa.PublicKey {
	k := s.hooks.rsa()
	return &rsa.PublicKey{N: k.N, E: k.E}
}

func (h *webhookState) rsa() *rsa.PrivateKey {
	h.rsaOnce.Do(func() { h.rsaKey, h.rsaErr = rsa.GenerateKey(rand.Reader, webhookRSABits) })
	if h.rsaErr != nil {
		panic("ghltest: generating the webhook RSA key: " + h.rsaErr.Error())
	}
	return h.rsaKey
}

// RegisterWebhook sets the URL that events are delivered to, like an app's webhook URL in
// GHL's app settings. An empty url stops delivery of new events.
func (s *Server) RegisterWebhook(url string) {
	s.hooks.mu.Lock()
	s.hooks.url = url
	s.hooks.mu.Unlock()
}

// SetWebhookRetries sets how often a delivery answered 429 is retried (default
// DefaultWebhookRetries, GHL's six) and the wait between two attempts (default
// DefaultWebhookRetrySpacing; GHL's is about ten minutes). Each wait is the spacing plus up to
// a tenth of it as jitter, as GHL's has. Other answers are never retried.
func (s *Server) SetWebhookRetries(retries int, spacing time.Duration) {
	s.hooks.mu.Lock()
	s.hooks.retries = max(retries, 0)
	s.hooks.spacing = max(spacing, 0)
	s.hooks.mu.Unlock()
}

// SignWebhook returns the headers the server sends with body: X-GHL-Signature (Ed25519) and
// Content-Type, and with WithLegacyWebhookSignature X-WH-Signature (RSA PKCS#1 v1.5,
// SHA-256). Use it to post hand-made payloads to a receiver under test.
func (s *Server) SignWebhook(body []byte) http.Header {
	return s.hooks.sign(body)
}

func (h *webhookState) sign(body []byte) http.Header {
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-GHL-Signature", base64.StdEncoding.EncodeToString(ed25519.Sign(h.edPriv, body)))
	if h.cfg.legacyRSA {
		sum := sha256.Sum256(body)
		rsaSig, err := rsa.SignPKCS1v15(rand.Reader, h.rsa(), crypto.SHA256, sum[:])
		if err != nil {
			panic("ghltest: RSA signing: " + err.Error())
		}
		hdr.Set("X-WH-Signature", base64.StdEncoding.EncodeToString(rsaSig))
	}
	return hdr
}

// EmitOption changes one event of EmitWebhook.
type EmitOption func(*emitOptions)

type emitOptions struct {
	at time.Time
}

// EmitAt dates the event t (its timestamp), for instance to test that a receiver refuses a
// stale delivery.
func EmitAt(t time.Time) EmitOption { return func(o *emitOptions) { o.at = t } }

// EmitWebhook delivers an event of any type (for example "INSTALL" or "OpportunityCreate") to
// the registered URL, as if GHL raised it for locationID. payload holds the event's own
// members; type, locationId, appId, versionId, timestamp and webhookId are added (a payload
// member named appId or versionId wins over the server's). It returns the webhookId, or ""
// when no URL is registered.
func (s *Server) EmitWebhook(locationID, eventType string, payload map[string]any, opts ...EmitOption) string {
	var o emitOptions
	for _, opt := range opts {
		opt(&o)
	}
	return s.emitEvent(locationID, eventType, payload, o)
}

// emit delivers a webhook event of eventType for a location.
func (s *Server) emit(locationID, eventType string, payload map[string]any) {
	s.emitEvent(locationID, eventType, payload, emitOptions{})
}

// Contact members that the API returns but contact webhooks do not carry.
func contactOnlyField(k string) bool {
	switch k {
	case "type", "firstNameLowerCase", "lastNameLowerCase", "fullNameLowerCase", "emailLowerCase":
		return true
	}
	return false
}

// emitContact delivers a contact event: the stored contact, flat, shaped like GHL's contact
// webhook payloads (the contact's own "type" gives way to the event type).
func (s *Server) emitContact(eventType, locationID string, contact map[string]any) {
	payload := make(map[string]any, len(contact)+1)
	for k, v := range contact {
		if !contactOnlyField(k) {
			payload[k] = v
		}
	}
	if _, ok := payload["attachments"]; !ok {
		payload["attachments"] = []any{}
	}
	s.emitEvent(locationID, eventType, payload, emitOptions{})
}

func (s *Server) emitEvent(locationID, eventType string, payload map[string]any, o emitOptions) string {
	h := &s.hooks
	h.mu.Lock()
	active := h.url != "" && !h.closed
	h.mu.Unlock()
	if !active {
		return ""
	}
	at := o.at
	if at.IsZero() {
		at = s.clock()
		if h.cfg.clock != nil {
			at = h.cfg.clock()
		}
	}
	full := make(map[string]any, len(payload)+2)
	full["appId"], full["versionId"] = h.appID, h.versionID
	for k, v := range payload {
		full[k] = v
	}
	id := newWebhookID()
	body, err := encodeWebhook(eventType, locationID, full, isoTimestamp(at), id)
	if err != nil {
		panic("ghltest: encoding a webhook payload: " + err.Error())
	}
	h.enqueue(queuedWebhook{ev: &webhookEvent{id: id, typ: eventType, loc: locationID, body: body}})
	return id
}

// encodeWebhook writes compact JSON the way GHL's Node services do (no HTML escaping): type
// and locationId first, the payload's members in sorted order, then timestamp and webhookId.
func encodeWebhook(eventType, locationID string, payload map[string]any, timestamp, id string) ([]byte, error) {
	var b bytes.Buffer
	first := true
	add := func(k string, v any) error {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
		return nil
	}
	b.WriteByte('{')
	if err := add("type", eventType); err != nil {
		return nil, err
	}
	if locationID != "" {
		if err := add("locationId", locationID); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(payload))
	for k := range payload {
		switch k {
		case "type", "locationId", "timestamp", "webhookId":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := add(k, payload[k]); err != nil {
			return nil, err
		}
	}
	if err := add("timestamp", timestamp); err != nil {
		return nil, err
	}
	if err := add("webhookId", id); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// newWebhookID returns a random UUID (version 4), the form GHL's webhookId takes.
func newWebhookID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func (h *webhookState) enqueue(q queuedWebhook) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	key := q.ev.queue()
	if len(h.queues[key]) >= webhookQueueLimit {
		rec := q.ev.record(h.url, q.redelivery)
		rec.Dropped = true
		h.log = append(h.log, rec)
		return
	}
	if !q.redelivery {
		h.rememberLocked(q.ev)
	}
	h.queues[key] = append(h.queues[key], q)
	if h.pending == 0 {
		h.idle = make(chan struct{})
	}
	h.pending++
	if !h.running[key] {
		h.running[key] = true
		h.wg.Add(1)
		go h.run(key)
	}
}

func (h *webhookState) rememberLocked(ev *webhookEvent) {
	h.sent[ev.key()] = ev
	h.sentOrder = append(h.sentOrder, ev.key())
	if len(h.sentOrder) > webhookKeepSent {
		delete(h.sent, h.sentOrder[0])
		h.sentOrder = h.sentOrder[1:]
	}
}

// run delivers one queue in order, then ends.
func (h *webhookState) run(key string) {
	defer h.wg.Done()
	for {
		h.mu.Lock()
		q := h.queues[key]
		if len(q) == 0 || h.closed {
			for _, item := range q {
				rec := item.ev.record("", item.redelivery)
				rec.URL, rec.Dropped = "", true
				h.log = append(h.log, rec)
			}
			h.doneLocked(len(q))
			delete(h.queues, key)
			h.running[key] = false
			h.mu.Unlock()
			return
		}
		item := q[0]
		h.queues[key] = q[1:]
		url, retries, spacing := h.url, h.retries, h.spacing
		h.mu.Unlock()

		rec := h.deliver(item, url, retries, spacing)

		h.mu.Lock()
		h.log = append(h.log, rec)
		h.doneLocked(1)
		h.mu.Unlock()
	}
}

func (h *webhookState) doneLocked(n int) {
	if n == 0 || h.pending == 0 {
		return
	}
	h.pending -= n
	if h.pending <= 0 {
		h.pending = 0
		close(h.idle)
	}
}

// deliver sends one event and retries it while the receiver answers 429, as GHL does; every
// other status, and a failed connection, ends the delivery.
func (h *webhookState) deliver(item queuedWebhook, url string, retries int, spacing time.Duration) WebhookDelivery {
	ev := item.ev
	ev.signOnce.Do(func() {
		if ev.target != "" {
			// GHL signs no delivery to a provider's Delivery URL (highlevel-api-docs#224).
			ev.header = http.Header{"Content-Type": {"application/json"}}
			return
		}
		ev.header = h.sign(ev.body)
	})
	rec := ev.record(url, item.redelivery)
	rec.Header = ev.header.Clone()
	url = rec.URL
	if url == "" {
		rec.Dropped = true
		return rec
	}
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			wait := spacing
			if spacing >= 10 {
				wait += mrand.N(spacing / 10)
			}
			t := time.NewTimer(wait)
			select {
			case <-h.ctx.Done():
				t.Stop()
				return rec
			case <-t.C:
			}
		}
		rec.Attempts++
		status, err := h.post(url, ev)
		rec.StatusCode, rec.Err = status, ""
		if err != nil {
			rec.Err = err.Error()
		}
		rec.Delivered = status >= 200 && status < 300
		if status != http.StatusTooManyRequests || h.ctx.Err() != nil {
			return rec
		}
	}
	return rec
}

func (h *webhookState) post(url string, ev *webhookEvent) (int, error) {
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, url, bytes.NewReader(ev.body))
	if err != nil {
		return 0, err
	}
	req.Header = ev.header.Clone()
	req.Header.Set("User-Agent", "ghltest-webhooks")
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Redeliver sends an event already delivered (or queued) again: the same bytes with the same
// signatures, as GHL does when it retries. Use it to test deduplication. It fails for an ID
// the server does not know (it keeps the last 1,000 events) or when no URL is registered.
func (s *Server) Redeliver(webhookID string) error {
	h := &s.hooks
	h.mu.Lock()
	ev, ok := h.sent[webhookID]
	url, closed := h.url, h.closed
	h.mu.Unlock()
	switch {
	case closed:
		return errors.New("ghltest: server is closed")
	case !ok:
		return fmt.Errorf("ghltest: no webhook with ID %q", webhookID)
	case url == "":
		return errors.New("ghltest: no webhook URL registered")
	}
	h.enqueue(queuedWebhook{ev: ev, redelivery: true})
	return nil
}

// RedeliverProviderMessage posts the ProviderOutboundMessage of a message to its provider's
// Delivery URL again: the same bytes, as a repeated delivery of GHL's would be. Use it to
// test that a provider handles a message once. It fails for a message the server delivered to
// no provider (it keeps the last 1,000 deliveries).
func (s *Server) RedeliverProviderMessage(messageID string) error {
	h := &s.hooks
	h.mu.Lock()
	ev, ok := h.sent[(&webhookEvent{target: "-", messageID: messageID}).key()]
	closed := h.closed
	h.mu.Unlock()
	switch {
	case closed:
		return errors.New("ghltest: server is closed")
	case !ok:
		return fmt.Errorf("ghltest: no provider delivery of message %q", messageID)
	}
	h.enqueue(queuedWebhook{ev: ev, redelivery: true})
	return nil
}

// Deliveries returns a record of every delivery finished so far (or dropped), in the order
// they finished.
func (s *Server) Deliveries() []WebhookDelivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	out := make([]WebhookDelivery, len(s.hooks.log))
	for i, d := range s.hooks.log {
		d.Body = append([]byte(nil), d.Body...)
		d.Header = d.Header.Clone()
		out[i] = d
	}
	return out
}

// FlushWebhooks waits until every queued delivery has finished, retries included.
func (s *Server) FlushWebhooks(ctx context.Context) error {
	for {
		s.hooks.mu.Lock()
		pending, idle := s.hooks.pending, s.hooks.idle
		s.hooks.mu.Unlock()
		if pending == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("ghltest: %d webhook deliveries still pending: %w", pending, ctx.Err())
		}
	}
}
