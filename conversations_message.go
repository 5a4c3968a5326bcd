package ghl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Direction is a message's direction: inbound (contact to user) or outbound.
type Direction string

// The two directions.
const (
	DirectionInbound  Direction = "inbound"
	DirectionOutbound Direction = "outbound"
)

func checkDirection(param string, d Direction, optional bool) error {
	if d == DirectionInbound || d == DirectionOutbound || (optional && d == "") {
		return nil
	}
	return &InvalidParamError{Param: param, Reason: fmt.Sprintf("%q is neither inbound nor outbound", d)}
}

// MessageStatus is a message's delivery status. GHL sends statuses outside its documented
// list (call messages carry "completed"), so any string decodes.
type MessageStatus string

// Message statuses. UpdateMessageStatus accepts the first four.
const (
	MessageDelivered   MessageStatus = "delivered"
	MessageFailed      MessageStatus = "failed"
	MessagePending     MessageStatus = "pending"
	MessageRead        MessageStatus = "read"
	MessageSent        MessageStatus = "sent"
	MessageUndelivered MessageStatus = "undelivered"
	MessageScheduled   MessageStatus = "scheduled"
	MessageQueued      MessageStatus = "queued"
	MessageConnected   MessageStatus = "connected"
	MessageOpened      MessageStatus = "opened"
	MessageClicked     MessageStatus = "clicked"
	MessageOptOut      MessageStatus = "opt_out"
	// MessageCompleted is what GHL sends on call messages, though its spec does not list it.
	MessageCompleted MessageStatus = "completed"
)

// CallStatus is the outcome of a call.
type CallStatus string

// The call statuses GHL documents; others decode as given.
const (
	CallPending   CallStatus = "pending"
	CallCompleted CallStatus = "completed"
	CallAnswered  CallStatus = "answered"
	CallBusy      CallStatus = "busy"
	CallNoAnswer  CallStatus = "no-answer"
	CallFailed    CallStatus = "failed"
	CallCanceled  CallStatus = "canceled"
	CallVoicemail CallStatus = "voicemail"
)

func (s CallStatus) known() bool {
	switch s {
	case CallPending, CallCompleted, CallAnswered, CallBusy, CallNoAnswer, CallFailed, CallCanceled, CallVoicemail:
		return true
	}
	return false
}

// Channel is a message channel, as message types are named in requests ("SMS", "Call") and
// as the export filters by them.
type Channel string

// Channels. Each operation accepts the ones GHL documents for it.
const (
	ChannelSMS       Channel = "SMS"
	ChannelRCS       Channel = "RCS"
	ChannelEmail     Channel = "Email"
	ChannelWhatsApp  Channel = "WhatsApp"
	ChannelGMB       Channel = "GMB"
	ChannelIG        Channel = "IG"
	ChannelFB        Channel = "FB"
	ChannelCustom    Channel = "Custom"
	ChannelWebChat   Channel = "WebChat"
	ChannelLiveChat  Channel = "Live_Chat"
	ChannelCall      Channel = "Call"
	ChannelIVRCall   Channel = "IVR_Call"
	ChannelTikTok    Channel = "TIKTOK"
	ChannelInstagram Channel = "Instagram" // export filter only
	ChannelFacebook  Channel = "Facebook"  // export filter only
)

// Seconds is a duration in whole seconds, as GHL sends call durations: a number, or a numeric
// string (the spec's type).
type Seconds int

// UnmarshalJSON accepts a number, a numeric string or null (0).
func (s *Seconds) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" || string(b) == `""` {
		*s = 0
		return nil
	}
	text := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxInt32 {
		return fmt.Errorf("ghl: %s is not a number of seconds", b)
	}
	*s = Seconds(math.Round(f))
	return nil
}

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) * time.Second }

// Message is one message of a conversation: a call, a voicemail, a text, an e-mail. One type
// serves GetMessage, Messages and ExportMessages. Fields it does not name are kept in Extra.
type Message struct {
	ID string `json:"id,omitempty"`
	// Type is GHL's numeric message type (1 call, 34 custom call, ...); MessageType is its name
	// ("TYPE_CALL", "TYPE_SMS", ...).
	Type           int           `json:"type,omitempty"`
	MessageType    string        `json:"messageType,omitempty"`
	LocationID     string        `json:"locationId,omitempty"`
	ContactID      string        `json:"contactId,omitempty"`
	ConversationID string        `json:"conversationId,omitempty"`
	DateAdded      *Time         `json:"dateAdded,omitempty"`
	DateUpdated    *Time         `json:"dateUpdated,omitempty"`
	Body           string        `json:"body,omitempty"`
	Direction      Direction     `json:"direction,omitempty"`
	Status         MessageStatus `json:"status,omitempty"`
	ContentType    string        `json:"contentType,omitempty"`
	// Attachments are URLs. GHL leaves them out for calls and voicemails: fetch a call's
	// recording with Recording.
	Attachments []string     `json:"attachments,omitempty"`
	Meta        *MessageMeta `json:"meta,omitempty"`
	// Source is "workflow", "bulk_actions", "campaign", "api" or "app".
	Source                 string `json:"source,omitempty"`
	UserID                 string `json:"userId,omitempty"`
	ConversationProviderID string `json:"conversationProviderId,omitempty"`
	// AltID is the sender's own ID for the message, e.g. the PBX call ID of a call log.
	AltID        string `json:"altId,omitempty"`
	ChatWidgetID string `json:"chatWidgetId,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var messageFields = jsonx.FieldsOf[Message]()

// UnmarshalJSON decodes a message and keeps the fields it does not name in Extra.
func (m *Message) UnmarshalJSON(data []byte) error { return decodeModel(data, m) }

// MarshalJSON encodes the message with its Extra fields.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	return encodeWithExtra(plain(m), messageFields, m.Extra, nil)
}

// CallStatus returns the call's outcome from either shape GHL sends: meta.call.status (what
// it really sends) or meta.callStatus (what its spec documents); "" if neither.
func (m *Message) CallStatus() CallStatus {
	if m.Meta == nil {
		return ""
	}
	if c := m.Meta.Call; c != nil && c.Status != "" {
		return c.Status
	}
	return m.Meta.CallStatus
}

// CallDuration returns the call's duration from meta.call.duration or meta.callDuration; ok
// is false when the message carries neither.
func (m *Message) CallDuration() (d time.Duration, ok bool) {
	if m.Meta == nil {
		return 0, false
	}
	if c := m.Meta.Call; c != nil && c.Duration != nil {
		return c.Duration.Duration(), true
	}
	if m.Meta.CallDuration != nil {
		return m.Meta.CallDuration.Duration(), true
	}
	return 0, false
}

// MessageMeta is a message's meta object. For calls GHL sends {"call": {"duration",
// "status"}}, while its spec documents {"callDuration", "callStatus"}: both decode, and
// Message.CallStatus and Message.CallDuration read whichever is present.
type MessageMeta struct {
	Call         *CallMeta  `json:"call,omitempty"`
	CallDuration *Seconds   `json:"callDuration,omitempty"`
	CallStatus   CallStatus `json:"callStatus,omitempty"`
	// Email holds the e-mail thread's message IDs, as GHL sends them.
	Email json.RawMessage `json:"email,omitempty"`

	Extra Extra `json:"-"`
}

var messageMetaFields = jsonx.FieldsOf[MessageMeta]()

// UnmarshalJSON decodes the meta object and keeps the fields it does not name in Extra.
func (m *MessageMeta) UnmarshalJSON(data []byte) error { return decodeModel(data, m) }

// MarshalJSON encodes the meta object with its Extra fields.
func (m MessageMeta) MarshalJSON() ([]byte, error) {
	type plain MessageMeta
	return encodeWithExtra(plain(m), messageMetaFields, m.Extra, nil)
}

// CallMeta is meta.call of a call message.
type CallMeta struct {
	Duration *Seconds   `json:"duration,omitempty"`
	Status   CallStatus `json:"status,omitempty"`

	Extra Extra `json:"-"`
}

var callMetaFields = jsonx.FieldsOf[CallMeta]()

// UnmarshalJSON decodes meta.call and keeps the fields it does not name in Extra.
func (c *CallMeta) UnmarshalJSON(data []byte) error { return decodeModel(data, c) }

// MarshalJSON encodes meta.call with its Extra fields.
func (c CallMeta) MarshalJSON() ([]byte, error) {
	type plain CallMeta
	return encodeWithExtra(plain(c), callMetaFields, c.Extra, nil)
}
