package ghl

import (
	"strings"
)

// The conversation events' type values. ProviderOutboundMessage has none of its own: GHL
// sends the channel ("SMS", "Email" or "Custom") as its type, and ParseEvent decodes those
// three as a *ProviderOutboundMessageEvent.
const (
	EventInboundMessage           = "InboundMessage"
	EventOutboundMessage          = "OutboundMessage"
	EventConversationUnreadUpdate = "ConversationUnreadUpdate"
)

// MessagePayload is what InboundMessageEvent and OutboundMessageEvent carry: one message added
// to a contact's conversation, a call, a voicemail, a text or an e-mail. Direction, Status and
// CallStatus have the types of the Conversations API, so they compare with its constants
// (DirectionInbound, MessageDelivered, CallVoicemail, ...); GHL sends values outside its own
// lists, and any string decodes.
//
// For calls GHL documents: an answered inbound or outbound call has Status "completed" and
// CallStatus CallCompleted; an inbound call that went to voicemail has both "voicemail"; an
// outbound call that reached a voicemail has Status "completed" and CallStatus CallVoicemail.
// The recording or voicemail URL is in Attachments.
type MessagePayload struct {
	EventEnvelope
	AppID     string `json:"appId,omitempty"`
	VersionID string `json:"versionId,omitempty"`

	MessageID              string `json:"messageId,omitempty"`
	ContactID              string `json:"contactId,omitempty"`
	ConversationID         string `json:"conversationId,omitempty"`
	ConversationProviderID string `json:"conversationProviderId,omitempty"`
	// UserID is the user who sent or took the message; GHL leaves it out on inbound calls.
	UserID string `json:"userId,omitempty"`
	// MessageType is the channel as these events name it: "SMS", "CALL", "VoiceMail",
	// "Email", "GMB", "FB", "IG", "Custom", ... (not the API's "TYPE_CALL" names).
	MessageType string `json:"messageType,omitempty"`
	// MessageTypeID is GHL's numeric message type (1 call, 2 SMS, 22 SMS through a custom
	// provider, ...; Message.Type in the API) and MessageTypeString its name ("TYPE_CALL",
	// Message.MessageType in the API). A numeric string decodes too.
	MessageTypeID     int           `json:"messageTypeId,omitempty"`
	MessageTypeString string        `json:"messageTypeString,omitempty"`
	Direction         Direction     `json:"direction,omitempty"`
	Status            MessageStatus `json:"status,omitempty"`
	// CallStatus is the outcome of a call (absent on other messages).
	CallStatus CallStatus `json:"callStatus,omitempty"`
	// CallDuration is the call's length in seconds; nil when the event carries none. GHL
	// documents a number; a numeric string decodes too, and a fraction is rounded (Raw keeps
	// the bytes as sent).
	CallDuration *Seconds `json:"callDuration,omitempty"`
	// From and To are the call's phone numbers (sent since January 2026), or an e-mail's
	// sender and recipients. To is one number on a call and a list on an e-mail.
	From string    `json:"from,omitempty"`
	To   Addresses `json:"to,omitempty"`
	Body string    `json:"body,omitempty"`
	// ContentType is the body's media type, e.g. "text/plain".
	ContentType string `json:"contentType,omitempty"`
	// Attachments are URLs: a call's recording, a voicemail, the files of a text.
	Attachments []string `json:"attachments,omitempty"`
	// Source says what sent an outbound message: "app", "api", "workflow", "bulk_actions",
	// "campaign", ...
	Source string `json:"source,omitempty"`
	// OriginalMessageID is set on a message GHL sent again: the ID of the first attempt.
	OriginalMessageID string `json:"originalMessageId,omitempty"`
	ChatWidgetID      string `json:"chatWidgetId,omitempty"`
	DateAdded         Time   `json:"dateAdded,omitempty"`

	// E-mail messages.
	EmailMessageID string    `json:"emailMessageId,omitempty"`
	ThreadID       string    `json:"threadId,omitempty"`
	Subject        string    `json:"subject,omitempty"`
	Provider       string    `json:"provider,omitempty"`
	CC             Addresses `json:"cc,omitempty"`
	BCC            Addresses `json:"bcc,omitempty"`

	// Extra holds the members this type does not name, and any named member whose JSON type
	// did not fit its field, so nothing GHL sent is lost.
	Extra Extra `json:"-"`
}

// The message events: InboundMessageEvent for a message from the contact to the location,
// OutboundMessageEvent for one to the contact. A call logged through the API arrives as one
// of them, by the direction it was logged with.
type (
	InboundMessageEvent  struct{ MessagePayload }
	OutboundMessageEvent struct{ MessagePayload }
)

// ProviderOutboundMessageEvent is what GHL posts to a conversation provider's Delivery URL
// when a user sends a message through the provider: deliver it, then report its status with
// ConversationsService.UpdateMessageStatus(ctx, ev.MessageID, ...). Its type member is the
// channel ("SMS", "Email" or "Custom"): see Channel.
//
// GHL does not sign these deliveries (highlevel-api-docs#224, open) and documents neither a
// timestamp nor a webhookId on them, so WebhookVerifier refuses them. Protect the Delivery
// URL another way (a secret in its path, a network rule), decode the body with ParseEvent, and
// deduplicate on MessageID.
type ProviderOutboundMessageEvent struct {
	EventEnvelope
	ContactID string `json:"contactId,omitempty"`
	MessageID string `json:"messageId,omitempty"`
	UserID    string `json:"userId,omitempty"`
	// Phone is the contact's number a text goes to, and Message its text.
	Phone       string   `json:"phone,omitempty"`
	Message     string   `json:"message,omitempty"`
	Attachments []string `json:"attachments,omitempty"`

	// E-mail messages. EmailTo is documented as a string and sent as a list: both decode.
	EmailMessageID string    `json:"emailMessageId,omitempty"`
	EmailFrom      string    `json:"emailFrom,omitempty"`
	EmailTo        Addresses `json:"emailTo,omitempty"`
	Subject        string    `json:"subject,omitempty"`
	HTML           string    `json:"html,omitempty"`

	Extra Extra `json:"-"`
}

// Channel returns the message's channel, the payload's type member: ChannelSMS, ChannelEmail
// or ChannelCustom (GHL sends "Custom" for texts through an additional provider).
func (e *ProviderOutboundMessageEvent) Channel() Channel { return Channel(e.Type) }

// ConversationUnreadUpdateEvent reports a change of a conversation's unread count, inbox,
// star or deletion. ID is the conversation's ID. UnreadCount may arrive as a numeric string.
type ConversationUnreadUpdateEvent struct {
	EventEnvelope
	ID          string `json:"id,omitempty"`
	ContactID   string `json:"contactId,omitempty"`
	UnreadCount int    `json:"unreadCount,omitempty"`
	Inbox       bool   `json:"inbox,omitempty"`
	Starred     bool   `json:"starred,omitempty"`
	Deleted     bool   `json:"deleted,omitempty"`
	Extra       Extra  `json:"-"`
}

// Addresses is one address or several: GHL sends a call's to as one phone number and an
// e-mail's recipients as a list, sometimes where it documents a string. Both decode, and an
// event re-encodes each in the form it came in.
type Addresses []string

// String returns the addresses separated by ", " (a call's one number as it is).
func (a Addresses) String() string { return strings.Join(a, ", ") }

// UnmarshalJSON decodes a MessagePayload and keeps the fields it does not name.
func (e *MessagePayload) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the MessagePayload with the fields it does not name, as received.
func (e MessagePayload) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a ProviderOutboundMessageEvent and keeps the fields it does not name.
func (e *ProviderOutboundMessageEvent) UnmarshalJSON(b []byte) error { return unmarshalEvent(b, e) }

// MarshalJSON encodes the ProviderOutboundMessageEvent with the fields it does not name, as
// received.
func (e ProviderOutboundMessageEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }

// UnmarshalJSON decodes a ConversationUnreadUpdateEvent and keeps the fields it does not name.
func (e *ConversationUnreadUpdateEvent) UnmarshalJSON(b []byte) error {
	return unmarshalEvent(b, e)
}

// MarshalJSON encodes the ConversationUnreadUpdateEvent with the fields it does not name, as
// received.
func (e ConversationUnreadUpdateEvent) MarshalJSON() ([]byte, error) { return marshalEvent(&e) }
