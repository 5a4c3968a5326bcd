package ghl

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Writing messages: call logs, inbound messages, sending, status updates, attachments.

// CallData is the call part of a call log: who called whom and how it ended.
type CallData struct {
	// From is the dialer's number and To the receiver's, in E.164. GHL matches the contact's
	// number: From for an inbound call, To for an outbound one.
	From   string     `json:"from,omitempty"`
	To     string     `json:"to,omitempty"`
	Status CallStatus `json:"status,omitempty"`
}

func (c *CallData) validate(param string) error {
	if c.Status != "" && !c.Status.known() {
		return &InvalidParamError{Param: param + ".Status", Reason: fmt.Sprintf("%q is not a call status GHL accepts", c.Status)}
	}
	return nil
}

// CallLogRequest logs a call that the phone system handled as a Call message on the
// contact's conversation. ConversationProviderID is required: it is the ID of a Call
// conversation provider of the marketplace app whose OAuth token the client uses.
type CallLogRequest struct {
	// Direction is DirectionInbound or DirectionOutbound; it picks the endpoint. It is required
	// because GHL records an unspecified direction as outbound.
	Direction Direction `json:"direction"`
	// ContactID or ConversationID (at least one) names the conversation.
	ContactID              string `json:"contactId,omitempty"`
	ConversationID         string `json:"conversationId,omitempty"`
	ConversationProviderID string `json:"conversationProviderId"`
	// Call carries the numbers and the outcome.
	Call CallData `json:"call"`
	// AltID is the phone system's own call ID.
	AltID string `json:"altId,omitempty"`
	// Date is when the call took place; zero: now.
	Date time.Time `json:"date,omitempty"`
	// Attachments are URLs, such as a recording already hosted somewhere. A recording that
	// is ready later is attached with SetAttachments.
	Attachments []string `json:"attachments,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

// callLogBody is what LogCall sends: the inbound endpoint takes a direction, the outbound
// one does not.
type callLogBody struct {
	Type                   Channel    `json:"type"`
	ContactID              string     `json:"contactId,omitempty"`
	ConversationID         string     `json:"conversationId,omitempty"`
	ConversationProviderID string     `json:"conversationProviderId"`
	Direction              Direction  `json:"direction,omitempty"`
	Call                   CallData   `json:"call"`
	AltID                  string     `json:"altId,omitempty"`
	Date                   *time.Time `json:"date,omitempty"`
	Attachments            []string   `json:"attachments,omitempty"`
}

var callLogBodyFields = jsonx.FieldsOf[callLogBody]()

type encodedBody []byte

func (b encodedBody) MarshalJSON() ([]byte, error) { return b, nil }

// AddMessageResult is GHL's answer to a call log or an inbound message.
type AddMessageResult struct {
	Success        bool   `json:"success"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	Message        string `json:"message,omitempty"`
	ContactID      string `json:"contactId,omitempty"`
	DateAdded      *Time  `json:"dateAdded,omitempty"`
	EmailMessageID string `json:"emailMessageId,omitempty"`

	Extra Extra `json:"-"`
}

var addMessageResultFields = jsonx.FieldsOf[AddMessageResult]()

// UnmarshalJSON decodes the result and keeps the fields it does not name in Extra.
func (r *AddMessageResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the result with its Extra fields.
func (r AddMessageResult) MarshalJSON() ([]byte, error) {
	type plain AddMessageResult
	return encodeWithExtra(plain(r), addMessageResultFields, r.Extra, nil)
}

// LogCall adds a call to the contact's conversation as a Call message: an inbound call
// through POST /conversations/messages/inbound with "direction": "inbound", an outbound one
// through POST /conversations/messages/outbound.
//
// A missing ConversationProviderID is a *ConversationProviderError (ProviderMissing) before
// anything is sent. GHL's answers to provider trouble become *ConversationProviderError too:
// a provider ID refused for the token (ProviderRefused: a Private Integration Token, or
// another app's provider), one GHL does not know (ProviderInvalid, also for its bare 500),
// and a 2xx that stored nothing (ProviderNotStored). A log is not resent after a 5xx or a
// dropped connection, since GHL might have stored it.
func (s *ConversationsService) LogCall(ctx context.Context, req *CallLogRequest) (*AddMessageResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	if err := checkDirection("req.Direction", req.Direction, false); err != nil {
		return nil, nil, err
	}
	path := "/conversations/messages/inbound"
	if req.Direction == DirectionOutbound {
		path = "/conversations/messages/outbound"
	}
	r := &request{method: http.MethodPost, path: path, route: path, family: APIConversations}
	if err := checkTarget("req", req.ContactID, req.ConversationID); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(req.ConversationProviderID) == "" {
		return nil, nil, &ConversationProviderError{Problem: ProviderMissing, Method: r.method, Route: r.route}
	}
	if err := req.Call.validate("req.Call"); err != nil {
		return nil, nil, err
	}
	if err := checkURLs("req.Attachments", req.Attachments, -1); err != nil {
		return nil, nil, err
	}
	body := callLogBody{
		Type: ChannelCall, ContactID: req.ContactID, ConversationID: req.ConversationID,
		ConversationProviderID: req.ConversationProviderID, Call: req.Call, AltID: req.AltID,
		Attachments: req.Attachments,
	}
	if req.Direction == DirectionInbound {
		body.Direction = DirectionInbound
	}
	if !req.Date.IsZero() {
		d := req.Date.UTC()
		body.Date = &d
	}
	b, err := encodeWithExtra(body, callLogBodyFields, req.Extra, nil)
	if err != nil {
		return nil, nil, err
	}
	r.body = encodedBody(b)
	return s.addMessage(ctx, r, req.ConversationProviderID)
}

// InboundMessageRequest adds a message a contact sent (POST /conversations/messages/inbound):
// an SMS that reached the phone system, an e-mail, a custom channel's message. The SDK sends
// "direction": "inbound", which GHL would otherwise record as outbound. For calls use
// LogCall.
type InboundMessageRequest struct {
	// Type is the channel: ChannelSMS, ChannelEmail, ChannelCustom, ... ChannelCall and
	// ChannelCustom need ConversationProviderID.
	Type Channel `json:"type"`
	// ContactID or ConversationID (at least one) names the conversation.
	ContactID      string `json:"contactId,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
	// ConversationProviderID is the provider the message came through; the location's
	// default SMS provider needs none.
	ConversationProviderID string   `json:"conversationProviderId,omitempty"`
	Message                string   `json:"message,omitempty"`
	Attachments            []string `json:"attachments,omitempty"`
	// AltID is the sender's own message ID.
	AltID string `json:"altId,omitempty"`
	// Date is when the message arrived; zero: now.
	Date time.Time `json:"date,omitempty"`
	Call *CallData `json:"call,omitempty"`
	// E-mail fields.
	HTML           string   `json:"html,omitempty"`
	Subject        string   `json:"subject,omitempty"`
	EmailFrom      string   `json:"emailFrom,omitempty"`
	EmailTo        string   `json:"emailTo,omitempty"`
	EmailCc        []string `json:"emailCc,omitempty"`
	EmailBcc       []string `json:"emailBcc,omitempty"`
	EmailMessageID string   `json:"emailMessageId,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

// inboundBody is InboundMessageRequest with the direction and an optional date.
type inboundBody struct {
	Type                   Channel    `json:"type"`
	ContactID              string     `json:"contactId,omitempty"`
	ConversationID         string     `json:"conversationId,omitempty"`
	ConversationProviderID string     `json:"conversationProviderId,omitempty"`
	Direction              Direction  `json:"direction"`
	Message                string     `json:"message,omitempty"`
	Attachments            []string   `json:"attachments,omitempty"`
	AltID                  string     `json:"altId,omitempty"`
	Date                   *time.Time `json:"date,omitempty"`
	Call                   *CallData  `json:"call,omitempty"`
	HTML                   string     `json:"html,omitempty"`
	Subject                string     `json:"subject,omitempty"`
	EmailFrom              string     `json:"emailFrom,omitempty"`
	EmailTo                string     `json:"emailTo,omitempty"`
	EmailCc                []string   `json:"emailCc,omitempty"`
	EmailBcc               []string   `json:"emailBcc,omitempty"`
	EmailMessageID         string     `json:"emailMessageId,omitempty"`
}

var inboundBodyFields = jsonx.FieldsOf[inboundBody]()

// AddInboundMessage adds a message the contact sent to the contact's conversation. Provider
// problems are reported as by LogCall.
func (s *ConversationsService) AddInboundMessage(ctx context.Context, req *InboundMessageRequest) (*AddMessageResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	r := &request{method: http.MethodPost, path: "/conversations/messages/inbound", route: "/conversations/messages/inbound", family: APIConversations}
	switch req.Type {
	case ChannelSMS, ChannelRCS, ChannelEmail, ChannelWhatsApp, ChannelGMB, ChannelIG, ChannelFB, ChannelWebChat,
		ChannelLiveChat, ChannelIVRCall, ChannelTikTok, "Campaign_Call", "Campaign_VoiceMail", "ALL_IN_ONE_CHAT", "FORM_SUBMISSION":
	case ChannelCall, ChannelCustom:
		if strings.TrimSpace(req.ConversationProviderID) == "" {
			return nil, nil, &ConversationProviderError{Problem: ProviderMissing, Method: r.method, Route: r.route}
		}
	case "":
		return nil, nil, &InvalidParamError{Param: "req.Type", Reason: "must not be empty"}
	default:
		return nil, nil, &InvalidParamError{Param: "req.Type", Reason: fmt.Sprintf("%q is not a message type GHL accepts", req.Type)}
	}
	if err := checkTarget("req", req.ContactID, req.ConversationID); err != nil {
		return nil, nil, err
	}
	if req.Call != nil {
		if err := req.Call.validate("req.Call"); err != nil {
			return nil, nil, err
		}
	}
	if err := checkURLs("req.Attachments", req.Attachments, -1); err != nil {
		return nil, nil, err
	}
	body := inboundBody{
		Type: req.Type, ContactID: req.ContactID, ConversationID: req.ConversationID,
		ConversationProviderID: req.ConversationProviderID, Direction: DirectionInbound, Message: req.Message,
		Attachments: req.Attachments, AltID: req.AltID, Call: req.Call, HTML: req.HTML, Subject: req.Subject,
		EmailFrom: req.EmailFrom, EmailTo: req.EmailTo, EmailCc: req.EmailCc, EmailBcc: req.EmailBcc,
		EmailMessageID: req.EmailMessageID,
	}
	if !req.Date.IsZero() {
		d := req.Date.UTC()
		body.Date = &d
	}
	b, err := encodeWithExtra(body, inboundBodyFields, req.Extra, nil)
	if err != nil {
		return nil, nil, err
	}
	r.body = encodedBody(b)
	return s.addMessage(ctx, r, req.ConversationProviderID)
}

// addMessage sends a call log or inbound message and classifies GHL's answer.
func (s *ConversationsService) addMessage(ctx context.Context, r *request, providerID string) (*AddMessageResult, *Response, error) {
	var res AddMessageResult
	resp, err := s.client.do(ctx, r, &res)
	if err != nil {
		return nil, resp, providerError(err, r, providerID)
	}
	if res.MessageID == "" {
		// GHL's silent 2xx with an empty body: nothing was stored.
		return nil, errorResponse(resp), &ConversationProviderError{Problem: ProviderNotStored, Method: r.method, Route: r.route, ProviderID: providerID, StatusCode: resp.StatusCode}
	}
	return &res, resp, nil
}

// checkTarget requires a contact ID or a conversation ID, and checks those given.
func checkTarget(param, contactID, conversationID string) error {
	if contactID == "" && conversationID == "" {
		return &InvalidParamError{Param: param + ".ContactID", Reason: "ContactID or ConversationID is required"}
	}
	if contactID != "" {
		if err := checkID(param+".ContactID", contactID); err != nil {
			return err
		}
	}
	if conversationID != "" {
		if err := checkID(param+".ConversationID", conversationID); err != nil {
			return err
		}
	}
	return nil
}

// checkURLs checks that each entry is an absolute http(s) URL, and that there are at most max
// (max < 0: any number).
func checkURLs(param string, urls []string, max int) error {
	if max >= 0 && len(urls) > max {
		return &InvalidParamError{Param: param, Reason: fmt.Sprintf("%d URLs; GHL accepts at most %d", len(urls), max)}
	}
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &InvalidParamError{Param: fmt.Sprintf("%s[%d]", param, i), Reason: "is not an absolute http(s) URL"}
		}
	}
	return nil
}

// SendMessageRequest sends a message to a contact (POST /conversations/messages) through the
// location's channel for Type, or through ConversationProviderID.
type SendMessageRequest struct {
	// Type is ChannelSMS, ChannelRCS, ChannelEmail, ChannelWhatsApp, ChannelIG, ChannelFB,
	// ChannelCustom (which needs ConversationProviderID), ChannelLiveChat or ChannelTikTok.
	Type        Channel  `json:"type"`
	ContactID   string   `json:"contactId"`
	Message     string   `json:"message,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// FromNumber and ToNumber override the sending and receiving numbers of an SMS.
	FromNumber string `json:"fromNumber,omitempty"`
	ToNumber   string `json:"toNumber,omitempty"`
	// ScheduledTimestamp (Unix seconds) schedules the message; CancelScheduled cancels it.
	ScheduledTimestamp     int64  `json:"scheduledTimestamp,omitempty"`
	ConversationProviderID string `json:"conversationProviderId,omitempty"`
	TemplateID             string `json:"templateId,omitempty"`
	ReplyMessageID         string `json:"replyMessageId,omitempty"`
	AppointmentID          string `json:"appointmentId,omitempty"`
	ThreadID               string `json:"threadId,omitempty"`
	// E-mail fields.
	HTML            string   `json:"html,omitempty"`
	Subject         string   `json:"subject,omitempty"`
	EmailFrom       string   `json:"emailFrom,omitempty"`
	EmailTo         string   `json:"emailTo,omitempty"`
	EmailCc         []string `json:"emailCc,omitempty"`
	EmailBcc        []string `json:"emailBcc,omitempty"`
	EmailReplyMode  string   `json:"emailReplyMode,omitempty"`
	CustomSubtypeID string   `json:"customSubtypeId,omitempty"`

	// Extra carries fields this type does not name (forward, subType, ...); they are sent as
	// given.
	Extra Extra `json:"-"`
}

var sendMessageFields = jsonx.FieldsOf[SendMessageRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r SendMessageRequest) MarshalJSON() ([]byte, error) {
	type plain SendMessageRequest
	return encodeWithExtra(plain(r), sendMessageFields, r.Extra, nil)
}

// SendMessageResult is GHL's answer to SendMessage and UpdateMessageStatus.
type SendMessageResult struct {
	ConversationID string `json:"conversationId,omitempty"`
	MessageID      string `json:"messageId,omitempty"`
	// MessageIDs replaces MessageID for Google Business messages.
	MessageIDs     []string      `json:"messageIds,omitempty"`
	EmailMessageID string        `json:"emailMessageId,omitempty"`
	Msg            string        `json:"msg,omitempty"`
	Status         MessageStatus `json:"status,omitempty"`

	Extra Extra `json:"-"`
}

var sendMessageResultFields = jsonx.FieldsOf[SendMessageResult]()

// UnmarshalJSON decodes the result and keeps the fields it does not name in Extra.
func (r *SendMessageResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the result with its Extra fields.
func (r SendMessageResult) MarshalJSON() ([]byte, error) {
	type plain SendMessageResult
	return encodeWithExtra(plain(r), sendMessageResultFields, r.Extra, nil)
}

// SendMessage sends a message to a contact. When the location's SMS provider is a
// conversation provider (such as the phone system's own app), GHL hands the message to the
// provider's delivery URL, and the provider reports delivery with UpdateMessageStatus. A send
// is not resent after a 5xx or a dropped connection, since GHL might have sent it.
func (s *ConversationsService) SendMessage(ctx context.Context, req *SendMessageRequest) (*SendMessageResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	r := &request{method: http.MethodPost, path: "/conversations/messages", route: "/conversations/messages", body: req, family: APIConversations}
	switch req.Type {
	case ChannelSMS, ChannelRCS, ChannelEmail, ChannelWhatsApp, ChannelIG, ChannelFB, ChannelLiveChat, ChannelTikTok:
	case ChannelCustom:
		if strings.TrimSpace(req.ConversationProviderID) == "" {
			return nil, nil, &ConversationProviderError{Problem: ProviderMissing, Method: r.method, Route: r.route}
		}
	case "":
		return nil, nil, &InvalidParamError{Param: "req.Type", Reason: "must not be empty"}
	default:
		return nil, nil, &InvalidParamError{Param: "req.Type", Reason: fmt.Sprintf("%q is not a type GHL sends", req.Type)}
	}
	if err := checkID("req.ContactID", req.ContactID); err != nil {
		return nil, nil, err
	}
	if req.ScheduledTimestamp < 0 {
		return nil, nil, &InvalidParamError{Param: "req.ScheduledTimestamp", Reason: "must not be negative"}
	}
	if err := checkURLs("req.Attachments", req.Attachments, -1); err != nil {
		return nil, nil, err
	}
	// A result without a message ID holds no value: ErrEmptyResponse.
	res, resp, err := fetch(ctx, s.client, r, func(e *SendMessageResult) *SendMessageResult {
		if e.MessageID == "" && len(e.MessageIDs) == 0 {
			return nil
		}
		return e
	})
	if err != nil {
		return nil, resp, providerError(err, r, req.ConversationProviderID)
	}
	return res, resp, nil
}

// maxAttachments is how many URLs GHL keeps on a message.
const maxAttachments = 5

// SetAttachments replaces a call message's attachments with urls (at most 5, checked before
// sending), such as the call's recording once it is ready. GHL allows it on call logs
// (TYPE_CALL with subType EXTERNAL_CALL, and TYPE_CUSTOM_CALL) and answers 403 for other
// messages.
func (s *ConversationsService) SetAttachments(ctx context.Context, messageID string, urls []string) (*Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, err
	}
	if err := checkURLs("urls", urls, maxAttachments); err != nil {
		return nil, err
	}
	if urls == nil {
		urls = []string{}
	}
	body := struct {
		Attachments []string `json:"attachments"`
	}{urls}
	return s.client.doSuccess(ctx, &request{method: http.MethodPut, path: "/conversations/messages/" + ids[0] + "/attachments",
		route: "/conversations/messages/{messageId}/attachments", body: body, family: APIConversations})
}

// CancelScheduled cancels a message sent with a ScheduledTimestamp that has not gone out yet.
func (s *ConversationsService) CancelScheduled(ctx context.Context, messageID string) (*Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, err
	}
	r := &request{method: http.MethodDelete, path: "/conversations/messages/" + ids[0] + "/schedule", route: "/conversations/messages/{messageId}/schedule", family: APIConversations}
	// The body repeats a status code; GHL documents 404 "Failed cancel the scheduled message"
	// in it.
	var ack statusAck
	resp, err := s.client.do(ctx, r, &ack)
	if err != nil {
		return resp, err
	}
	if ack.Status >= 400 {
		return errorResponse(resp), &NotSucceededError{Method: r.method, Route: r.route, StatusCode: ack.Status}
	}
	return resp, nil
}

// statusAck is the acknowledgement of a cancelled scheduled message.
type statusAck struct {
	Status int `json:"status"`
}
