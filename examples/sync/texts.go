package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Texts. A text LinkedPhone receives is added to the contact's GHL conversation as an
// inbound SMS (AddInboundMessage; the location's default SMS provider needs no provider ID).
// As the location's SMS provider, LinkedPhone also sends the texts GHL users write: GHL posts
// each to the provider's Delivery URL as ProviderOutboundMessage, LinkedPhone sends it, and
// reports its status with UpdateMessageStatus, which GHL refuses for some seconds after the
// send (the SDK waits that out).
//
// GHL does not sign those deliveries (highlevel-api-docs#224), so WebhookVerifier cannot
// check them: the Delivery URL carries a secret path segment that only GHL's app settings
// know, and a delivery is deduplicated on its message ID.

// deliveryPath is the pattern of LinkedPhone's Delivery URL; the secret is its last segment.
const deliveryPath = "/ghl/provider/{secret}"

// maxDeliveryBytes bounds a delivery's body: a text and a few attachment URLs.
const maxDeliveryBytes = 256 << 10

// RecordText adds a text a contact sent to LinkedPhone's record of the number, creating the
// record for a new sender, as RecordCall does for a call. PushContact logs it in GHL.
func (s *Syncer) RecordText(phone, name, body string, at time.Time) (string, error) {
	phone, err := e164(phone, s.region)
	if err != nil {
		return "", fmt.Errorf("record text: %w", err)
	}
	if phone == "" {
		return "", errors.New("record text: no phone number")
	}
	text := Text{ID: newLocalID("txt-"), At: at, Direction: "inbound", Body: body}
	if rec, ok := s.store.ByPhone(phone); ok {
		s.store.Update(rec.ID, func(r *Record) bool {
			r.Texts = append(r.Texts, text)
			if r.Name == "" {
				r.Name = name
			}
			r.UpdatedAt = s.now()
			return true
		})
		return rec.ID, s.store.Save()
	}
	id := s.store.Put(&Record{Name: name, Phone: phone, Status: StatusLead, Texts: []Text{text}, UpdatedAt: s.now()})
	return id, s.store.Save()
}

// logTexts adds the record's received texts that GHL does not have yet to the contact's
// conversation, and returns how many it added. They are marked and saved first, as calls are
// (logCalls).
func (s *Syncer) logTexts(ctx context.Context, id, contactID string) (n int, err error) {
	rec, ok := s.store.Get(id)
	if !ok {
		return 0, fmt.Errorf("no LinkedPhone record %s", id)
	}
	todo := unloggedTexts(rec)
	if len(todo) == 0 {
		return 0, nil
	}
	s.store.Update(id, func(r *Record) bool {
		for i := range r.Texts {
			if r.Texts[i].Direction == "inbound" && r.Texts[i].MessageID == "" {
				r.Texts[i].Logging = true
			}
		}
		return true
	})
	if err := s.store.Save(); err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, s.store.Save()) }()
	for _, t := range todo {
		if t.Logging {
			found, err := s.findLogged(ctx, contactID, ghl.ChannelSMS, t.ID, t.At)
			if err != nil {
				return n, err
			}
			if found != nil {
				s.setText(id, t.ID, func(k *Text) { k.MessageID, k.Logging = found.ID, false })
				continue
			}
		}
		res, _, err := s.client.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{
			Type: ghl.ChannelSMS, ContactID: contactID, Message: t.Body, AltID: t.ID, Date: t.At,
		})
		if err != nil {
			if refused(err) {
				s.setText(id, t.ID, func(k *Text) { k.Logging = false })
			}
			return n, fmt.Errorf("logging text %s: %w", t.ID, err)
		}
		s.setText(id, t.ID, func(k *Text) { k.MessageID, k.Logging = res.MessageID, false })
		n++
	}
	return n, nil
}

func (s *Syncer) setText(id, textID string, fn func(*Text)) {
	s.store.Update(id, func(r *Record) bool {
		for i := range r.Texts {
			if r.Texts[i].ID == textID {
				fn(&r.Texts[i])
				return true
			}
		}
		return false
	})
}

// Delivery is the sending side of LinkedPhone as an SMS provider: it takes GHL's
// ProviderOutboundMessage deliveries at its Delivery URL, hands each text to LinkedPhone's
// carrier once, and reports delivery to GHL in the background.
type Delivery struct {
	s      *Syncer
	secret []byte
	// send hands a text to LinkedPhone's carrier; the demo's keeps it in the store.
	send func(rec *Record, ev *ghl.ProviderOutboundMessageEvent) error

	// sendMu makes deliveries one at a time: two copies of one message must not both reach
	// the carrier.
	sendMu sync.Mutex

	mu      sync.Mutex
	pending int           // status reports under way
	idle    chan struct{} // closed while none is
	errs    []error
}

// NewDelivery returns the Delivery URL handler of LinkedPhone's SMS provider. secret is the
// last path segment of the Delivery URL set in the app's provider settings; send hands a text
// to the carrier.
func (s *Syncer) NewDelivery(secret string, send func(*Record, *ghl.ProviderOutboundMessageEvent) error) (*Delivery, error) {
	if len(secret) < 32 {
		return nil, errors.New("the Delivery URL's secret must be at least 32 characters")
	}
	idle := make(chan struct{})
	close(idle)
	return &Delivery{s: s, secret: []byte(secret), send: send, idle: idle}, nil
}

// Mount adds the Delivery URL to mux.
func (d *Delivery) Mount(mux *http.ServeMux) { mux.Handle("POST "+deliveryPath, d) }

// ServeHTTP takes one delivery. It answers 404 to a wrong secret (saying nothing about the
// path), 400 to a body that is not a text, 200 once the text is with the carrier or was
// already, and 429 when it could not be handed over, so GHL delivers it again.
func (d *Delivery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.PathValue("secret")), d.secret) != 1 {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDeliveryBytes))
	if err != nil {
		http.Error(w, "body unreadable or too large", http.StatusBadRequest)
		return
	}
	ev, err := ghl.ParseEvent(body)
	msg, ok := ev.(*ghl.ProviderOutboundMessageEvent)
	if err != nil || !ok || msg.MessageID == "" || msg.Channel() == ghl.ChannelEmail {
		http.Error(w, "not a text delivery", http.StatusBadRequest)
		return
	}
	if loc := msg.EventLocationID(); loc != d.s.client.LocationID() {
		d.s.log.Warn("text delivery for another location refused", "location", loc, "message", msg.MessageID)
		http.Error(w, "unknown location", http.StatusBadRequest)
		return
	}
	recID, sent, err := d.deliver(msg)
	if err != nil {
		d.s.log.Warn("text delivery failed; GHL is asked to deliver it again", "message", msg.MessageID, "error", err)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "delivery failed; retry later", http.StatusTooManyRequests)
		return
	}
	w.WriteHeader(http.StatusOK)
	if !sent {
		d.s.report("provider: ProviderOutboundMessage %s again: already with the carrier, acknowledged", msg.MessageID)
		return
	}
	d.s.report("provider: ProviderOutboundMessage %s -> %s (%s): handed to LinkedPhone's carrier", msg.MessageID, recID, msg.Phone)
	d.mu.Lock()
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending++
	d.mu.Unlock()
	go d.reportDelivered(recID, msg.MessageID)
}

// deliver hands the text to the carrier unless the record has it already (a repeated
// delivery), and reports whether it did.
func (d *Delivery) deliver(ev *ghl.ProviderOutboundMessageEvent) (string, bool, error) {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	s := d.s
	phone := s.phoneFromGHL(ev.ContactID, ev.Phone)
	id := s.store.UpsertByContactID(ev.ContactID, phone, func(r *Record) {
		if r.Phone == "" {
			r.Phone = phone
		}
	})
	rec, _ := s.store.Get(id)
	if slices.ContainsFunc(rec.Texts, func(t Text) bool { return t.MessageID == ev.MessageID }) {
		return id, false, nil
	}
	if err := d.send(rec, ev); err != nil {
		return id, false, err
	}
	s.store.Update(id, func(r *Record) bool {
		r.Texts = append(r.Texts, Text{At: s.now().UTC(), Direction: "outbound", Body: ev.Message, MessageID: ev.MessageID, Status: "sent"})
		r.UpdatedAt = s.now()
		return true
	})
	return id, true, s.store.Save()
}

// reportDelivered tells GHL the text was delivered. GHL refuses the update until it has
// handed the message over (about 5 to 10 s after the send); UpdateMessageStatus retries that
// answer, so this runs apart from the delivery, which GHL expects answered at once.
func (d *Delivery) reportDelivered(recID, messageID string) {
	defer func() {
		d.mu.Lock()
		if d.pending--; d.pending == 0 {
			close(d.idle)
		}
		d.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), ghl.DefaultProviderStatusWait+30*time.Second)
	defer cancel()
	s := d.s
	_, _, err := s.client.Conversations.UpdateMessageStatus(ctx, messageID, &ghl.MessageStatusRequest{Status: ghl.MessageDelivered})
	if err == nil {
		s.store.Update(recID, func(r *Record) bool {
			for i := range r.Texts {
				if r.Texts[i].MessageID == messageID {
					r.Texts[i].Status = "delivered"
				}
			}
			return true
		})
		err = s.store.Save()
	}
	if err != nil {
		err = fmt.Errorf("reporting text %s delivered: %w", messageID, err)
		s.log.Warn("status update failed", "message", messageID, "error", err)
		d.mu.Lock()
		d.errs = append(d.errs, err)
		d.mu.Unlock()
		return
	}
	s.report("provider: text %s delivered -> status delivered in GHL", messageID)
}

// Wait waits until no status report is under way and returns the failures so far.
func (d *Delivery) Wait(ctx context.Context) error {
	for {
		d.mu.Lock()
		pending, idle := d.pending, d.idle
		if pending == 0 {
			defer d.mu.Unlock()
			return errors.Join(d.errs...)
		}
		d.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d text status reports: %w", pending, ctx.Err())
		}
	}
}

// conversationCounts is what the records hold of the contacts' GHL conversations.
type conversationCounts struct {
	calls, recordings, texts, delivered int
}

func (c *conversationCounts) add(r *Record) {
	for _, call := range r.Calls {
		if call.MessageID != "" {
			c.calls++
		}
		if call.RecordingURL != "" {
			c.recordings++
		}
	}
	for _, t := range r.Texts {
		switch {
		case t.Direction == "inbound" && t.MessageID != "":
			c.texts++
		case t.Direction == "outbound" && t.Status == "delivered":
			c.delivered++
		}
	}
}
