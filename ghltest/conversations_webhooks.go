package ghltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The webhooks of the Conversations API. Every message stored (a call log, an inbound or sent
// message, a text a GHL user sends, a message seeded with AddMessage) is delivered to the
// app's webhook URL as InboundMessage or OutboundMessage, by its direction, signed like every
// other event; a change of a conversation's unread count or star through the API is delivered
// as ConversationUnreadUpdate. A text that goes out through a conversation provider is also
// posted, unsigned, to the provider's Delivery URL as ProviderOutboundMessage. Nothing is
// delivered for a request GHL refuses or stores nothing for (the 201 of highlevel-api-docs#70).
// FIDELITY.md gives the source of each behaviour.

// WithProviderDeliveryURL sets the Delivery URL of a conversation provider of the fake's app
// (DefaultSMSProviderID, or one added with WithConversationProvider): texts sent through the
// provider are posted there as ProviderOutboundMessage.
func WithProviderDeliveryURL(providerID, url string) ServerOption {
	return func(c *config) {
		if c.conv.delivery == nil {
			c.conv.delivery = map[string]string{}
		}
		c.conv.delivery[providerID] = url
	}
}

// SetProviderDeliveryURL sets (or, with "", clears) the Delivery URL of a conversation
// provider of the fake's app, like the field of the provider's settings in GHL's marketplace.
func (s *Server) SetProviderDeliveryURL(providerID, url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conv.providers[providerID]; !ok {
		return fmt.Errorf("ghltest: no conversation provider %q", providerID)
	}
	s.conv.delivery[providerID] = url
	return nil
}

// EventProviderOutboundMessage is the Type of a ProviderOutboundMessage delivery in
// Deliveries (its payload's own type member is the channel, "SMS" or "Custom").
const EventProviderOutboundMessage = "ProviderOutboundMessage"

// eventMessageTypes are the messageType names of the message events, which are not the API's
// TYPE_ names: "CALL" and "SMS" as GHL's examples show, "Custom" for a text through a
// provider (#224). Other types fall back to the name without its TYPE_ prefix.
var eventMessageTypes = map[string]string{
	"TYPE_CALL": "CALL", "TYPE_SMS": "SMS", "TYPE_CUSTOM_PROVIDER_SMS": "Custom", "TYPE_CUSTOM_SMS": "Custom",
	"TYPE_EMAIL": "Email", "TYPE_CAMPAIGN_VOICEMAIL": "VoiceMail", "TYPE_WHATSAPP": "WhatsApp", "TYPE_FACEBOOK": "FB",
	"TYPE_INSTAGRAM": "IG", "TYPE_GMB": "GMB", "TYPE_WEBCHAT": "WebChat", "TYPE_LIVE_CHAT": "Live_Chat",
}

func eventMessageType(name string) string {
	if t, ok := eventMessageTypes[name]; ok {
		return t
	}
	return strings.TrimPrefix(name, "TYPE_")
}

// convEvents is what a change of the Conversations state delivers once the server's lock is
// released: at most one signed event and one provider delivery.
type convEvents struct {
	loc, typ string
	payload  map[string]any
	provider *webhookEvent
}

// send delivers the events. Called without the server's lock, before the response is
// written, so a client that got its answer finds the events queued (FlushWebhooks).
func (s *Server) sendConvEvents(e convEvents) {
	if e.payload != nil {
		s.emit(e.loc, e.typ, e.payload)
	}
	if e.provider != nil {
		s.hooks.enqueue(queuedWebhook{ev: e.provider})
	}
}

// appHasScope reports whether the app was granted scope: GHL delivers an event only to apps
// with the event's scope.
func (s *Server) appHasScope(scope string) bool { return slices.Contains(s.oauth.cfg.scopes, scope) }

// messageEventsLocked builds the events of a message just stored: InboundMessage or
// OutboundMessage, and the provider delivery of a text sent through a provider.
func (s *Server) messageEventsLocked(l *location, m *messageDoc) convEvents {
	e := convEvents{loc: l.id}
	if m.status == "scheduled" {
		// A scheduled message goes out when its time comes, which the fake does not model.
		return e
	}
	if s.appHasScope(ScopeConversationMessagesReadonly) {
		e.typ, e.payload = "OutboundMessage", messagePayload(m)
		if m.direction == "inbound" {
			e.typ = "InboundMessage"
		}
	}
	e.provider = s.providerDeliveryLocked(l, m)
	return e
}

// messagePayload is a message as the InboundMessage and OutboundMessage events carry it.
func messagePayload(m *messageDoc) map[string]any {
	p := map[string]any{
		"messageId": m.id, "conversationId": m.conversationID, "contactId": m.contactID,
		"messageType": eventMessageType(m.messageType), "messageTypeString": m.messageType,
		"direction": m.direction, "status": m.status, "dateAdded": convISO(m.dateAdded),
		"attachments": append([]string{}, m.attachments...),
	}
	if code := messageTypeCode(m.messageType); code > 0 {
		p["messageTypeId"] = code
	}
	if m.providerID != "" {
		p["conversationProviderId"] = m.providerID
	}
	if m.isCall() {
		// From and to are on call events since January 2026 (#188).
		for k, v := range map[string]string{"callStatus": m.callStatus, "from": m.from, "to": m.to} {
			if v != "" {
				p[k] = v
			}
		}
		if m.callDuration != nil {
			p["callDuration"] = *m.callDuration
		}
	} else {
		p["body"], p["contentType"] = m.body, m.contentType
	}
	if m.direction == "outbound" {
		// Inbound messages carry no user (#214); an outbound one names the user who sent it
		// and what sent it.
		p["userId"], p["source"] = DefaultUserID, m.source
	}
	return p
}

// providerDeliveryLocked builds the ProviderOutboundMessage of a text that goes out through a
// provider with a Delivery URL; nil for any other message.
func (s *Server) providerDeliveryLocked(l *location, m *messageDoc) *webhookEvent {
	url := s.conv.delivery[m.providerID]
	typ := s.conv.providers[m.providerID]
	switch {
	case m.providerID == "" || url == "" || m.direction != "outbound" || !s.appHasScope(ScopeConversationMessagesWrite),
		m.messageType != "TYPE_CUSTOM_PROVIDER_SMS" && m.messageType != "TYPE_CUSTOM_SMS",
		typ != ProviderSMS && typ != ProviderCustom:
		return nil
	}
	// "SMS" through the location's default SMS provider, "Custom" through any other (#55).
	channel := "Custom"
	if m.providerID == s.conv.smsProvider && m.messageType == "TYPE_CUSTOM_PROVIDER_SMS" {
		channel = "SMS"
	}
	body, err := encodeOrdered([][2]any{
		{"contactId", m.contactID}, {"locationId", l.id}, {"messageId", m.id}, {"type", channel},
		{"phone", m.to}, {"message", m.body}, {"attachments", append([]string{}, m.attachments...)}, {"userId", DefaultUserID},
	})
	if err != nil {
		panic("ghltest: encoding a provider delivery: " + err.Error())
	}
	return &webhookEvent{typ: EventProviderOutboundMessage, loc: l.id, body: body, target: url, messageID: m.id}
}

// encodeOrdered writes a JSON object with the members in the order given, compact and without
// HTML escaping, as GHL's Node services write it.
func encodeOrdered(members [][2]any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range members {
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv[1]); err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[0])
		b.Write(k)
		b.WriteByte(':')
		b.Write(bytes.TrimRight(v.Bytes(), "\n"))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// unreadEventLocked builds the ConversationUnreadUpdate of a conversation whose unread count
// or star an update changed.
func (s *Server) unreadEventLocked(c *conversationDoc) convEvents {
	e := convEvents{loc: c.locationID}
	if s.appHasScope(ScopeConversationsReadonly) {
		e.typ = "ConversationUnreadUpdate"
		e.payload = map[string]any{"id": c.id, "contactId": c.contactID, "unreadCount": c.unread, "inbox": c.inbox,
			"starred": c.starred, "deleted": false}
	}
	return e
}

// SendTextFromGHL sends a text to a contact as a GHL user does from GHL's conversations
// screen, and returns the message's ID. Through the location's SMS provider
// (DefaultSMSProviderID unless WithSMSProvider) it is stored pending as
// TYPE_CUSTOM_PROVIDER_SMS, delivered as OutboundMessage (source "app") and posted to the
// provider's Delivery URL as ProviderOutboundMessage; the provider then reports delivery with
// a status update, which GHL refuses until its window (WithProviderStatusDelay) has passed.
// Without an SMS provider, GHL's own phone service sends it: TYPE_SMS, delivered.
func (s *Server) SendTextFromGHL(locationID, contactID, body string, attachments ...string) (string, error) {
	if strings.TrimSpace(body) == "" && len(attachments) == 0 {
		return "", fmt.Errorf("ghltest: a text needs a body or an attachment")
	}
	s.mu.Lock()
	l := s.locations[locationID]
	var contact *contactDoc
	if l != nil {
		contact = l.contacts[contactID]
	}
	switch {
	case contact == nil:
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: no contact %q in location %q", contactID, locationID)
	case contact.str("phone") == "":
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: contact %q has no phone number", contactID)
	}
	now := s.clock().UTC()
	m := &messageDoc{messageType: "TYPE_SMS", direction: "outbound", status: "delivered", source: "app", body: body,
		attachments: slices.Clone(attachments), to: contact.str("phone"), dateAdded: now}
	if p := s.conv.smsProvider; p != "" {
		m.messageType, m.status, m.providerID, m.downstreamAt = "TYPE_CUSTOM_PROVIDER_SMS", "pending", p, now.Add(s.conv.statusDelay)
	}
	c, _ := s.conversationForLocked(l, contactID, "")
	s.storeMessageLocked(c, m)
	events := s.messageEventsLocked(l, m)
	s.mu.Unlock()
	s.sendConvEvents(events)
	return m.id, nil
}
