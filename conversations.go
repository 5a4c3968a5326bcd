package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// ConversationsService reaches the /conversations endpoints (Version 2021-04-15): each
// contact's conversation, its messages, call logs, texts, recordings and transcripts.
//
// A contact has one conversation. Call logs and texts are added to it by contact ID (GHL
// finds or creates the conversation) or by conversation ID. Logging calls, and adding or
// updating messages for a conversation provider, need the provider's own marketplace app
// and its OAuth location token: GHL refuses a Private Integration Token for a provider ID
// (see ConversationProviderError).
type ConversationsService service

// ConversationType is the channel of a conversation. GHL sends it as a name ("TYPE_PHONE") in
// search results and as a number (1) from Get; both decode to the name.
type ConversationType string

// The conversation types GHL documents; others decode as given.
const (
	ConversationPhone       ConversationType = "TYPE_PHONE"
	ConversationEmail       ConversationType = "TYPE_EMAIL"
	ConversationFBMessenger ConversationType = "TYPE_FB_MESSENGER"
	ConversationReview      ConversationType = "TYPE_REVIEW"
	ConversationGroupSMS    ConversationType = "TYPE_GROUP_SMS"
)

// conversationTypeCodes maps the numbers of Get to the names of search (1 Phone, 2 Email,
// 3 Facebook Messenger, 4 Review, 5 Group SMS).
var conversationTypeCodes = [...]ConversationType{1: ConversationPhone, 2: ConversationEmail, 3: ConversationFBMessenger, 4: ConversationReview, 5: ConversationGroupSMS}

// UnmarshalJSON accepts the name or GHL's number; an unknown number decodes as its digits.
func (t *ConversationType) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = ConversationType(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("ghl: conversation type %s is neither a name nor a number", b)
	}
	if i, err := strconv.Atoi(n.String()); err == nil && i > 0 && i < len(conversationTypeCodes) {
		*t = conversationTypeCodes[i]
		return nil
	}
	*t = ConversationType(n.String())
	return nil
}

// Conversation is a contact's conversation. One type serves search results, Get, Create and
// Update, whose schemas differ only in which fields they list. Fields it does not name are
// kept in Extra.
type Conversation struct {
	ID              string           `json:"id,omitempty"`
	ContactID       string           `json:"contactId,omitempty"`
	LocationID      string           `json:"locationId,omitempty"`
	Type            ConversationType `json:"type,omitempty"`
	LastMessageBody string           `json:"lastMessageBody,omitempty"`
	// LastMessageType is a message type name, e.g. "TYPE_CALL" or "TYPE_SMS".
	LastMessageType      string    `json:"lastMessageType,omitempty"`
	LastMessageDirection Direction `json:"lastMessageDirection,omitempty"`
	LastMessageDate      *Time     `json:"lastMessageDate,omitempty"`
	UnreadCount          int       `json:"unreadCount,omitempty"`
	Inbox                bool      `json:"inbox,omitempty"`
	Starred              bool      `json:"starred,omitempty"`
	Deleted              bool      `json:"deleted,omitempty"`
	AssignedTo           string    `json:"assignedTo,omitempty"` // a user ID
	UserID               string    `json:"userId,omitempty"`
	FullName             string    `json:"fullName,omitempty"`
	ContactName          string    `json:"contactName,omitempty"`
	Email                string    `json:"email,omitempty"`
	Phone                string    `json:"phone,omitempty"`
	DateAdded            *Time     `json:"dateAdded,omitempty"`
	DateUpdated          *Time     `json:"dateUpdated,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var conversationFields = jsonx.FieldsOf[Conversation]()

// UnmarshalJSON decodes a conversation and keeps the fields it does not name in Extra.
func (c *Conversation) UnmarshalJSON(data []byte) error { return decodeModel(data, c) }

// MarshalJSON encodes the conversation with its Extra fields.
func (c Conversation) MarshalJSON() ([]byte, error) {
	type plain Conversation
	return encodeWithExtra(plain(c), conversationFields, c.Extra, nil)
}

// ConversationSearchOptions filters GET /conversations/search. Times are sent as epoch
// milliseconds.
type ConversationSearchOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	ContactID  string `url:"contactId,omitempty"`
	// AssignedTo, Followers and Mentions are user IDs (sent comma-separated).
	AssignedTo []string `url:"assignedTo,comma,omitempty"`
	Followers  []string `url:"followers,comma,omitempty"`
	Mentions   []string `url:"mentions,comma,omitempty"`
	// Query matches a phone number, e-mail address or name.
	Query string `url:"query,omitempty"`
	// Sort is "asc" or "desc".
	Sort SortDirection `url:"sort,omitempty"`
	// StartAfterDate is the cursor: the sort value (epoch milliseconds) of the last result of
	// the previous page.
	StartAfterDate int64  `url:"startAfterDate,omitempty"`
	ID             string `url:"id,omitempty"`
	// Limit is the page size (server default 20, at most 100).
	Limit int `url:"limit,omitempty"`
	// LastMessageType filters by the type of the last message, e.g. "TYPE_CALL".
	LastMessageType string `url:"lastMessageType,omitempty"`
	// LastMessageAction is "automated" or "manual".
	LastMessageAction    string    `url:"lastMessageAction,omitempty"`
	LastMessageDirection Direction `url:"lastMessageDirection,omitempty"`
	// Status is "all", "read", "unread", "starred" or "recents".
	Status string `url:"status,omitempty"`
	// SortBy is "last_message_date", "last_manual_message_date", "score_profile",
	// "overdue_at" or "due_at".
	SortBy           string    `url:"sortBy,omitempty"`
	SortScoreProfile string    `url:"sortScoreProfile,omitempty"`
	ScoreProfile     string    `url:"scoreProfile,omitempty"`
	ScoreProfileMin  *float64  `url:"scoreProfileMin,omitempty"`
	ScoreProfileMax  *float64  `url:"scoreProfileMax,omitempty"`
	StartDate        time.Time `url:"startDate,omitempty,unixmilli"`
	EndDate          time.Time `url:"endDate,omitempty,unixmilli"`
}

// maxConversationSearchLimit is the largest page GHL's conversation search serves.
const maxConversationSearchLimit = 100

// ConversationSearchResult is one page of conversation search results.
type ConversationSearchResult struct {
	Conversations []*Conversation `json:"conversations"`
	// Total is the number of matching conversations the server reports.
	Total int `json:"total"`

	Extra Extra `json:"-"`
}

var conversationSearchResultFields = jsonx.FieldsOf[ConversationSearchResult]()

// UnmarshalJSON decodes the page and keeps the fields it does not name (traceId) in Extra.
func (r *ConversationSearchResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the page with its Extra fields.
func (r ConversationSearchResult) MarshalJSON() ([]byte, error) {
	type plain ConversationSearchResult
	return encodeWithExtra(plain(r), conversationSearchResultFields, r.Extra, nil)
}

// Search returns one page of the location's conversations that match opts (nil: the most
// recent ones). GHL indexes a new conversation with a delay, so a conversation created a
// moment ago may not be found yet.
func (s *ConversationsService) Search(ctx context.Context, opts *ConversationSearchOptions) (*ConversationSearchResult, *Response, error) {
	var o ConversationSearchOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	switch {
	case o.Limit < 0 || o.Limit > maxConversationSearchLimit:
		return nil, nil, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, maxConversationSearchLimit)}
	case o.Sort != "" && o.Sort != SortAsc && o.Sort != SortDesc:
		return nil, nil, &InvalidParamError{Param: "opts.Sort", Reason: fmt.Sprintf("%q is neither asc nor desc", o.Sort)}
	case o.StartAfterDate < 0:
		return nil, nil, &InvalidParamError{Param: "opts.StartAfterDate", Reason: "must not be negative"}
	}
	if err := checkDirection("opts.LastMessageDirection", o.LastMessageDirection, true); err != nil {
		return nil, nil, err
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/conversations/search", route: "/conversations/search", query: q, family: APIConversations}, self[ConversationSearchResult])
}

// ConversationCreateRequest is the body of Create.
type ConversationCreateRequest struct {
	// LocationID defaults to the client's location.
	LocationID string `json:"locationId"`
	ContactID  string `json:"contactId"`
}

// conversationEnvelope is {"success": true, "conversation": {...}} of Create, Get (which
// sends the conversation bare) and Update.
type conversationEnvelope struct {
	Success      *bool         `json:"success"`
	Conversation *Conversation `json:"conversation"`
}

func (e *conversationEnvelope) failed() bool { return e.Success != nil && !*e.Success }

// Create opens the contact's conversation (POST /conversations/, with GHL's trailing slash).
// A contact has one conversation: GHL answers 400 "Conversation with the contact id ...
// already exists" for a second one. Logging a call or a text by contact ID needs no
// conversation first.
func (s *ConversationsService) Create(ctx context.Context, req *ConversationCreateRequest) (*Conversation, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := checkID("req.LocationID", body.LocationID); err != nil {
		return nil, nil, err
	}
	if err := checkID("req.ContactID", body.ContactID); err != nil {
		return nil, nil, err
	}
	return s.conversation(ctx, &request{method: http.MethodPost, path: "/conversations/", route: "/conversations/", body: body})
}

// Get fetches a conversation. GHL sends it bare; the {"conversation": {...}} form is accepted
// too.
func (s *ConversationsService) Get(ctx context.Context, conversationID string) (*Conversation, *Response, error) {
	ids, err := escapeIDs("conversationID", conversationID)
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodGet, path: "/conversations/" + ids[0], route: "/conversations/{conversationId}", family: APIConversations}
	return fetch(ctx, s.client, req, func(e *conversationGetEnvelope) *Conversation { return e.conversation })
}

// conversationGetEnvelope decodes a conversation sent bare or inside {"conversation": {...}}.
type conversationGetEnvelope struct{ conversation *Conversation }

func (e *conversationGetEnvelope) decodeResponse(data []byte) error {
	var probe struct {
		ID           string          `json:"id"`
		Conversation json.RawMessage `json:"conversation"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return err
	}
	if probe.ID == "" && len(probe.Conversation) > 0 && probe.Conversation[0] == '{' {
		data = probe.Conversation
	} else if probe.ID == "" {
		return nil // no conversation: left nil
	}
	e.conversation = new(Conversation)
	return json.Unmarshal(data, e.conversation)
}

// ConversationUpdateRequest is the body of Update; only the fields set are sent.
type ConversationUpdateRequest struct {
	// LocationID defaults to the client's location.
	LocationID  string          `json:"locationId"`
	UnreadCount *int            `json:"unreadCount,omitempty"`
	Starred     *bool           `json:"starred,omitempty"`
	Feedback    json.RawMessage `json:"feedback,omitempty"`
}

// Update changes a conversation's unread count, star or feedback.
func (s *ConversationsService) Update(ctx context.Context, conversationID string, req *ConversationUpdateRequest) (*Conversation, *Response, error) {
	ids, err := escapeIDs("conversationID", conversationID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if err := checkID("req.LocationID", body.LocationID); err != nil {
		return nil, nil, err
	}
	if body.UnreadCount != nil && *body.UnreadCount < 0 {
		return nil, nil, &InvalidParamError{Param: "req.UnreadCount", Reason: "must not be negative"}
	}
	if len(body.Feedback) > 0 && !json.Valid(body.Feedback) {
		return nil, nil, &InvalidParamError{Param: "req.Feedback", Reason: "is not valid JSON"}
	}
	return s.conversation(ctx, &request{method: http.MethodPut, path: "/conversations/" + ids[0], route: "/conversations/{conversationId}", body: body})
}

// Delete deletes a conversation and its messages.
func (s *ConversationsService) Delete(ctx context.Context, conversationID string) (*Response, error) {
	ids, err := escapeIDs("conversationID", conversationID)
	if err != nil {
		return nil, err
	}
	return s.client.doSuccess(ctx, &request{method: http.MethodDelete, path: "/conversations/" + ids[0], route: "/conversations/{conversationId}", family: APIConversations})
}

// conversation sends req and returns the conversation of its envelope, failing when the
// envelope reports {"success": false}.
func (s *ConversationsService) conversation(ctx context.Context, req *request) (*Conversation, *Response, error) {
	req.family = APIConversations
	return fetch(ctx, s.client, req, func(e *conversationEnvelope) *Conversation { return e.Conversation })
}

// successAck is {"success": bool}, the acknowledgement of the Conversations API.
type successAck struct {
	Success *bool `json:"success"`
}

func (a *successAck) failed() bool { return a.Success != nil && !*a.Success }

// doSuccess sends req and turns a 2xx whose body says {"success": false} into a
// *NotSucceededError.
func (c *Client) doSuccess(ctx context.Context, req *request) (*Response, error) {
	return c.do(ctx, req, new(successAck))
}
