package ghltest

import (
	"fmt"
	"slices"
	"time"
)

// The state of the Conversations fake as tests see it: messages to seed and to inspect.

// Message is a message as the fake stores it: what AddMessage seeds and Messages returns.
type Message struct {
	ID, ConversationID, ContactID string
	// MessageType is GHL's type name: "TYPE_CALL", "TYPE_SMS", ...
	MessageType string
	// Direction is "inbound" or "outbound".
	Direction string
	Status    string
	Body      string
	// CallStatus and CallDuration (seconds) describe a call.
	CallStatus   string
	CallDuration *int
	From, To     string
	AltID        string
	// ConversationProviderID is the provider the message went through.
	ConversationProviderID string
	// Attachments are kept even where GHL's read endpoints leave them out (calls).
	Attachments []string
	Source      string
	DateAdded   time.Time
}

func (m *messageDoc) export() Message {
	out := Message{ID: m.id, ConversationID: m.conversationID, ContactID: m.contactID, MessageType: m.messageType,
		Direction: m.direction, Status: m.status, Body: m.body, CallStatus: m.callStatus, From: m.from, To: m.to,
		AltID: m.altID, ConversationProviderID: m.providerID, Attachments: slices.Clone(m.attachments), Source: m.source,
		DateAdded: m.dateAdded}
	if m.callDuration != nil {
		d := *m.callDuration
		out.CallDuration = &d
	}
	return out
}

// AddMessage stores a message in the contact's conversation (opening it if needed) as if GHL
// had recorded it itself, such as a call placed from GHL's dialer with its duration, and
// returns its ID. Unset fields default to an inbound SMS, delivered, now (a call's status
// follows its call status, as for call logs). Like GHL's own
// messages it is delivered as InboundMessage or OutboundMessage to the registered webhook URL.
func (s *Server) AddMessage(locationID, contactID string, m Message) (string, error) {
	d := &messageDoc{id: m.ID, messageType: m.MessageType, direction: m.Direction, status: m.Status, body: m.Body,
		callStatus: m.CallStatus, from: m.From, to: m.To, altID: m.AltID, providerID: m.ConversationProviderID,
		attachments: slices.Clone(m.Attachments), source: m.Source, dateAdded: m.DateAdded.UTC()}
	if m.CallDuration != nil {
		n := *m.CallDuration
		d.callDuration = &n
	}
	if d.messageType == "" {
		d.messageType = "TYPE_SMS"
	}
	if messageTypeCode(d.messageType) == 0 {
		return "", fmt.Errorf("ghltest: unknown message type %q", d.messageType)
	}
	if d.direction == "" {
		d.direction = "inbound"
	}
	if d.status == "" {
		d.status = "delivered"
		if d.isCall() {
			d.status = callMessageStatus(d.direction, d.callStatus)
		}
	}
	if d.source == "" {
		d.source = "app"
	}
	if d.dateAdded.IsZero() {
		d.dateAdded = s.clock().UTC()
	}
	s.mu.Lock()
	l := s.locations[locationID]
	if l == nil || l.contacts[contactID] == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: no contact %q in location %q", contactID, locationID)
	}
	if d.id != "" && s.conv.locLocked(locationID).msgs[d.id] != nil {
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: message %q exists", d.id)
	}
	c, _ := s.conversationForLocked(l, contactID, "")
	s.storeMessageLocked(c, d)
	events := s.messageEventsLocked(l, d)
	s.mu.Unlock()
	s.sendConvEvents(events)
	return d.id, nil
}

// Messages returns the messages of the contact's conversation, oldest first.
func (s *Server) Messages(locationID, contactID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.conv.locLocked(locationID)
	c := cl.byContact[contactID]
	if c == nil {
		return nil
	}
	var docs []*messageDoc
	for _, id := range c.msgIDs {
		if m := cl.msgs[id]; m != nil {
			docs = append(docs, m)
		}
	}
	slices.SortFunc(docs, func(a, b *messageDoc) int { return newestFirst(b, a) })
	out := make([]Message, 0, len(docs))
	for _, m := range docs {
		out = append(out, m.export())
	}
	return out
}
