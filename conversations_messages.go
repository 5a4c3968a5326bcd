package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Reading messages: one message, a conversation's messages (lastMessageId cursor) and the
// location-wide export (cursor), for backfill and reconciliation.

// GetMessage fetches one message. GHL wraps it as {"message": {...}, "traceId": ...}; the bare
// message its spec documents is accepted too.
func (s *ConversationsService) GetMessage(ctx context.Context, messageID string) (*Message, *Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodGet, path: "/conversations/messages/" + ids[0], route: "/conversations/messages/{id}", family: APIConversations}
	return fetch(ctx, s.client, req, func(e *messageEnvelope) *Message { return e.message })
}

// messageEnvelope decodes {"message": {...}} as well as a bare message.
type messageEnvelope struct{ message *Message }

func (e *messageEnvelope) decodeResponse(data []byte) error {
	var probe struct {
		ID      string          `json:"id"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return err
	}
	switch {
	case len(probe.Message) > 0 && probe.Message[0] == '{':
		data = probe.Message
	case probe.ID == "":
		return nil // no message: left nil
	}
	e.message = new(Message)
	return json.Unmarshal(data, e.message)
}

// MessageListOptions pages through a conversation's messages, newest first.
type MessageListOptions struct {
	// LastMessageID is the cursor: the previous page's LastMessageID. Messages sets it.
	LastMessageID string `url:"lastMessageId,omitempty"`
	// Limit is the page size (server default 20).
	Limit int `url:"limit,omitempty"`
	// Type keeps only these message types, e.g. "TYPE_CALL", "TYPE_SMS".
	Type []string `url:"type,comma,omitempty"`
}

// MessagePage is one page of a conversation's messages.
type MessagePage struct {
	// LastMessageID is the ID of the page's last message: the cursor of the next page.
	LastMessageID string `json:"lastMessageId,omitempty"`
	// NextPage reports that more messages follow.
	NextPage bool       `json:"nextPage"`
	Messages []*Message `json:"messages"`

	// Extra holds the fields GHL sent that this type does not name, from the page and from
	// the envelope around it (traceId).
	Extra Extra `json:"-"`
}

var messagePageFields = jsonx.FieldsOf[MessagePage]()

// UnmarshalJSON decodes a page in the shape GHL sends, {"messages": {"lastMessageId",
// "nextPage", "messages": [...]}}, and in the flat shape its spec documents; the members
// around the wrapper (traceId) are kept in Extra, after those of the page itself.
func (p *MessagePage) UnmarshalJSON(data []byte) error { return decodeModel(data, p) }

// MarshalJSON encodes the page in GHL's nested shape.
func (p MessagePage) MarshalJSON() ([]byte, error) {
	type plain MessagePage
	inner, err := encodeWithExtra(plain(p), messagePageFields, p.Extra, nil)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]json.RawMessage{"messages": inner})
}

// MessagesPage returns one page of a conversation's messages.
func (s *ConversationsService) MessagesPage(ctx context.Context, conversationID string, opts *MessageListOptions) (*MessagePage, *Response, error) {
	ids, err := escapeIDs("conversationID", conversationID)
	if err != nil {
		return nil, nil, err
	}
	var o MessageListOptions
	if opts != nil {
		o = *opts
	}
	if o.Limit < 0 {
		return nil, nil, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is negative", o.Limit)}
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodGet, path: "/conversations/" + ids[0] + "/messages", route: "/conversations/{conversationId}/messages", query: q, family: APIConversations}
	return fetch(ctx, s.client, req, self[MessagePage])
}

// Messages yields a conversation's messages, newest first, following the lastMessageId
// cursor from opts.LastMessageID (empty: the newest). Iteration stops at the first error,
// which is yielded.
func (s *ConversationsService) Messages(ctx context.Context, conversationID string, opts *MessageListOptions) iter.Seq2[*Message, error] {
	if err := checkID("conversationID", conversationID); err != nil {
		return errSeq[*Message](err)
	}
	var base MessageListOptions
	if opts != nil {
		base = *opts
	}
	return paginate(ctx, "/conversations/{conversationId}/messages", base.LastMessageID, func(ctx context.Context, cursor string, _ int) (pageOf[*Message, string], error) {
		o := base
		o.LastMessageID = cursor
		page, _, err := s.MessagesPage(ctx, conversationID, &o)
		if err != nil {
			return pageOf[*Message, string]{}, err
		}
		return pageOf[*Message, string]{items: page.Messages, more: page.NextPage, next: page.LastMessageID}, nil
	})
}

// MessageExportOptions filters the location-wide message export.
type MessageExportOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// Limit is the page size, 10 to 500 (server default 100).
	Limit int `url:"limit,omitempty"`
	// Cursor is where to start: a previous page's NextCursor. ExportMessages sets it.
	Cursor string `url:"cursor,omitempty"`
	// SortBy is "createdAt" (default) or "updatedAt".
	SortBy string `url:"sortBy,omitempty"`
	// SortOrder is "desc" (default) or "asc".
	SortOrder      SortDirection `url:"sortOrder,omitempty"`
	ConversationID string        `url:"conversationId,omitempty"`
	ContactID      string        `url:"contactId,omitempty"`
	// Channel is ChannelCall, ChannelSMS, ChannelEmail, ChannelWhatsApp, ChannelInstagram or
	// ChannelFacebook; empty: every message type except e-mail.
	Channel Channel `url:"channel,omitempty"`
	// StartDate and EndDate bound the messages' dates; they are sent in RFC 3339, UTC.
	StartDate time.Time `url:"startDate,omitempty"`
	EndDate   time.Time `url:"endDate,omitempty"`
}

const (
	minExportLimit = 10
	maxExportLimit = 500
)

// ExportPage is one page of the message export.
type ExportPage struct {
	Messages []*Message `json:"messages"`
	// NextCursor is the cursor of the next page; empty on the last one.
	NextCursor string `json:"nextCursor,omitempty"`
	// Total is the number of matching messages.
	Total int `json:"total"`

	Extra Extra `json:"-"`
}

var exportPageFields = jsonx.FieldsOf[ExportPage]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (p *ExportPage) UnmarshalJSON(data []byte) error { return decodeModel(data, p) }

// MarshalJSON encodes the page with its Extra fields.
func (p ExportPage) MarshalJSON() ([]byte, error) {
	type plain ExportPage
	return encodeWithExtra(plain(p), exportPageFields, p.Extra, nil)
}

func (s *ConversationsService) exportOptions(opts *MessageExportOptions) (MessageExportOptions, error) {
	var o MessageExportOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return o, err
	}
	switch {
	case o.Limit != 0 && (o.Limit < minExportLimit || o.Limit > maxExportLimit):
		return o, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside %d..%d", o.Limit, minExportLimit, maxExportLimit)}
	case o.SortBy != "" && o.SortBy != "createdAt" && o.SortBy != "updatedAt":
		return o, &InvalidParamError{Param: "opts.SortBy", Reason: fmt.Sprintf("%q is neither createdAt nor updatedAt", o.SortBy)}
	case o.SortOrder != "" && o.SortOrder != SortAsc && o.SortOrder != SortDesc:
		return o, &InvalidParamError{Param: "opts.SortOrder", Reason: fmt.Sprintf("%q is neither asc nor desc", o.SortOrder)}
	case !o.StartDate.IsZero() && !o.EndDate.IsZero() && o.EndDate.Before(o.StartDate):
		return o, &InvalidParamError{Param: "opts.EndDate", Reason: "is before StartDate"}
	}
	switch o.Channel {
	case "", ChannelCall, ChannelSMS, ChannelEmail, ChannelWhatsApp, ChannelInstagram, ChannelFacebook:
	default:
		return o, &InvalidParamError{Param: "opts.Channel", Reason: fmt.Sprintf("%q is not an export channel (Call, SMS, Email, WhatsApp, Instagram, Facebook)", o.Channel)}
	}
	if !o.StartDate.IsZero() {
		o.StartDate = o.StartDate.UTC()
	}
	if !o.EndDate.IsZero() {
		o.EndDate = o.EndDate.UTC()
	}
	return o, nil
}

// ExportMessagesPage returns one page of the location's messages
// (GET /conversations/messages/export).
func (s *ConversationsService) ExportMessagesPage(ctx context.Context, opts *MessageExportOptions) (*ExportPage, *Response, error) {
	o, err := s.exportOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	return s.exportPage(ctx, &o)
}

func (s *ConversationsService) exportPage(ctx context.Context, o *MessageExportOptions) (*ExportPage, *Response, error) {
	q, err := queryOf(o)
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodGet, path: "/conversations/messages/export", route: "/conversations/messages/export", query: q, family: APIConversations}
	return fetch(ctx, s.client, req, self[ExportPage])
}

// ExportMessages yields the location's messages that match opts, following the export's
// cursor from opts.Cursor: the way to backfill calls and texts, or to catch up after missed
// webhooks (Channel ChannelCall, SortBy "updatedAt", StartDate the last checkpoint).
// Iteration stops at the first error, which is yielded.
func (s *ConversationsService) ExportMessages(ctx context.Context, opts *MessageExportOptions) iter.Seq2[*Message, error] {
	base, err := s.exportOptions(opts)
	if err != nil {
		return errSeq[*Message](err)
	}
	return paginate(ctx, "/conversations/messages/export", base.Cursor, func(ctx context.Context, cursor string, _ int) (pageOf[*Message, string], error) {
		o := base
		o.Cursor = cursor
		page, _, err := s.exportPage(ctx, &o)
		if err != nil {
			return pageOf[*Message, string]{}, err
		}
		return pageOf[*Message, string]{items: page.Messages, more: page.NextCursor != "", next: page.NextCursor}, nil
	})
}
